/**
 * CORS, so browser tests on another origin can call the emulator (runtimes.md "Traps"): preflight
 * answers, and `Access-Control-Allow-Origin: *` plus the exposed headers on every answer.
 */

const ALLOW_HEADERS = 'Authorization, Content-Type, Content-Range, Content-Length, Digest, If-Match, If-None-Match, X-Box-Client-Event-Info, X-Box-UA, X-Box-Client-Name, X-Box-Client-Version'
const EXPOSE_HEADERS = 'Retry-After, ETag, Content-Length, Content-Type, Location, Box-Request-Id, WWW-Authenticate'

/** The answer to an `OPTIONS` preflight. Requested headers are echoed so any `X-Box-*` header passes. */
export const preflight = (request: Request): Response => {
  const requested = request.headers.get('access-control-request-headers')
  return new Response(null, {
    status: 204,
    headers: {
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'GET, POST, PUT, DELETE, OPTIONS',
      'access-control-allow-headers': requested ? `${ALLOW_HEADERS}, ${requested}` : ALLOW_HEADERS,
      'access-control-max-age': '600',
    },
  })
}

/** Adds the CORS headers of an actual answer (a copy when the headers are immutable). */
export const withCors = (response: Response): Response => {
  const set = (h: Headers) => {
    h.set('access-control-allow-origin', '*')
    h.set('access-control-expose-headers', EXPOSE_HEADERS)
  }
  try {
    set(response.headers)
    return response
  } catch {
    const copy = new Response(response.body, response)
    set(copy.headers)
    return copy
  }
}
