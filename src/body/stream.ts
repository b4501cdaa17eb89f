/**
 * A part's body as a one-chunk stream with an explicit `Content-Length`: Node's fetch (undici)
 * sends it as is, without the copy it makes of a byte-array body (the Fetch standard copies
 * `BufferSource` bodies). With `concurrency` parts in flight that copy doubles their memory, and
 * the copies stay until a GC, so this keeps memory at (concurrency + 1) × part size. Chosen by
 * the `node` condition of `#partBody`; the body goes out with a Content-Length, not chunked.
 */
import type { PartBody } from './PartBody.ts'

/** The bytes as a stream of one chunk, and their length. */
export const partBody: PartBody = (bytes) => ({
  body: new ReadableStream<Uint8Array>({
    start: (controller) => {
      controller.enqueue(bytes)
      controller.close()
    },
  }),
  headers: { 'Content-Length': String(bytes.byteLength) },
})
