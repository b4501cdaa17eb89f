/**
 * The emulator as one web handler, `Request -> Promise<Response>`: routing, bearer-token check,
 * latency, the sweep of expired sessions, request records, CORS, and a guard that turns any
 * failure into a Box-shaped answer.
 */
import { boxError, isFail, toResponse } from './BoxError.ts'
import { abortable, describe, watched } from './CallerBody.ts'
import { commit } from './Commit.ts'
import { config as resolve, type Config } from './Config.ts'
import { preflight, withCors } from './Cors.ts'
import { sleep } from './Faults.ts'
import { getContent, getFile } from './Files.ts'
import { bearer } from './Http.ts'
import { injectedInto } from './Injected.ts'
import type { EmulatorOptions, RequestRecord } from './Options.ts'
import { listParts, uploadPart } from './Parts.ts'
import { isReset } from './Reset.ts'
import { abort, createForFile, createForVersion, log, status, sweepExpired, type Ctx } from './Sessions.ts'
import { empty, type Store } from './Store.ts'
import { rotate } from './Users.ts'

/** A running emulator: a fetch-shaped handler, and the replacement of an access token by a new one. */
export interface Emulator {
  /**
   * Answers one request, like `fetch` (a `Request`, or a URL and its init), so it can be injected
   * as a client's `fetch`. Rejects, as `fetch` does, with a `TypeError` for the `reset` fault and for
   * a body that fails, is locked, or yields something other than bytes, and with the signal's reason
   * once the request's signal aborts. It is also a server's handler as it is (`Deno.serve(box.fetch)`,
   * `Bun.serve({ fetch: box.fetch })`, `export default { fetch: box.fetch }` in a Worker): a second
   * argument with no `RequestInit` member is what a server passes after the request (Deno's `info`,
   * Bun's `server`, a Worker's `env`), and is ignored.
   */
  readonly fetch: (input: Request | string | URL, init?: RequestInit | ServerContext) => Promise<Response>
  /**
   * Replaces the access token `old` with `fresh`, as when Box's hourly access token expires and the
   * client gets a new one for the same user: from then on `old` is answered `401 unauthorized` with
   * `WWW-Authenticate: Bearer realm="Service", error="invalid_token"`, like any unknown token, and
   * `fresh` is the user `old` was (its sessions, files and names). Requests already past the token
   * check finish as that user. Throws a `TypeError` when `old` is not accepted now, or `fresh` is
   * empty, has a space, or is accepted already.
   * @example
   * box.rotateToken('dev-token', 'dev-token-2')
   */
  readonly rotateToken: (old: string, fresh: string) => void
}

/** What a server passes its handler after the request: Deno's `info`, Bun's `server`, a Worker's `env`. */
export type ServerContext = object

/** `RequestInit`'s members (the Fetch standard's, and `duplex`). */
const initMembers = ['body', 'cache', 'credentials', 'duplex', 'headers', 'integrity', 'keepalive', 'method', 'mode', 'priority', 'redirect', 'referrer', 'referrerPolicy', 'signal', 'window']

/**
 * The second argument as a `RequestInit`, or `undefined` when it is a server's context: given to
 * `new Request`, Bun's `server` (its `url` member, which Bun's Request reads) turns the request into a `GET /`.
 */
const asInit = (second: RequestInit | ServerContext | undefined): RequestInit | undefined =>
  typeof second === 'object' && second !== null && initMembers.some((member) => member in second) ? second : undefined

type Route = (ctx: Ctx, id: string) => Response | Promise<Response>

/** Upload base routes (`/api/2.0`), by path pattern then method. */
const UPLOAD_ROUTES: ReadonlyArray<readonly [RegExp, Readonly<Record<string, Route>>]> = [
  [/^\/files\/upload_sessions$/, { POST: (ctx) => createForFile(ctx) }],
  [/^\/files\/upload_sessions\/([^/]+)$/, { GET: status, PUT: uploadPart, DELETE: abort }],
  [/^\/files\/upload_sessions\/([^/]+)\/parts$/, { GET: listParts }],
  [/^\/files\/upload_sessions\/([^/]+)\/commit$/, { POST: commit }],
  [/^\/files\/upload_sessions\/([^/]+)\/log$/, { POST: log }],
  [/^\/files\/([^/]+)\/upload_sessions$/, { POST: createForVersion }],
]

