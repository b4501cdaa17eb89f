/**
 * The `fetch` of a run with a proxy: requests that go direct (loopback, NO_PROXY) take Node's own fetch
 * as without a proxy; the others undici's `fetch` with a `ProxyAgent` dispatcher, which tunnels each
 * connection with CONNECT (http targets too). Node's global fetch ignores HTTPS_PROXY and HTTP_PROXY.
 * undici is loaded only when a request goes through a proxy. Errors name the proxy without its user or
 * password, and carry neither. A proxy that refuses the credentials (407) is not asked again in the run.
 */
import { type Fetch, stripUrl } from '../Client.ts'
import { networkError } from '../UploadError.ts'
import { type Proxies, type Proxy, maskProxySecrets, portOf, proxyFor, shownProxy } from './Proxy.ts'

// ---------------------------------------------------------------------------------------------
// model

/** A fetch through the proxies, and how to end the connections it keeps to them. */
export interface Proxied {
  readonly fetch: Fetch
  /**
   * Fires when a proxy answers 407 to a CONNECT: its credentials are wrong, every later request through it
   * fails at once without asking it (each ask is one more failed login, and a directory behind the proxy
   * may lock the account after a few), and the run should stop rather than retry. Its reason is the
   * refused request's `NetworkError`, what that request failed with.
   */
  readonly refused: AbortSignal
  readonly close: () => Promise<void>
}

type Undici = typeof import('undici')

/** A proxy's dispatcher and undici's fetch, which takes it (Node's own fetch takes only its bundled undici's). */
interface Route {
  readonly fetch: (input: string | URL | Request, init: RequestInit & { readonly dispatcher: unknown }) => Promise<Response>
  readonly dispatcher: InstanceType<Undici['ProxyAgent']>
}

// ---------------------------------------------------------------------------------------------
// constructors

/** The fetch for `settings`, or `undefined` when no proxy is set (the client's default fetch then, as before). */
export const proxied = (settings: Proxies): Proxied | undefined => {
  if (settings.http === undefined && settings.https === undefined) return undefined
  const routes = new Map<string, Promise<Route>>()
  const routeTo = (proxy: Proxy): Promise<Route> => {
    const known = routes.get(proxy.url)
    if (known !== undefined) return known
    const made = import('undici').then((undici): Route => ({
      fetch: undici.fetch as unknown as Route['fetch'],
      dispatcher: new undici.ProxyAgent({ uri: proxy.url, clientFactory: closedTunnelFails(undici) }),
    }))
    routes.set(proxy.url, made)
    return made
  }
  const via = proxyFor(settings)
  const refusal = new AbortController()
  // The URLs (credentials in them) of the proxies that answered 407.
  const refusedBy = new Set<string>()
  return {
    fetch: (input, init) => {
      const url = new URL(input instanceof Request ? input.url : input)
      const proxy = via(url)
      if (proxy === undefined) return globalThis.fetch(input, init)
      if (refusedBy.has(proxy.url)) return Promise.reject(notAskedAgain(proxy, url))
      return routeTo(proxy)
        .then((route) => route.fetch(input, { ...init, dispatcher: route.dispatcher }))
        .catch((cause: unknown) => {
          const error = failure(proxy, url, cause)
          // An abort or a timeout is told by the request's signal, whatever the error says (read before the
          // refusal below, which may abort that signal too).
          const thrown = init?.signal?.aborted ? cause : error
          if (statusOf(cause) === '407') {
            refusedBy.add(proxy.url)
            refusal.abort(networkError(init?.method ?? (input instanceof Request ? input.method : 'GET'), stripUrl(url.href), error))
          }
          throw thrown
        })
    },
    refused: refusal.signal,
    // Once the run is over: nothing of it is in flight, and a body left unread must not hold the exit (as close() would).
    close: async () => {
      await Promise.all([...routes.values()].map((route) => route.then((r) => r.dispatcher.destroy(), () => undefined)))
    },
  }
}

// ---------------------------------------------------------------------------------------------
// helpers

