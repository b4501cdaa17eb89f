/**
 * The client: where Box is, how to reach it (`fetch`), and the access token, kept in a closure so
 * that `JSON.stringify(client)` and `console.log(client)` never show it. Also the trust rule that
 * decides which hosts the token may be sent to.
 */
import { Either as E, TaskEither as TE } from './fp.ts'
import { type UploadError, causeText, invalidInput, untrustedEndpoint } from './UploadError.ts'

// ---------------------------------------------------------------------------------------------
// model

/**
 * A `fetch`: a plain call signature rather than `typeof fetch`, which in Bun's types also requires a
 * `preconnect` property (no wrapper nor the emulator's `fetch` has one), and with the input spelled out
 * because `RequestInfo` is a DOM name that @types/node does not declare.
 */
export type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>

/** Options of `client`. */
export interface ClientOptions {
  /** An access token, or a function returning one (called again by `refreshToken`, e.g. after a 401). */
  readonly token: string | (() => string | Promise<string>)
  /** Base of the upload API (default `https://upload.box.com/api/2.0`; for the emulator, its `url`). */
  readonly uploadUrl?: string | undefined
  /** Base of the API (default `https://api.box.com/2.0`). */
  readonly apiUrl?: string | undefined
  /** The `fetch` to use (default `globalThis.fetch`, else cross-fetch): any function of fetch's shape, such as the emulator's `fetch`. */
  readonly fetch?: Fetch | undefined
  /**
   * More hosts the token may go to: a host name (`upload-las.app.box.com`, https and default port only;
   * `host:8443` for another port),
   * a wildcard (`*.example.com`: any subdomain, not the apex, https only) or a full origin
   * (`http://127.0.0.1:8080`: exactly that origin, any scheme).
   */
  readonly allowedHosts?: ReadonlyArray<string> | undefined
}

/** What every call needs. The token is not a property: `token()` resolves it (cached). */
export interface Client {
  readonly uploadUrl: string
  readonly apiUrl: string
  readonly allowedHosts: ReadonlyArray<string>
  readonly fetch: Fetch
  /** Whether `refreshToken` can get a new token (the token was given as a function). */
  readonly canRefresh: boolean
  /**
   * The access token; cached after the first call, asked again with `{ refresh: true }` (one refresh at a
   * time), or with `{ refresh: token }` only while `token` is the current one (a refresh since replaced it).
   */
  readonly token: (options?: { readonly refresh?: boolean | string | undefined }) => Promise<string>
}

/** Box's upload API. */
export const defaultUploadUrl = 'https://upload.box.com/api/2.0'
/** Box's API. */
export const defaultApiUrl = 'https://api.box.com/2.0'

// ---------------------------------------------------------------------------------------------
// constructors

/**
 * Makes a client.
 * @example
 * const box = client({ token: () => getAccessToken() })
 */
export const client = (options: ClientOptions): Client => ({
  uploadUrl: trimSlash(options.uploadUrl ?? defaultUploadUrl),
  apiUrl: trimSlash(options.apiUrl ?? defaultApiUrl),
  allowedHosts: (options.allowedHosts ?? []).map((host) => host.toLowerCase()),
  fetch: options.fetch ?? defaultFetch,
  canRefresh: typeof options.token === 'function',
  token: tokenCache(options.token),
})

// ---------------------------------------------------------------------------------------------
// operations

/**
 * The access token, or `InvalidInput` when the token function fails or gives no token; with `refresh`, asked
 * again as `Client.token` says (`true`, or the token a request was refused with).
 */
export const accessToken = (client: Client, refresh?: boolean | string): TE.TaskEither<UploadError, string> =>
  TE.tryCatch(() => client.token({ refresh }), tokenFailed)

/** Asks the token function again (after a 401); concurrent calls share one refresh. Does nothing for a string token. */
export const refreshToken = (client: Client): TE.TaskEither<UploadError, void> =>
  TE.tryCatch(async () => { await client.token({ refresh: true }) }, tokenFailed)

/** The token function threw or gave no token (asked first, or again after a 401). */
const tokenFailed = (cause: unknown): UploadError => invalidInput(`The token function failed (${causeText(cause)}): fix the token provider given to client().`)

