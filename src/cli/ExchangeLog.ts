/**
 * `--verbose`: one line for every HTTP exchange of an upload, from the client's side, as `box-upload emulator --log`
 * prints them from the server's: when it was sent, what it asked (a part's `Content-Range` too), then the status,
 * Box's error code and `request_id` for an error, or why no answer came, and the milliseconds. What a user quotes
 * to Box's support, and what shows retries, slow answers and a proxy's refusals. It wraps the client's `fetch`
 * (the library's `countingFetch` stays as it is): of the headers only `Content-Range` is read into the line, and
 * whatever a server echoes of the token into it is masked, so the token is never printed.
 */
import type { Fetch } from '../Client.ts'
import { masked } from '../Http.ts'
import { isAttemptTimeout } from '../Retry.ts'
import { causeText, isRecord } from '../UploadError.ts'

// ---------------------------------------------------------------------------------------------
// model

/** One exchange as its line says it. */
export interface Exchange {
  /** When the request was sent (ms since 1970). */
  readonly at: number
  readonly method: string
  /** The URL's path, without its query (`?access_token=` there would be the token). */
  readonly path: string
  /** A part's `Content-Range`, as sent. */
  readonly range?: string | undefined
  readonly outcome: Outcome
  /** Milliseconds from sending to the answer's headers, or to the failure. */
  readonly ms: number
}

/** What came back: an answer (Box's `code` and `request_id` when it is an error that has them), none, or the caller's abort. */
export type Outcome =
  | { readonly _tag: 'Answered'; readonly status: number; readonly code?: string | undefined; readonly requestId?: string | undefined }
  | { readonly _tag: 'Failed'; readonly cause: string }
  | { readonly _tag: 'Aborted' }

/** The most of an error's body read for its code and request id: Box's are a few hundred bytes. */
const ERROR_BODY_LIMIT = 64 * 1024

// ---------------------------------------------------------------------------------------------
// constructors

/**
 * `fetch` writing an `exchangeLine` for each request with `write`, once its outcome is known. An error's body is
 * read from a clone (the library reads the answer itself) before the answer is handed on, so that the line comes
 * before whatever the library does with it: a retry's line, or the failure's message.
 */
export const exchangeLog = (fetch: Fetch, write: (line: string) => void, now: () => number = Date.now): Fetch =>
  async (input, init) => {
    const at = now()
    const request = input instanceof Request ? input : undefined
    const url = new URL(request?.url ?? String(input))
    const headers = new Headers(init?.headers ?? request?.headers)
    const signal = init?.signal ?? request?.signal ?? undefined
    const method = (init?.method ?? request?.method ?? 'GET').toUpperCase()
    const range = headers.get('content-range') ?? undefined
    const said = (outcome: Outcome, ms = now() - at): void =>
      write(maskedLine(tokenOf(headers))(exchangeLine({ at, method, path: url.pathname, range, outcome, ms })))
    let response: Response
    try {
      response = await fetch(input, init)
    } catch (cause) {
      // The library's attempt timeout is no answer, like a network error; the caller's own abort (Ctrl-C) is not.
      said(signal?.aborted && !isAttemptTimeout(signal.reason) ? { _tag: 'Aborted' } : { _tag: 'Failed', cause: causeText(signal?.aborted ? signal.reason : cause) })
      throw cause
    }
    const ms = now() - at
    const { code, requestId } = response.ok ? {} : await boxError(response, signal)
    said({ _tag: 'Answered', status: response.status, code, requestId }, ms)
    return response
  }

// ---------------------------------------------------------------------------------------------
// operations

/**
 * One exchange as `--verbose` prints it:
 * `2026-11-30T18:00:01.005Z PUT /api/2.0/files/upload_sessions/AB… (bytes 0-1048575/5000000) 500 internal_server_error request_id 0f1e… 12 ms`.
 */
export const exchangeLine = (exchange: Exchange): string => {
  const { outcome } = exchange
  const what = outcome._tag === 'Aborted' ? 'aborted'
    : outcome._tag === 'Failed' ? `failed: ${oneLine(outcome.cause)}`
    : `${outcome.status}${outcome.code === undefined ? '' : ` ${oneLine(outcome.code)}`}${outcome.requestId === undefined ? '' : ` request_id ${oneLine(outcome.requestId)}`}`
  return `${new Date(exchange.at).toISOString()} ${exchange.method} ${exchange.path}${exchange.range === undefined ? '' : ` (${oneLine(exchange.range)})`} ${what} ${exchange.ms} ms`
}

// ---------------------------------------------------------------------------------------------
// helpers

/** The token a request carries (`Authorization: Bearer …`), to mask in its line. */
const tokenOf = (headers: Headers): string | undefined => headers.get('authorization')?.replace(/^Bearer\s+/i, '') || undefined

/**
 * `line` with the token masked as the library masks what a server echoes (as it is and as JSON writes it, and not
 * under 8 characters: `masked` in src/Http.ts), and also as a URL encodes it: a server may echo it in a session's
 * URL, an error's code or request id, an exception's message.
 */
const maskedLine = (token: string | undefined) => (line: string): string => {
  const text = masked(line, token)
  // What `masked` leaves, a token it does not mask (too short) is left encoded too.
  return token === undefined || masked(token, token) === token ? text : text.split(encodeURIComponent(token)).join('[token]')
}

/** Box's `code` and `request_id` from an error answer's JSON body, read from a clone up to `ERROR_BODY_LIMIT`; none when it has none. */
const boxError = async (response: Response, signal: AbortSignal | undefined): Promise<{ readonly code?: string; readonly requestId?: string }> => {
  const reader = response.clone().body?.getReader()
  if (reader === undefined) return {}
  // A body that stalls must not hold the answer from the library: its timeout (or a Ctrl-C) ends the read.
  const stop = (): void => void reader.cancel().catch(() => undefined)
  signal?.aborted ? stop() : signal?.addEventListener('abort', stop)
  const decoder = new TextDecoder()
  let text = ''
  try {
    for (let read; !(read = await reader.read()).done;) {
      text += decoder.decode(read.value, { stream: true })
      if (text.length > ERROR_BODY_LIMIT) {
        // The library reads on from its own branch of the body; this one is let go.
        stop()
        return {}
      }
    }
    const body: unknown = JSON.parse(text + decoder.decode())
    if (!isRecord(body)) return {}
    return {
      ...(typeof body['code'] === 'string' ? { code: body['code'] } : {}),
      ...(typeof body['request_id'] === 'string' ? { requestId: body['request_id'] } : {}),
    }
  } catch {
    // Not JSON (a proxy's HTML page), or cut off: the status alone says it.
    return {}
  } finally {
    signal?.removeEventListener('abort', stop)
  }
}

/** A server's text on one line: a line break in its code would make two lines of one exchange. */
const oneLine = (text: string): string => text.replace(/[\u0000-\u001f\u007f]/g, ' ')
