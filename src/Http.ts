/**
 * The one way the library talks HTTP: `request(client)(req)` checks that the token may go to the URL
 * (before anything is sent), adds `Authorization: Bearer`, and turns every outcome into a value:
 * a 2xx `Response`, or an `UploadError`. `json(codec, what)` decodes a body once, where it arrives.
 */
import { Either as E, TaskEither as TE, pipe } from './fp.ts'
import type * as t from 'io-ts'
import { type Details, details, fromAuthenticate } from './BoxError.ts'
import { type Client, accessToken, stripUrl, trust } from './Client.ts'
import { abortedBy, timerMs, untilAborted } from './Sleep.ts'
import { type UploadError, decodeError, httpError, invalidInput, isRecord, networkError, thrown } from './UploadError.ts'

// ---------------------------------------------------------------------------------------------
// model

/** One HTTP call. */
export interface HttpRequest {
  readonly method: string
  readonly url: string
  readonly headers?: Readonly<Record<string, string>> | undefined
  /** The body; a `ReadableStream` is sent with `duplex: 'half'`. */
  readonly body?: RequestInit['body'] | undefined
  /** A value sent as JSON (with `Content-Type: application/json`) when there is no `body`. */
  readonly json?: unknown
  readonly signal?: AbortSignal | undefined
}

// ---------------------------------------------------------------------------------------------
// operations

/**
 * Sends `req` with the client's token. Left: `UntrustedEndpoint` or `InvalidInput` (nothing sent), `Aborted`,
 * `NetworkError`, or `HttpError` for a non-2xx answer (Box's error body decoded when there is one).
 */
export const request = (client: Client) => (req: HttpRequest): TE.TaskEither<UploadError, Response> => {
  const method = req.method.toUpperCase()
  return pipe(
    accessToken(client),
    untilAborted(req.signal),
    TE.flatMap((token) =>
      pipe(
        TE.fromEither(trust(client)(req.url)),
        TE.flatMap((url) => (req.signal?.aborted ? TE.left(abortedBy(req.signal)) : send(client, { ...req, method }, url, token))),
        // Whatever a server echoed (into a body, a URL, an exception) is masked in the error as a whole;
        // the token the request carried is kept beside it, for `reauthorize`.
        TE.mapError((error) => (failedWith.set(error = scrub(error, token), token), error)),
      ),
    ),
  )
}

/**
 * After a 401: asks the token function again, unless the refused request carried a token that another
 * request's refresh has replaced since; then the retry takes the current one as it is. With 4 parts in
 * flight when a token expires, 4 come back 401, and Box's refresh tokens are single-use.
 */
export const reauthorize = (client: Client) => (refused: UploadError): Promise<E.Either<UploadError, string>> =>
  accessToken(client, failedWith.get(refused) ?? true)()

/** Decodes a value: `DecodeError` (keeping io-ts's errors, with the path to each bad field) when it has another shape. */
export const decode = <A>(codec: t.Decoder<unknown, A>, what: string) => (value: unknown): E.Either<UploadError, A> =>
  pipe(codec.decode(value), E.mapLeft((errors) => decodeError(what, errors)))

/**
 * Reads a response's body as JSON and decodes it; a body that is not JSON is a `DecodeError` too. The
 * token is masked where the answer arrives, in each string and key (never in a number), so nothing
 * built from it (a URL, a kept session, an error) holds the token; a body that is not JSON is masked
 * before it is cut short in the message.
 */
export const json = <A>(codec: t.Decoder<unknown, A>, what: string) => (response: Response): TE.TaskEither<UploadError, A> => {
  const token = sentWith.get(response)?.[0]
  return pipe(
    TE.tryCatch(() => textOf(response), readFailed(response)),
    TE.flatMap((text) => TE.fromEither(pipe(
      parseJson(text, codec, what, token),
      E.flatMap((value) => decode(codec, what)(scrub(value, token))),
    ))),
  )
}

/**
 * Drops a response's body (204, 202) unread: an empty one is already done, and one that is not
 * (a server sending without end) must not be read into memory. Cancelling it may close the connection.
 */
export const discard = (response: Response): TE.TaskEither<UploadError, void> =>
  TE.tryCatch(async () => { await (webBody(response)?.cancel() ?? response.arrayBuffer()) }, readFailed(response))

/**
 * A body's text, read up to 16 MiB (Box's longest answer, a page of 1000 parts, is ~100 KB): a
 * longer one (a server sending without end) is cancelled and fails like a body cut off, with none of
 * it kept. A fetch whose answers have no web stream (whatwg-fetch, cross-fetch's browser fallback, or
 * node-fetch's Node stream) is read as it reads them.
 */