/**
 * Whether the token may be sent to `url`: the origins of `uploadUrl` and `apiUrl`, any https `*.box.com`
 * host when either of them is an https Box URL (the defaults), and `allowedHosts`.
 */
export const trust = (client: Client) => (url: string): E.Either<UploadError, URL> => {
  const parsed = parse(url)
  if (parsed === undefined) return E.left(invalidInput(`Not a valid URL: ${stripUrl(url)}`))
  // A user or password at a trusted origin: fetch would refuse the request, quoting the whole URL (the password in the error).
  return !trusted(client, parsed) ? E.left(untrustedEndpoint(parsed.origin))
    : parsed.username + parsed.password ? E.left(invalidInput(`A URL must hold no user or password: ${stripUrl(url)}`)) : E.right(parsed)
}

// ---------------------------------------------------------------------------------------------
// helpers

const trimSlash = (url: string): string => url.replace(/\/+$/, '')

const parse = (url: string): URL | undefined => {
  try {
    return new URL(url)
  } catch {
    return undefined
  }
}

const trusted = (client: Client, url: URL): boolean => {
  // One that does not parse (undefined) is no origin: it matches no URL, and is no Box host.
  const bases = [client.uploadUrl, client.apiUrl].map(parse)
  // An opaque origin ('null': a data:, file: or custom-scheme URL) is no server's, and equals every other one.
  if (url.origin === 'null') return false
  if (bases.some((base) => base?.origin === url.origin)) return true
  const secure = url.protocol === 'https:' && url.port === ''
  return (secure && bases.some(isBox) && isBox(url)) || client.allowedHosts.some((entry) => allows(entry, url, secure))
}

const isBox = (url: URL | undefined): boolean => url?.protocol === 'https:' && isSubdomain(url.hostname, 'box.com')

const isSubdomain = (hostname: string, domain: string): boolean => hostname.endsWith(`.${domain}`)

const allows = (entry: string, url: URL, secure: boolean): boolean => {
  if (entry.includes('://')) return parse(entry)?.origin === url.origin
  if (entry.includes(':')) return url.protocol === 'https:' && url.host === entry
  if (!secure) return false
  return entry.startsWith('*.') ? isSubdomain(url.hostname, entry.slice(2)) : url.hostname === entry
}

/**
 * Caches the token. The token function is asked on the first call, after a call that failed (nothing
 * is cached then), on `refresh: true`, and on `refresh` with the token given last; one call at a time,
 * shared by every caller meanwhile. A refresh for a token the last one replaced gives the last one.
 */
const tokenCache = (token: ClientOptions['token']) => {
  // The token given last; none while the token function is asked, nor after it failed.
  let given: string | undefined
  let asking: Promise<string> | undefined
  const ask = (): Promise<string> => {
    given = undefined
    return (asking = Promise.resolve()
      .then(() => (typeof token === 'function' ? token() : token))
      .then((value) => {
        // A header's value loses its outer whitespace (a token file's newline): trimmed here, the token masked is the one sent.
        const trimmed = typeof value === 'string' ? value.trim() : ''
        if (trimmed === '') throw new TypeError('it gave no token (an empty string or not a string)')
        return (given = trimmed)
      })
      .finally(() => { asking = undefined }))
  }
  return ({ refresh }: { readonly refresh?: boolean | string | undefined } = {}): Promise<string> =>
    asking ?? (given === undefined || refresh === true || refresh === given ? ask() : Promise.resolve(given))
}

/** `globalThis.fetch` when the runtime has one (looked up at call time), else cross-fetch. */
export const defaultFetch: Fetch = (input, init) =>
  typeof globalThis.fetch === 'function'
    ? globalThis.fetch(input, init)
    : import('cross-fetch').then((module) => module.default(input, init))

/** A URL as errors show it: origin and path, without user info, query or fragment (also when it does not parse). */
export const stripUrl = (url: string): string => {
  const parsed = parse(url)
  // Not parsed: where user info would end cannot be told (a password may hold '/', '?' or '#'), so none with an '@' is shown.
  return parsed === undefined ? (url.includes('@') ? '' : url.replace(/[?#][^]*/, '')) : parsed.origin + parsed.pathname
}
