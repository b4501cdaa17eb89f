/**
 * Upload progress: what `onProgress` receives, and a counter that only moves forward. Reported
 * after every part Box confirmed (and once at the start, counting parts a resumed upload finds
 * already stored), so the numbers never go backwards (uppy#3908, AWS lib-storage#4413) and the
 * last report covers the whole file.
 */

// ---------------------------------------------------------------------------------------------
// model

/** One progress report. Bytes and parts are those Box confirmed. */
export interface Progress {
  readonly bytesUploaded: number
  readonly partsUploaded: number
  readonly totalParts: number
  readonly fileSize: number
}

/** Receives progress reports. */
export type OnProgress = (progress: Progress) => void

/** Counts one more confirmed part, of `size` bytes, and reports. */
export type ProgressCounter = (size: number) => void

// ---------------------------------------------------------------------------------------------
// constructors

/**
 * A counter for a file of `fileSize` bytes in `totalParts` parts, reporting to `onProgress`; it
 * starts from the bytes and parts already stored (a resumed upload's).
 */
export const progressCounter = (
  totals: { readonly fileSize: number; readonly totalParts: number },
  onProgress: OnProgress | undefined,
  bytesUploaded: number,
  partsUploaded: number,
): ProgressCounter => {
  const report = (): void => tell(onProgress, { bytesUploaded, partsUploaded, totalParts: totals.totalParts, fileSize: totals.fileSize })
  report()
  return (size) => {
    bytesUploaded += size
    partsUploaded += 1
    report()
  }
}

/**
 * Calls a caller's callback. One that throws, or returns a promise that rejects (an `async`
 * callback), is the caller's bug: it must not break the upload, nor, unhandled, end the process.
 */
export const tell = <A>(callback: ((value: A) => unknown) | undefined, value: A): void =>
  // Called now (an executor runs at once); a throw there rejects the promise, as a rejection it returns does.
  void new Promise((resolve) => resolve(callback?.(value))).catch(() => undefined)
