/**
 * A part's body as a stream of views of its bytes with an explicit `Content-Length`: Node's fetch
 * (undici) sends it as is, without the copy it makes of a byte-array body (the Fetch standard copies
 * `BufferSource` bodies). With `concurrency` parts in flight that copy doubles their memory, and the
 * copies stay until a GC, so this keeps memory at (concurrency + 1) × part size: the views share the
 * part's buffer. Chosen by the `node` and `bun` conditions of `#partBody` (Bun's fetch refuses shared
 * memory in a byte-array body, and reads a stream as the socket takes it, as undici does); the body goes out
 * with a Content-Length, not chunked.
 *
 * The stream is pulled one chunk at a time (one ahead of undici's reads, through the tee fetch makes:
 * see `pull`), and undici reads the next chunk only once the socket has taken the last one (`writeIterable` waits for `drain`), so the time between pulls is how long the
 * connection took to take a chunk: `fetch` reports no upload progress, but this does. When no pull
 * comes for `stallMs` while the body is unfinished (a dead link: nothing passes, not even a reset),
 * the request is aborted with a `TimeoutError`, which the attempt ends with at once as a retryable
 * `NetworkError`, instead of holding its slot until the retry policy's `timeoutMs`. Erroring the
 * stream alone would not do: undici does not read it while it waits for `drain`, so the body comes
 * with a signal of its own. That signal also holds the attempt's `timeoutMs` while the connection takes
 * the body, and gives the answer the timeout's length from the body's end (see `watchSending`): a slow
 * link is not a dead one.
 */
import { isAttemptTimeout } from '../Retry.ts'
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

/** What a stalled part's error says after naming the part: `box-upload` tells it by this to advise fewer parts at once. */
export const stalledPhrase = 'stalled: the connection took under 1 MiB of it'

/** Sets `stallMs` (for tests, which cannot wait minutes for a dead link) and returns the one it replaces. */
export const setStallMs = (ms: number): number => {
  const was = stallMs
  stallMs = ms
  return was
}

/** The part as a stream of 1 MiB views, its length, and a signal that also fires when the body stalls. */
export const partBody: PartBody = ({ bytes, index, contentRange }, signal, caller) => {
  const watch = watchSending(signal, caller, `part ${index} (${contentRange})`)
  let at = 0
  return {
    body: new ReadableStream<Uint8Array>(
      {
        pull: (controller) => {
          if (at >= bytes.byteLength) {
            watch.sent()
            return controller.close()
          }
          controller.enqueue(bytes.subarray(at, (at += chunkBytes)))
          watch.pulled()
        },
      },
      // Nothing pulled at creation (the default high-water mark of 1 would pull a chunk at once): only reads pull.
      { highWaterMark: 0 },
    ),
    headers: { 'Content-Length': String(bytes.byteLength) },
    signal: watch.signal,
  }
}

/**
 * The signal a part's request is sent with, and what the body tells it. Its own scope, apart from the
 * body's: its timers may outlive the request (nothing says when undici is done with a body it stopped
 * reading after a reset), and a closure holds every variable its scope shares with other closures, so
 * here they hold no bytes of the part.
 *
 * - The caller's abort, and the stall of the body (no chunk taken for `stallMs`), end the request at once.
 * - The attempt's `timeoutMs` (`isAttemptTimeout`) ends it at once if its body was not being sent yet (a
 *   request waiting for a connection). Once the connection takes the body, sending is watched by the
 *   stall check alone, and the answer gets the timeout's length from the body's end: a part on a slow but
 *   live link (4 parts of 32 MiB, each at a 4th of a 200 KB/s link, need 11 minutes) is not cut off at
 *   each try, which no retry could mend, and a part sent in 9 of the 10 minutes still gets 10 for its answer.
 *   The attempt's signal has then fired (with the timeout) and cannot pass on the caller's abort: the
 *   `caller`'s own signal is followed until the request ends here (or, when its answer came first, until
 *   that timer fires: nothing says when fetch is done, and a listener is all it holds).
 */
const watchSending = (signal: AbortSignal, caller: AbortSignal | undefined, part: string) => {
  const sending = new AbortController()
  const started = Date.now()
  let timer: ReturnType<typeof setTimeout> | undefined
  let pulls = 0
  let sentAt: number | undefined
  /** The attempt's timeout, held until the body is sent, and its length. */
  let timeout: { readonly reason: unknown; readonly ms: number } | undefined
  const end = (reason: unknown): void => {
    clearTimeout(timer)
    caller?.removeEventListener('abort', onCallerAbort)
    sending.abort(reason)
  }
  const onCallerAbort = (): void => end(caller?.reason)
  const endAfter = (ms: number, reason: () => unknown): void => {
    clearTimeout(timer)
    timer = unref(setTimeout(() => end(reason()), ms))
  }
  const onAbort = (): void => {
    const reason: unknown = signal.reason
    if (!isAttemptTimeout(reason) || pulls < 2) return end(reason)
    if (caller?.aborted) return onCallerAbort()
    caller?.addEventListener('abort', onCallerAbort, { once: true })
    const ms = Date.now() - started
    if (sentAt === undefined) timeout = { reason, ms }
    else endAfter(sentAt + ms - Date.now(), () => reason)
  }
  // Only the request is aborted (undici then drops the body): erroring the stream as well ended the test
  // process in Node 20 with that error unhandled, somewhere in fetch's handling of the body.
  const stalled = (): DOMException => new DOMException(`${part} ${stalledPhrase} in ${stallMs / 1000} s`, 'TimeoutError')
  if (signal.aborted) onAbort()
  else signal.addEventListener('abort', onAbort, { once: true })
  return {
    signal: sending.signal,
    /**
     * A chunk was handed on. The first pull is not timed: fetch tees the body (it keeps a clone of the
     * request, as the Fetch standard says: undici's cloneRequest), and the tee pulls a chunk at once, before
     * a connection is there (undici's pool may queue the request); the second pull comes when undici reads
     * that chunk to send it.
     */
    pulled: (): void => {
      if (++pulls > 1) endAfter(stallMs, stalled)
    },
    /** The last chunk was handed on (its write is not timed: after the close nothing is pulled). */
    sent: (): void => {
      pulls++
      sentAt = Date.now()
      clearTimeout(timer)
      if (timeout !== undefined) endAfter(timeout.ms, () => timeout?.reason)
    },
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
