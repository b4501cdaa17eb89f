/**
 * Whether two URLs name the same server: the same origin, or upload sessions kept under the same
 * base (a server may be named otherwise, localhost or 127.0.0.1, where its sessions' URLs are what
 * it calls itself). What does not parse as a URL names no server.
 */

// ---------------------------------------------------------------------------------------------
// model

/** A session's endpoints, as the state file keeps them too. */
type Endpoints = { readonly endpoints: { readonly commit: string } }

// ---------------------------------------------------------------------------------------------
// operations

/** Whether two URLs have the same origin (scheme, host and port). */
export const sameOrigin = (a: string, b: string): boolean => {
  try {
    return new URL(a).origin === new URL(b).origin
  } catch {
    return false
  }
}

/** Whether two sessions live where one server keeps its sessions, as their URLs say (`…/files/upload_sessions/`). */
export const sameSessionsBase = (a: Endpoints, b: Endpoints): boolean => {
  const base = sessionsBase(a)
  return base !== undefined && base === sessionsBase(b)
}

// ---------------------------------------------------------------------------------------------
// helpers

const sessionsBase = (session: Endpoints): string | undefined => {
  try {
    return new URL('..', session.endpoints.commit).href
  } catch {
    return undefined
  }
}
