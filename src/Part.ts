/**
 * One part of a chunked upload: a slice of the file, its bytes and their SHA-1, ready to be sent
 * as `PUT` body with the `Digest: sha=<sha1>` and `Content-Range: <contentRange>` headers.
 */

// ---------------------------------------------------------------------------------------------
// model

/**
 * A part cut by the chunker. Every part is `partSize` bytes except the last, never empty. Its bytes
 * are a plain `ArrayBuffer`'s unless the chunker was asked for shared memory (`shared: true`).
 */
export interface Part<Buffer extends ArrayBufferLike = ArrayBuffer> {
  /** 0-based position of the part in the file. */
  readonly index: number
  /** Offset of the first byte in the file. */
  readonly offset: number
  /** Offset of the last byte in the file (inclusive, as in `Content-Range`). */
  readonly end: number
  /** Number of bytes: `end - offset + 1`. */
  readonly size: number
  /** The part's bytes (a view of exactly `size` bytes, owned by the chunker's buffer pool). */
  readonly bytes: Uint8Array<Buffer>
  /** SHA-1 of `bytes`, base64 (the `Digest: sha=` header). */
  readonly sha1: string
  /** SHA-1 of `bytes`, lowercase hex (what Box echoes back in the uploaded part). */
  readonly sha1Hex: string
  /** The exact `Content-Range` header: `bytes ${offset}-${end}/${fileSize}`. */
  readonly contentRange: string
  /**
   * Gives the part's buffer back to the chunker so a later part reuses it (fresh 8 MiB buffers
   * cost more than copying into them). Call it once the part is uploaded for good and its bytes
   * will never be read again; afterwards `bytes` holds another part's data. Optional: a part never
   * released is simply garbage-collected. Calling it twice does nothing.
   */
  readonly release: () => void
}

/** Where a part sits in the file, without its bytes. */
export interface PartRange {
  readonly index: number
  readonly offset: number
  readonly end: number
  readonly size: number
}

// ---------------------------------------------------------------------------------------------
// operations

/** The `Content-Range` header of the bytes `offset..end` (inclusive) of a file of `fileSize` bytes. */
export const contentRange = (fileSize: number) => (range: Pick<PartRange, 'offset' | 'end'>): string =>
  `bytes ${range.offset}-${range.end}/${fileSize}`