/**
 * The client to the proxy, as `ProxyAgent` makes it (a Pool), except that a connection the proxy closes
 * before it answers the CONNECT fails the request: undici 7 tries again at once, for ever, thousands of
 * times a second (nodejs/undici#3897, fixed in undici 8 by nodejs/undici#5441: the same error code).
 */
const closedTunnelFails = (undici: Undici) => (origin: URL, options: object): InstanceType<Undici['Pool']> => {
  const pool = new undici.Pool(origin, options)
  // The promise form, the one ProxyAgent calls.
  const connect = pool.connect.bind(pool) as (options: Parameters<typeof pool.connect>[0]) => Promise<unknown>
  return Object.assign(pool, {
    connect: (options: Parameters<typeof pool.connect>[0]) =>
      connect(options).catch((cause: { readonly code?: unknown; readonly message?: unknown }) => {
        throw cause?.code !== 'UND_ERR_SOCKET' ? cause
          : Object.assign(new Error(`the proxy closed the connection before it answered CONNECT (${String(cause.message)})`, { cause }), { code: 'UND_ERR_PRX_CONN' })
      }),
  })
}

/** Why a request through `proxy` failed, in words that name the proxy (not its user or password); the cause kept, masked. */
const failure = (proxy: Proxy, url: URL, cause: unknown): Error => {
  const mask = maskProxySecrets(proxy)
  const chain = causes(cause)
  const target = targetOf(url)
  const status = statusOf(cause)
  const closed = chain.find((e) => e.code === 'UND_ERR_PRX_CONN')
  const last = chain.at(-1)
  const why = status === '407' ? `it answered 407 Proxy Authentication Required to CONNECT ${target}: check the user and password in ${proxy.from}`
    : status !== undefined ? `it answered ${status} to CONNECT ${target}`
    : closed !== undefined ? `it closed the connection when asked to CONNECT ${target}`
    : last === undefined ? String(cause)
    : typeof last.code === 'string' && !last.message.includes(last.code) ? `${last.message} ${last.code}` : last.message
  return proxyError(proxy, why, masked(cause, mask))
}

/** A request not sent: its proxy refused the credentials earlier in the run, and would count one more failed login. */
const notAskedAgain = (proxy: Proxy, url: URL): Error =>
  proxyError(proxy, `not asked to CONNECT ${targetOf(url)}: it answered 407 Proxy Authentication Required earlier in this run, and these credentials are not sent again: check the user and password in ${proxy.from}`)

/** An error naming `proxy` (not its user or password) and where it was given, saying `why`. */
const proxyError = (proxy: Proxy, why: string, cause?: unknown): Error =>
  Object.assign(new Error(maskProxySecrets(proxy)(`through the proxy ${shownProxy(proxy)} (${proxy.from}): ${why}`), cause === undefined ? {} : { cause }), { name: 'ProxyError' })

/** The status a proxy answered a CONNECT with, as undici's error says it (`Proxy response (407) !== 200 when HTTP Tunneling`). */
const statusOf = (cause: unknown): string | undefined =>
  causes(cause).map((e) => /Proxy response \((\d{3})\)/.exec(e.message)?.[1]).find((s) => s !== undefined)

/** The host and port a CONNECT asks for. */
const targetOf = (url: URL): string => `${url.hostname}:${portOf(url)}`

/** An error and its causes, a few deep. */
const causes = (error: unknown, depth = 0): ReadonlyArray<{ readonly message: string; readonly code?: unknown }> =>
  error instanceof Error && depth < 5 ? [{ message: String(error.message), code: (error as { code?: unknown }).code }, ...causes(error.cause, depth + 1)] : []

/** A copy of an error chain (name, message, string code, cause) with `mask` applied to each message. */
const masked = (error: unknown, mask: (text: string) => string, depth = 0): unknown => {
  if (!(error instanceof Error) || depth > 4) return typeof error === 'string' ? mask(error) : undefined
  const { code } = error as { code?: unknown }
  const copy = new Error(mask(String(error.message)), error.cause === undefined ? {} : { cause: masked(error.cause, mask, depth + 1) })
  return Object.assign(copy, { name: error.name }, typeof code === 'string' ? { code } : {})
}