/** API base routes (`/2.0`): what tests use to check results. */
const api = (config: Config, store: Store): ReadonlyArray<readonly [RegExp, Readonly<Record<string, Route>>]> => [
  [/^\/files\/([^/]+)$/, { GET: (ctx, id) => getFile(store, ctx.user, id) }],
  [/^\/files\/([^/]+)\/content$/, { GET: (ctx, id) => getContent(config, store, ctx.user, id) }],
]

const safeDecode = (segment: string): string => {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

const match = (routes: ReadonlyArray<readonly [RegExp, Readonly<Record<string, Route>>]>, path: string) => {
  for (const [pattern, methods] of routes) {
    const m = pattern.exec(path)
    if (m) return { methods, id: safeDecode(m[1] ?? '') }
  }
  return undefined
}

/**
 * Where an upload-session path that missed `/api/2.0` belongs, as a hint for its 404. Box's reference sample for a
 * part names `https://upload.box.com/2.0/files/upload_sessions/…` (protocol §1, a docs error), and a client
 * copying it, or another version (`/api/2.1`), would otherwise read only "No such endpoint".
 */
const elsewhere = (pathname: string): string => {
  const rest = /^(?:\/api)?(?:\/\d+\.\d+)?(\/files\/.*)$/.exec(pathname)?.[1]
  return rest !== undefined && match(UPLOAD_ROUTES, rest)
    ? `; upload sessions are under /api/2.0 (/api/2.0${rest}): send each request to the URL its session's session_endpoints name`
    : ''
}

/** Answers one request; throws `Fail` for Box errors. */
const route = async (config: Config, store: Store, apiRoutes: ReturnType<typeof api>, request: Request): Promise<Response> => {
  const url = new URL(request.url)
  const base = /^\/api\/2\.0(\/.*)$/.exec(url.pathname)
  const apiBase = /^\/2\.0(\/.*)$/.exec(url.pathname)
  // An upload-session path on the API base (a client that took the API URL for the upload URL) is no file's:
  // `/2.0/files/upload_sessions` would otherwise be `GET /files/:id`, refusing a POST with 405 "use GET".
  const onApi = apiBase && !match(UPLOAD_ROUTES, apiBase[1]!) ? match(apiRoutes, apiBase[1]!) : undefined
  const found = base ? match(UPLOAD_ROUTES, base[1]!) : onApi
  if (!found) return toResponse(boxError(404, 'not_found', `No such endpoint: ${request.method} ${url.pathname}${base ? '' : elsewhere(url.pathname)}`))
  // HEAD is GET without the body (RFC 9110 §9.3.2): wherever GET is, HEAD is too.
  const handler = found.methods[request.method === 'HEAD' ? 'GET' : request.method]
  if (!handler) {
    const allow = Object.keys(found.methods).flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m])).join(', ')
    return toResponse(boxError(405, 'method_not_allowed', `${request.method} is not allowed here; use ${allow}`, undefined, { allow }))
  }
  const token = bearer(request)
  const user = token === undefined ? undefined : store.users.get(token)
  if (user === undefined) {
    // Without credentials, no error code (RFC 6750 §3.1): there was no token to be invalid.
    return toResponse(boxError(401, 'unauthorized', token === undefined ? 'Authorization: Bearer <token> is required' : 'The access token is not valid',
      undefined, { 'www-authenticate': token === undefined ? 'Bearer realm="Service"' : 'Bearer realm="Service", error="invalid_token"' }))
  }
  const uploadBase = config.uploadBaseUrl ?? `${url.origin}/api/2.0`
  return handler({ config, store, request, user, uploadBase }, found.id)
}

/** A HEAD's answer: GET's status and headers, with the length its body has, and no body. */
const withoutBody = async (response: Response): Promise<Response> => {
  const headers = new Headers(response.headers)
  if (!headers.has('content-length')) headers.set('content-length', String((await response.arrayBuffer()).byteLength))
  else await response.body?.cancel()
  return new Response(null, { status: response.status, headers })
}

/** A record as its teller has it: the optional fields perhaps without a value (`null` for a header not sent). */
type Observed = Omit<RequestRecord, 'code' | 'range' | 'fault'> & {
  readonly code: string | undefined
  readonly range: string | null | undefined
  readonly fault: RequestRecord['fault'] | undefined
}

