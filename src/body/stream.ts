/**
 * A part's body as a stream of views of its bytes with an explicit `Content-Length`: Node's fetch
 * (undici) sends it as is, without the copy it makes of a byte-array body (the Fetch standard copies
 * `BufferSource` bodies). With `concurrency` parts in flight that copy doubles their memory, and the
 * copies stay until a GC, so this keeps memory at (concurrency + 1) × part size: the views share the
 * part's buffer. Chosen by the `node` condition of `#partBody`; the body goes out with a
 * Content-Length, not chunked.
 *
 * The stream is pulled one chunk at a time (one ahead of undici's reads, through the tee fetch makes:
 * see `pull`), and undici reads the next chunk only once the socket has taken the last one (`writeIterable` waits for `drain`), so the time between pulls is how long the
 * connection took to take a chunk: `fetch` reports no upload progress, but this does. When no pull
 * comes for `stallMs` while the body is unfinished (a dead link: nothing passes, not even a reset),
 * the request is aborted with a `TimeoutError`, which the attempt ends with at once as a retryable
 * `NetworkError`, instead of holding its slot until the retry policy's `timeoutMs`. Erroring the
 * stream alone would not do: undici does not read it while it waits for `drain`, so the body comes
 * with a signal of its own.
 */
import type { PartBody } from './PartBody.ts'

/**
 * Bytes per chunk: one chunk not taken by the connection within `stallMs` ends the attempt, so a
 * connection sending slower than 1 MiB in 2 minutes (8.7 KB/s) is taken for dead. The default `timeoutMs`
 * already needs 14 KB/s on average (Box's smallest part, 8 MiB, in 10 minutes), so no upload that
 * could finish is ended by it. Each chunk costs turns of the event loop and a trip through fetch's tee:
 * at 256 KiB (4096 a GiB) the client spent 0.16 CPU-s more per GiB than with one chunk a part (2.17
 * against 2.01, median of 10 uploads of 1 GiB in one A/B run); at 1 MiB, 0.01 (2.03 against 2.02).
 */
const chunkBytes = 1024 * 1024

/** Longest wait for the connection to take a chunk before the body counts as stalled: 2 minutes. */
let stallMs = 120_000

/** Sets `stallMs` (for tests, which cannot wait minutes for a dead link) and returns the one it replaces. */
export const setStallMs = (ms: number): number => {
  const was = stallMs
  stallMs = ms
  return was
}

/** The part as a stream of 1 MiB views, its length, and a signal that also fires when the body stalls. */
export const partBody: PartBody = ({ bytes, index, contentRange }, signal) => {
  const sending = new AbortController()
  let timer: ReturnType<typeof setTimeout> | undefined
  let at = 0
  let pulls = 0
  // The attempt's abort (its timeout, the caller's abort) goes to the request as it is, and ends the timer:
  // fetch cancels only its own branch of the tee (see the pull), which does not reach this stream.
  const stop = (): void => {
    clearTimeout(timer)
    sending.abort(signal.reason)
  }
  if (signal.aborted) stop()
  else signal.addEventListener('abort', stop, { once: true })
  return {
    body: new ReadableStream<Uint8Array>(
      {
        pull: (controller) => {
          clearTimeout(timer)
          if (at >= bytes.byteLength) return controller.close()
          controller.enqueue(bytes.subarray(at, (at += chunkBytes)))
          // The first pull is not timed: fetch tees the body (it keeps a clone of the request, as the Fetch
          // standard says: undici's cloneRequest), and the tee pulls a chunk at once, before a connection is
          // there (undici's pool may queue the request); the second pull comes when undici reads that chunk
          // to send it. The last chunk's write is not timed either: after the close nothing is pulled.
          if (++pulls > 1) timer = unref(setTimeout(stalled, stallMs))
        },
      },
      // Nothing pulled at creation (the default high-water mark of 1 would pull a chunk at once): only reads pull.
      { highWaterMark: 0 },
    ),
    headers: { 'Content-Length': String(bytes.byteLength) },
    signal: sending.signal,
  }

  // Only the request is aborted (undici then drops the body): erroring the stream as well ended the test
  // process in Node 20 with that error unhandled, somewhere in fetch's handling of the body.
  function stalled(): void {
    sending.abort(new DOMException(`part ${index} (${contentRange}) stalled: the connection took under 1 MiB of it in ${stallMs / 1000} s`, 'TimeoutError'))
  }
}

/**
 * A timer that does not keep the process alive: should undici stop reading the body without an abort (a
 * reset, an answer that came before it was all sent), the timer fires once, into a request that is over.
 */
const unref = (timer: ReturnType<typeof setTimeout>): ReturnType<typeof setTimeout> => {
  ;(timer as unknown as { unref?: () => void }).unref?.()
  return timer
}
