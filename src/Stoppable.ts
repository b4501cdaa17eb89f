/**
 * A source read through a reader the upload holds, so that it can be stopped at once: `stop`
 * cancels the caller's stream even while a read is pending. A pipe's own `signal` is not enough:
 * workerd ignores it while the source's `pull` is pending (measured in Miniflare), and a pipe
 * through a transform only cancels its source when the transform propagates the cancel.
 */
import { Either as E } from './fp.ts'
import { type UploadError, invalidInput } from './UploadError.ts'

// ---------------------------------------------------------------------------------------------
// model

/** The source as a stream the upload owns, and the way to stop it. */
export interface Stoppable {
  readonly readable: ReadableStream<Uint8Array>
  /**
   * Cancels the source with `reason` and errors `readable` with it; later calls do nothing. The
   * source's `cancel` is called a turn of the event loop later (a timer of 0 set after this one runs after it).
   */
  readonly stop: (reason: unknown) => void
}

// ---------------------------------------------------------------------------------------------
// constructors

/** The error for a source somebody else reads already, or that is no web stream (`null`, a Node stream, `Bun.file()`). */
export const lockedSource: UploadError = invalidInput('The source must be a web ReadableStream nobody reads yet (no reader or pipe holding it).')

/** Takes hold of `source` (`InvalidInput` when it is locked). Reads nothing until `readable` is read. */
export const stoppable = (source: ReadableStream<Uint8Array>): E.Either<UploadError, Stoppable> => {
  let reader: ReadableStreamDefaultReader<Uint8Array>
  try {
    reader = source.getReader()
  } catch {
    return E.left(lockedSource)
  }
  let stopped: { readonly reason: unknown } | undefined
  const stop = (reason: unknown): void => {
    if (stopped !== undefined) return
    stopped = { reason }
    // A turn later: a cancel in the tick of a read (a pipe aborted as it starts, an abort from a
    // progress callback) made Node's Readable.toWeb enqueue into a closed stream, an uncaught
    // ERR_INVALID_STATE. The pending read, if any, ends with the cancel; `pull` then errors.
    setTimeout(() => void reader.cancel(reason).catch(() => undefined))
  }
  /** Whether the source was stopped, erroring the stream with the reason if so. */
  const halted = (controller: ReadableStreamDefaultController<Uint8Array>): boolean =>
    stopped !== undefined && (controller.error(stopped.reason), true)
  // `pull` rejects when the source errors: that is how a stream reports it, and the pipe turns it back into a value.
  const readable = new ReadableStream<Uint8Array>(
    {
      // Stopped, the source is read no more: its cancel comes a turn later (above), and a read now would take a chunk.
      pull: async (controller) => {
        if (halted(controller)) return
        const result = await reader.read()
        if (halted(controller)) return
        if (result.done) controller.close()
        else controller.enqueue(result.value)
      },
      cancel: stop,
    },
    { highWaterMark: 0 },
  )
  return E.right({ readable, stop })
}