const textOf = async (response: Response, signal = sentWith.get(response)?.[2]): Promise<string> => {
  const reader = webBody(response)?.getReader()
  if (reader === undefined) return response.text()
  // The request's signal (its attempt's timeout, the caller's abort) ends the read itself: a fetch of
  // the caller's may leave a stalled body open after it, and the upload would wait on it for ever.
  const stop = (): void => void reader.cancel().catch(() => undefined)
  // One that fired already (before this read began, while the fetch ignored it) ends it at once.
  signal?.aborted ? stop() : signal?.addEventListener('abort', stop)
  const decoder = new TextDecoder()
  let text = ''
  try {
    for (let read, size = 0; !(read = await reader.read()).done; text += decoder.decode(read.value, { stream: true })) {
      if ((size += read.value.byteLength) > 1 << 24) {
        await reader.cancel()
        throw new RangeError('The answer is longer than 16 MiB')
      }
    }
    signal?.throwIfAborted()
  } finally {
    signal?.removeEventListener('abort', stop)
  }
  return text + decoder.decode()
}

/** The answer's body as a web stream (of any realm), unless it has none (no body, or a fetch of another kind). */
const webBody = ({ body }: Response): ReadableStream<Uint8Array> | undefined =>
  typeof body?.getReader === 'function' ? body : undefined

/** `Retry-After` in milliseconds (seconds or an HTTP date; header names are case-insensitive), or undefined. */
export const retryAfterMs = (headers: Headers, now: number = Date.now()): number | undefined => {
  const value = headers.get('retry-after')?.trim()
  if (!value) return undefined
  // Within what a timer can wait (~24.8 days), so the figure is finite (JSON has no Infinity) and slept as it says.
  if (/^\d+(\.\d+)?$/.test(value)) return timerMs(Math.round(Number(value) * 1000))
  // An HTTP date names its day and month; `Date.parse` alone would also take "-1" as a year.
  const date = /[a-z]{3}/i.test(value) ? Date.parse(value) : NaN
  return Number.isNaN(date) ? undefined : timerMs(date - now)
}

// ---------------------------------------------------------------------------------------------
// helpers

/** The token and method each successful response was fetched with, for errors built from its body: masked, naming the request (never exposed). */
const sentWith = new WeakMap<Response, readonly [token: string, method: string, signal: AbortSignal | undefined, url: string]>()

/** The token each failed request carried, for `reauthorize` (never exposed, nor in the error). */
const failedWith = new WeakMap<UploadError, string>()

const send = (client: Client, req: HttpRequest, url: URL, token: string): TE.TaskEither<UploadError, Response> => {
  const where = stripUrl(url.href)
  let body = req.body
  // Node's fetch sends a stream body only in half-duplex mode (runtimes.md).
  const stream = body instanceof ReadableStream
  let carried = false
  return pipe(
    TE.tryCatch(
      () => {
        // Built here: a token no header may carry (a line break) throws, quoting it: no request can
        // go, so it is InvalidInput (masked like any error here), not a network error to retry.
        const headers = new Headers(req.headers)
        headers.set('Authorization', `Bearer ${token}`)
        // A body JSON cannot write (a BigInt, a cycle in the attributes) throws here: nothing was sent either.
        if (body === undefined && req.json !== undefined) {
          body = JSON.stringify(req.json)
          if (!headers.has('content-type')) headers.set('Content-Type', 'application/json')
        }
        carried = true
        // Redirects are not followed: a fetch that kept the Authorization header across origins would hand the
        // token to a host the trust rule never saw. A 3xx is an HttpError like any other non-2xx.
        // Called unbound: a browser's own fetch, passed as the option, refuses another `this` ("Illegal invocation").
        const { fetch } = client
        // An abort that came before this request went out (while its attempt was scheduled) sends nothing,
        // whatever `fetch` the client has: rejected as fetch rejects an aborted signal.
        req.signal?.throwIfAborted()
        // What it resolves to is read here, where a throw is caught: a wrapper that forgot its `return` resolves to undefined.
        return fetch(url.href, { method: req.method, headers, body, signal: req.signal, redirect: 'manual', ...(stream ? { duplex: 'half' } : {}) } as RequestInit).then((response) => (response.headers.get('etag'), response))
      },
      // A timeout (the attempt's own, a TimeoutError) is no answer: a network error naming the request.
      // Deno without net permission for the host (NotCapable; PermissionDenied before Deno 2; matched loosely, for bytes): no retry can help.
      // `read` is the cause as it can be read safely (a revoked Proxy thrown is 'unreadable').
      (cause, read = clean(cause) as Error | undefined) => (!carried || /Capable|Permission/.test(String(read?.name)) ? invalidInput(`Nothing was sent: ${thrown(cause)}`)
        : req.signal?.aborted && req.signal.reason?.name !== 'TimeoutError' ? abortedBy(req.signal) : networkError(req.method, where, read)),
    ),
    TE.flatMap((response) => {
      if (!response.ok) return failure(req.method, where, response, req.signal)
      sentWith.set(response, [token, req.method, req.signal, where])
      return TE.right(response)
    }),
  )
}