/**
 * Tells `onRequest` of one answer, the handler's or the Node adapter's own: its optional fields only when they
 * have a value. What the observer throws is ignored: a failing observer must not change the answer.
 */
export const tell = (onRequest: (record: RequestRecord) => void, { method, path, status, code, range, fault, at }: Observed): void => {
  try {
    onRequest({ method, path, status, ...(code ? { code } : {}), ...(range == null ? {} : { range }), ...(fault === undefined ? {} : { fault }), at })
  } catch {
    // Ignored: see above.
  }
}

/** The Box error code of an answer, read back from its body (for `onRequest`). */
export const codeOf = async (response: Response): Promise<string | undefined> => {
  if (response.status < 400 || !response.headers.get('content-type')?.includes('json')) return undefined
  const parsed: unknown = await response.clone().json().catch(() => undefined)
  return typeof parsed === 'object' && parsed !== null ? (parsed as { code?: string }).code : undefined
}

/**
 * Creates an in-process emulator.
 * @example
 * const box = emulator({ minFileSize: 1, partSize: 4 })
 * const res = await box.fetch(new Request('http://box.test/api/2.0/files/upload_sessions', { method: 'POST', ... }))
 */
export const emulator = (options: EmulatorOptions = {}): Emulator => makeEmulator(options, false)

/**
 * Creates an emulator; `ownsBodies` tells it request body chunks are its own to keep (the Node
 * adapter's socket buffers), so it need not copy them. Not re-exported: adapters only.
 */
export const makeEmulator = (options: EmulatorOptions, ownsBodies: boolean): Emulator => {
  const config = resolve(options, ownsBodies)
  const store = empty(config.tokens)
  const apiRoutes = api(config, store)
  const record = (request: Request, status: number, at: number, code?: string) => {
    if (!config.onRequest) return
    const url = new URL(request.url)
    tell(config.onRequest, { method: request.method, path: url.pathname + url.search, status, code, range: request.headers.get('content-range'), fault: injectedInto(request), at })
  }
  const answer = async (request: Request): Promise<Response> => {
    const at = Date.now()
    await sleep(config.latencyMs, request.signal)
    let response: Response
    try {
      sweepExpired(config, store)
      response = request.method === 'OPTIONS' ? preflight(request) : await route(config, store, apiRoutes, request)
    } catch (e) {
      if (isReset(e)) {
        record(request, 0, at, 'connection_reset')
        throw e
      }
      response = toResponse(isFail(e) ? e.error : boxError(500, 'internal_server_error', `Emulator failure: ${describe(e)}`))
    }
    if (config.onRequest) record(request, response.status, at, await codeOf(response))
    if (request.method === 'HEAD') response = await withoutBody(response)
    return withCors(response)
  }
  const fetch = async (input: Request | string | URL, second?: RequestInit | ServerContext): Promise<Response> => {
    const init = asInit(second)
    const request = input instanceof Request && init === undefined ? input : new Request(input, init)
    // The adapter's bodies come from its sockets, which it watches itself.
    if (ownsBodies) return answer(request)
    // As fetch does: an aborted signal sends nothing, and a later abort rejects at once, while the
    // emulator, like a server whose client went away, finishes or fails the request on its own.
    // The caller's own signal, not the one of a Request made here: a signal a Request derives from
    // `init.signal` or from another Request's is only weakly followed (Node's undici), so once collected
    // with that Request an abort never arrived. A Request passed in keeps its signal unless `init` has
    // one (`signal: null` in `init` drops it, as in fetch); it stays referenced until the answer.
    const signal = init?.signal ?? (input instanceof Request && init?.signal !== null ? input.signal : request.signal)
    if (signal.aborted) throw signal.reason
    const guarded = watched(request, signal)
    // A fetch's answer names the URL it came from (without its fragment); a Response made here has none.
    const url = request.url.replace(/#.*/s, '')
    const answered = answer(guarded.request).finally(guarded.done)
      .then((response) => Object.defineProperty(abortable(response, signal), 'url', { value: url }))
    answered.catch(() => undefined)
    let onAbort = (): void => undefined
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(signal.reason)
      signal.addEventListener('abort', onAbort, { once: true })
    })
    return Promise.race([answered, aborted]).finally(() => {
      signal.removeEventListener('abort', onAbort)
      // Referenced here, a Request passed in lives until the answer, and with it what its signal follows.
      void input
    })
  }
  return { fetch, rotateToken: rotate(store.users) }
}
