/**
 * The origin a request's `session_endpoints` are built on when the server listens on every interface:
 * the one its client named, since the listen address (0.0.0.0, ::) is no address a client can use.
 */

// ---------------------------------------------------------------------------------------------
// operations

/**
 * Whether `address`, as a bound server reports it, is an unspecified (every-interface) address: what
 * `0.0.0.0`, `0`, `::`, `::0`, `0:0:0:0:0:0:0:0` or an empty host become once listened on, and the
 * IPv4-mapped `::ffff:0.0.0.0` (every IPv4 interface).
 */
export const isUnspecified = (address: string): boolean => ['0.0.0.0', '::', '::ffff:0.0.0.0'].includes(address)

/**
 * `http://` + `authority` as an origin when `authority` is a host with an optional port (RFC 9110 §7.2:
 * `uri-host [ ":" port ]`), else undefined. Anything more is refused rather than read past: a path,
 * query or fragment, userinfo (`@`), a backslash (which URL parsers take for a slash) or whitespace
 * (which they drop), and what the URL parser refuses itself (an empty host, a port that is no number or
 * over 65535). A host without a port names port 80, as the client that sent it meant.
 */
export const originOf = (authority: string | undefined): string | undefined => {
  if (authority === undefined || /[\s/?#@\\]/.test(authority)) return undefined
  try {
    return new URL(`http://${authority}`).origin
  } catch {
    return undefined
  }
}
