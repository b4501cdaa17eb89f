/**
 * In-process, a request's body is its caller's stream and its signal the caller's abort: what a
 * socket turns into a dropped connection over HTTP. Read through `watched`, a body that errors,
 * yields something other than bytes, or whose signal aborts fails the read the way the Node
 * adapter fails a client gone mid-body (a marked `resetError`): the part it carried is released,
 * the request is recorded as `connection_reset`, and the caller's `fetch` rejects, as a real one does.
 */
import { resetError } from './Reset.ts'

const isShared = (bytes: Uint8Array): boolean =>
  typeof SharedArrayBuffer !== 'undefined' && bytes.buffer instanceof SharedArrayBuffer

/** A short, safe text for any thrown value (`String` throws on an object without a prototype). */
export const describe = (e: unknown): string => {
  try {
    return (e instanceof Error ? `${e.name}: ${e.message}` : String(e)).slice(0, 200)
  } catch {
    return Object.prototype.toString.call(e)
  }
}

/**
 * The answer with its body read through a guard: as fetch does, an abort of `signal` after the
 * answer came errors a body not read to its end with the signal's reason (over HTTP the connection
 * is dropped), and reading it then rejects.
 */
export const abortable = (response: Response, signal: AbortSignal): Response => {
  const source = response.body
  if (source === null) return response
  const reader = source.getReader()
  let onAbort = (): void => undefined
  const unwatch = (): void => signal.removeEventListener('abort', onAbort)
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      onAbort = () => {
        controller.error(signal.reason)
        reader.cancel(signal.reason).catch(() => undefined)
      }
      signal.addEventListener('abort', onAbort, { once: true })
    },
    async pull(controller) {
      const { done, value } = await reader.read()
      if (!done) return controller.enqueue(value)
      unwatch()
      controller.close()
    },
    cancel(reason) {
      unwatch()
      return reader.cancel(reason)
    },
  }, { highWaterMark: 0 })
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers })
}

/**
 * Firefox's Request has no `body` (Mozilla bug 1387483; it also takes a stream given as a body for its text,
 * as its fetch sends it): there, the body is its bytes, read whole when the handler first reads. A GET or a
 * HEAD has none; any other request has one, empty when none was given (as Deno's server hands over).
 */
const wholeBody = (request: Request): ReadableStream<Uint8Array> | null =>
  request.method === 'GET' || request.method === 'HEAD'
    ? null
    : new ReadableStream<Uint8Array>({
      async pull(controller) {
        const bytes = new Uint8Array(await request.arrayBuffer())
        if (bytes.length > 0) controller.enqueue(bytes)
        controller.close()
      },
    })

/**
 * The request with its body read through a guard (or the request itself when it has no body), and
 * `done`, to call once it is answered: an abort after the answer (which may not have read the
 * body) is none of the request's business, and a body the answer left unread is cancelled, so the
 * caller's stream is not left locked for ever (over HTTP, the adapter reads such a body out or
 * drops the connection; either way the caller's fetch lets go of it). Throws a `TypeError` (what
 * `fetch` rejects with) for a body already read or locked.
 */
export const watched = (request: Request, signal: AbortSignal): { readonly request: Request; readonly done: () => void } => {
  const noBodyStream = request.body === undefined
  const source = noBodyStream ? wholeBody(request) : request.body
  if (source === null) return { request, done: () => undefined }
  const reader = source.getReader()
  /** Whether the caller's stream is over: read to its end, failed or cancelled. */
  let ended = false
  let fail: (why: string) => void = () => undefined
  const onAbort = (): void => fail(`the request was aborted mid-body (${describe(signal.reason)})`)
  const unwatch = (): void => signal.removeEventListener('abort', onAbort)
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      fail = (why) => {
        ended = true
        unwatch()
        fail = () => undefined
        controller.error(resetError(`the client's request failed mid-body: ${why}`))
        reader.cancel().catch(() => undefined)
      }
      signal.addEventListener('abort', onAbort)
    },
    async pull(controller) {
      try {
        const { done, value } = await reader.read()
        if (done) {
          ended = true
          unwatch()
          return controller.close()
        }
        // By its tag, as fetch checks: a Uint8Array of another realm (a vm context) is bytes too.
        if (!ArrayBuffer.isView(value) || Object.prototype.toString.call(value) !== '[object Uint8Array]') {
          return fail(`a body chunk is not a Uint8Array (${describe(value)})`)
        }
        // A view of shared memory (what Node's upload sends) is copied: crypto.subtle refuses those.
        controller.enqueue(isShared(value) ? value.slice() : value)
      } catch (e) {
        fail(`its body stream failed (${describe(e)})`)
      }
    },
    cancel(reason) {
      ended = true
      unwatch()
      return reader.cancel(reason)
    },
  }, { highWaterMark: 0 })
  const done = (): void => {
    unwatch()
    if (ended) return
    ended = true
    reader.cancel(new TypeError('the emulator answered without reading the rest of the request body')).catch(() => undefined)
  }
  // `duplex` is needed for a stream body (Node, Chromium); older lib typings do not know it. Where a Request
  // has no body stream (Firefox), the guarded body is the new Request's own `body`, which the handler reads.
  const guarded = noBodyStream
    ? Object.defineProperty(new Request(request.url, { method: request.method, headers: request.headers, signal }), 'body', { value: body })
    : new Request(request.url, { method: request.method, headers: request.headers, body, signal, duplex: 'half' } as RequestInit)
  return { request: guarded, done }
}