/** A non-2xx answer as an `HttpError`; a body that is not Box's error (an HTML 502 page) just gives no code. */
const failure = (method: string, url: string, response: Response, signal?: AbortSignal): TE.TaskEither<UploadError, Response> => () =>
  // A body that cannot be read is read as empty: the status alone makes the error.
  textOf(response, signal).catch(() => '').then((text) => {
    const fromBody = details(parseBody(text))
    const said: Details = fromBody.code === undefined && response.status === 401 ? fromAuthenticate(response.headers.get('www-authenticate')) : fromBody
    return E.left(httpError({ status: response.status, method, url, ...said, retryAfterMs: retryAfterMs(response.headers) }))
  })

const parseBody = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** The body parsed as JSON, or a `DecodeError` saying it is not JSON (masked before it is cut short, so no part of the token shows). */
const parseJson = (text: string, codec: t.Decoder<unknown, unknown>, what: string, token?: string): E.Either<UploadError, unknown> => {
  try {
    return E.right(JSON.parse(text))
  } catch {
    text = masked(text, token)
    return E.left(decodeError(what, [{
      value: text,
      context: [{ key: '', type: codec as t.Decoder<unknown, unknown> & t.Type<unknown>, actual: text }],
      message: `the body is not JSON: ${JSON.stringify(text.length > 40 ? `${text.slice(0, 37)}...` : text)}`,
    }]))
  }
}

/**
 * Never let the token into an error or anything built from an answer, even when a server echoes it or
 * a custom `fetch` puts it in an exception: a value whose JSON holds it is rebuilt from that JSON with
 * the token masked in every string and key (not in the JSON's text, where the token could break its
 * syntax or a number). Exceptions are `clean`ed first, so nothing of them stays out of that JSON.
 */
const scrub = <A>(value: A, token: string | undefined): A => {
  const text = safeStringify(value) ?? ''
  return masked(text, token) === text ? value : JSON.parse(text, (_, v: unknown) =>
    typeof v === 'string' ? masked(v, token)
    : isRecord(v) && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [masked(k, token), x]))
    : v) as A
}

/**
 * `text` with the token masked, as it is and as JSON writes it (`"` and `\\` escaped). Only those
 * forms: a server that echoes the token altered (cut short, encoded) is not caught. A token under 8
 * characters (a test's `t` or `123`) is no secret and occurs in words, numbers and Box's codes:
 * masking it would garble every answer and error, so it is not.
 */
export const masked = (text: string, token: string | undefined): string =>
  token && token.length > 7 ? text.split(token).join('[token]').split(JSON.stringify(token).slice(1, -1)).join('[token]') : text

/**
 * A thrown value as plain data: an exception as its name, message, string `code` and cause (the
 * same way, a few deep: what `message()` shows, e.g. `fetch failed ECONNREFUSED`), anything else as
 * its JSON. Whatever else an exception holds (symbol keys, maps, hidden properties) is dropped.
 */
const clean = (value: unknown, depth = 0): unknown => {
  try {
    // Not an Error: its JSON (a value JSON cannot hold, or one that throws, is unreadable too).
    if (!(value instanceof Error)) return value === undefined ? value : JSON.parse(JSON.stringify(value))
    const { code } = value as { code?: unknown }
    return {
      name: String(value.name),
      message: String(value.message),
      ...(typeof code === 'string' ? { code } : {}),
      ...(value.cause === undefined || depth > 3 ? {} : { cause: clean(value.cause, depth + 1) }),
    }
  } catch {
    // A getter that throws, a revoked Proxy, a BigInt: nothing of it can be read, and the failure is still a value.
    return 'unreadable'
  }
}

/** A response body that could not be read: a network error naming the request (method and URL), its cause `clean`ed and masked. */
const readFailed = (response: Response) => (cause: unknown): UploadError => {
  // The URL it was sent to: a Response made by hand (a mock, the emulator's fetch) has none of its own.
  const [token, method = 'GET', , url = stripUrl(response.url)] = sentWith.get(response) ?? []
  return scrub(networkError(method, url, clean(cause)), token)
}

const safeStringify = (value: unknown): string | undefined => {
  try {
    return JSON.stringify(value)
  } catch {
    return undefined
  }
}
