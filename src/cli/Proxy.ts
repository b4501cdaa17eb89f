/**
 * Which HTTP proxy a request of `box-upload` goes through, if any: `--proxy`, else the variables curl
 * reads (`https_proxy`/`HTTPS_PROXY`, `http_proxy`/`HTTP_PROXY`, `no_proxy`/`NO_PROXY`). Pure: the
 * settings are parsed from the flag and the environment, and `proxyFor` decides for one URL. Loopback
 * destinations never go through a proxy, which would reach its own machine's loopback, not this one's.
 */
import { BlockList, isIP } from 'node:net'
import * as E from 'fp-ts/lib/Either.js'

// ---------------------------------------------------------------------------------------------
// model

/** One proxy: its URL (which may hold a user and password: a secret, like the token) and where it was given. */
export interface Proxy {
  readonly url: string
  /** `--proxy`, or the variable it came from (`HTTPS_PROXY`, `https_proxy`, …): errors name it. */
  readonly from: string
}

/** The proxy settings of a run. */
export interface Proxies {
  /** For `http:` URLs, and `https:` ones when `https` is not set (as undici's EnvHttpProxyAgent does). */
  readonly http?: Proxy
  /** For `https:` URLs (Box). */
  readonly https?: Proxy
  /** The hosts that go direct, as NO_PROXY lists them (`*` for all). */
  readonly noProxy: string
}

/** The environment variables read here; a lowercase one wins over its uppercase form when both are set, as in curl. */
export interface ProxyEnv {
  readonly HTTPS_PROXY?: string
  readonly https_proxy?: string
  readonly HTTP_PROXY?: string
  readonly http_proxy?: string
  readonly NO_PROXY?: string
  readonly no_proxy?: string
}

// ---------------------------------------------------------------------------------------------
// constructors

/**
 * The settings from `--proxy` (`flag`, which takes the place of both proxy variables) and the environment, or
 * why a proxy URL is refused (never quoting a user or password). NO_PROXY applies to `--proxy` too, as in curl.
 */
export const proxies = (flag: string | undefined, env: ProxyEnv): E.Either<string, Proxies> => {
  const noProxy = env.no_proxy || env.NO_PROXY || ''
  if (flag !== undefined) return E.map((url: string): Proxies => ({ http: { url, from: '--proxy' }, https: { url, from: '--proxy' }, noProxy }))(proxyUrl('--proxy')(flag))
  const http = fromEnv(env, 'http_proxy', 'HTTP_PROXY')
  const https = fromEnv(env, 'https_proxy', 'HTTPS_PROXY')
  if (E.isLeft(http)) return http
  if (E.isLeft(https)) return https
  return E.right({ ...(http.right ? { http: http.right } : {}), ...(https.right ? { https: https.right } : {}), noProxy })
}

/** The first of two variables that is set (not empty), parsed. */
const fromEnv = (env: ProxyEnv, lower: keyof ProxyEnv, upper: keyof ProxyEnv): E.Either<string, Proxy | undefined> => {
  const from = env[lower] ? lower : env[upper] ? upper : undefined
  return from === undefined ? E.right(undefined) : E.map((url: string): Proxy => ({ url, from }))(proxyUrl(from)(env[from] as string))
}

/**
 * A proxy URL: `http://` or `https://`, a host, an optional port, user and password, nothing after the
 * host (a PAC file's URL names no proxy). Without a scheme it is an `http://` one (`proxy.example.com:3128`),
 * as curl takes it. A user or password is never quoted back, also when the text does not parse.
 */
