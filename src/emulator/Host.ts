/**
 * The Host header field a request must carry (RFC 9112 §3.2): one in every request from HTTP/1.1 on, never
 * two lines of it, and its value a `uri-host [ ":" port ]` (RFC 9110 §7.2). A server answers anything else 400.
 */

// ---------------------------------------------------------------------------------------------
// operations

/**
 * What is wrong with a request's Host header field lines, as the message of its 400, or undefined when
 * nothing is. `raw` alternates names and values as received (Node's `rawHeaders`); `required` is false
 * only before HTTP/1.1, where a request may have no Host. A value can be valid and still name no origin
 * the emulator can build on (an empty one, port 99999): that is `originOf`'s concern, not an error.
 */
export const hostProblem = (raw: ReadonlyArray<string>, required: boolean): string | undefined => {
  let value: string | undefined
  let lines = 0
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length !== 4 || raw[i]!.toLowerCase() !== 'host') continue
    lines++
    value = raw[i + 1]!
  }
  if (lines > 1) return `The request has ${lines} Host header field lines: send exactly one (RFC 9112 §3.2)`
  if (value === undefined) return required ? 'The request has no Host header field, which HTTP/1.1 requires (RFC 9112 §3.2)' : undefined
  if (!isHostValue(value)) return `The Host header field ${JSON.stringify(value.slice(0, 100))} is not a host with an optional port (RFC 9110 §7.2)`
  return undefined
}

// ---------------------------------------------------------------------------------------------
// helpers

const unreserved = String.raw`A-Za-z0-9\-._~`
const subDelims = `!$&'()*+,;=`
/** RFC 3986 §3.2.2's `reg-name` (an IPv4 address is one too), or `[` anything `]`, checked by `isIpLiteral`; then `[ ":" *DIGIT ]`. */
const hostValue = new RegExp(String.raw`^(?:\[([^\]]*)\]|(?:[${unreserved}${subDelims}]|%[0-9A-Fa-f]{2})*)(?::[0-9]*)?$`)
const ipvFuture = new RegExp(String.raw`^v[0-9A-Fa-f]+\.[${unreserved}${subDelims}:]+$`)
/** RFC 6874's zone (`%25` then the zone's name), which it allows after an IPv6 address in a URI's host. */
const zone = new RegExp(String.raw`%25(?:[${unreserved}]|%[0-9A-Fa-f]{2})+$`)

/**
 * The inside of an `IP-literal`: `IPvFuture`, or an IPv6 address (zone allowed), which the URL parser
 * checks as RFC 4291 writes them (it refuses a zone itself).
 */
const isIpLiteral = (inside: string): boolean => ipvFuture.test(inside) || URL.canParse(`http://[${inside.replace(zone, '')}]/`)

/** Whether `value` is `uri-host [ ":" port ]`: nothing else (no path, userinfo, space or bytes past ASCII). */
const isHostValue = (value: string): boolean => {
  const m = hostValue.exec(value)
  return m !== null && (m[1] === undefined || isIpLiteral(m[1]))
}