export const proxyUrl = (name: string) => (text: string): E.Either<string, string> => {
  const given = /^[a-z][a-z\d+.-]*:\/\//i.test(text) ? text : `http://${text}`
  const parsed = URL.canParse(given) ? new URL(given) : undefined
  const ok = parsed !== undefined && /^https?:$/.test(parsed.protocol) && parsed.hostname !== '' &&
    parsed.pathname === '/' && parsed.search === '' && parsed.hash === '' && !/[?#]/.test(given)
  if (ok) return E.right(parsed.href)
  const quoted = parsed === undefined ? !text.includes('@') : parsed.username === '' && parsed.password === ''
  return E.left(`${name} must be an http(s) proxy URL such as http://proxy.example.com:3128 (or http://user:password@host:port)${quoted ? `, not '${text}'` : ''}`)
}

// ---------------------------------------------------------------------------------------------
// operations

/** The proxy a request to `url` goes through, or `undefined` when it goes direct (loopback, NO_PROXY, none set). */
export const proxyFor = (settings: Proxies) => (url: URL): Proxy | undefined => {
  const proxy = url.protocol === 'https:' ? settings.https ?? settings.http : url.protocol === 'http:' ? settings.http : undefined
  return proxy === undefined || isLoopback(url.hostname) || noProxyMatches(settings.noProxy, url) ? undefined : proxy
}

/**
 * Whether a host (as `URL.hostname` gives it: IPv4 in dotted form, IPv6 in brackets) is this machine's
 * loopback: `localhost` and its subdomains (RFC 6761), 127.0.0.0/8, `::1`, and 127.x mapped to IPv6.
 */
export const isLoopback = (hostname: string): boolean => {
  const host = bareHost(hostname).replace(/\.$/, '')
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' ||
    /^127\.\d+\.\d+\.\d+$/.test(host) || /^::ffff:(127\.|7f[\da-f]{2}:)/.test(host)
}

/**
 * Whether NO_PROXY names the URL's host: `*` names every host; an entry (commas or spaces between them)
 * names a host name and its subdomains (a leading `.` or `*.` changes nothing), or an IP address (`10.1.2.3`,
 * `fd00::5`, `[fd00::5]`) or range (`10.0.0.0/8`, `fd00::/8`, as curl reads since 7.86; undici does not) that
 * holds a host written as an address; on any port unless it gives one (`host:8080`, `[::1]:8080`). A host name
 * is never looked up to compare it with addresses (as in curl), and an address host never matches names.
 */
export const noProxyMatches = (noProxy: string, url: URL): boolean => {
  const host = bareHost(url.hostname)
  const port = portOf(url)
  const version = isIP(host)
  return noProxy.split(/[,\s]+/).some((entry) => {
    if (entry === '*') return true
    const [, name = entry, entryPort] = /^\[(.*)\](?::(\d+))?$/.exec(entry) ?? /^([^:]*):(\d+)$/.exec(entry) ?? []
    if (entryPort !== undefined && entryPort !== port) return false
    return version === 0 ? namesHost(name, host) : holdsAddress(name, host, version)
  })
}

/** Whether a NO_PROXY entry that is a name names `host` or one of its subdomains. */
const namesHost = (name: string, host: string): boolean => {
  const bare = name.toLowerCase().replace(/^\*?\./, '')
  return bare !== '' && (host === bare || host.endsWith(`.${bare}`))
}

/**
 * Whether a NO_PROXY entry that is an address or a range holds the address `host` (IP version `version`),
 * compared as numbers, so that `fd00:0:0:0:0:0:0:5` holds `fd00::5`. A prefix counts as in CIDR (`/0`: every
 * address of its version; curl reads `/0` as the address alone). An entry that is neither (`10.0.0.0/33`,
 * `10.0.0.0/x`, a name) holds nothing, as an unknown name would. An IPv4 entry holds an IPv4 address mapped to
 * IPv6 (`[::ffff:10.1.2.3]`, the same destination, as isLoopback takes it; curl does not), an IPv6 entry never an
 * IPv4 host (Node's and Bun's BlockList count `::/0` as holding every IPv4 address, Deno's does not).
 */
const holdsAddress = (entry: string, host: string, version: number): boolean => {
  const [, address = '', prefix] = /^([^/]*)(?:\/(\d{1,3}))?$/.exec(entry) ?? []
  const family = isIP(address)
  const bits = family === 4 ? 32 : 128
  const length = prefix === undefined ? bits : Number(prefix)
  if (family === 0 || length > bits || family > version) return false
  const range = new BlockList()
  range.addSubnet(address, length, family === 4 ? 'ipv4' : 'ipv6')
  return range.check(host, version === 4 ? 'ipv4' : 'ipv6')
}

/** A URL's port: the one it names, else its scheme's (443 for https, 80 for http). */
export const portOf = (url: URL): string => url.port || (url.protocol === 'https:' ? '443' : '80')

/** A host name as compared here: lowercase, an IPv6 address without its brackets. */
const bareHost = (hostname: string): string => hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1')

/** A proxy URL as it may be shown: scheme, host and port, never its user or password. */
export const shownProxy = (proxy: Proxy): string => {
  const { protocol, host } = new URL(proxy.url)
  return `${protocol}//${host}`
}

/**
 * `text` with the proxy's user and password masked: `user:password` (as given and decoded) always, and
 * each alone when longer than 7 characters (shorter ones occur in words, as for the token).
 */
export const maskProxySecrets = (proxy: Proxy) => (text: string): string => {
  const { username, password } = new URL(proxy.url)
  const decode = (s: string): string => {
    try {
      return decodeURIComponent(s)
    } catch {
      return s
    }
  }
  const pairs = username === '' && password === '' ? [] : [`${username}:${password}`, `${decode(username)}:${decode(password)}`]
  const secrets = [...pairs, ...[username, password, decode(username), decode(password)].filter((s) => s.length > 7)]
  return secrets.reduce((masked, secret) => masked.split(secret).join('[proxy credentials]'), text)
}
