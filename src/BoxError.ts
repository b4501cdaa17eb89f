/**
 * Box's error body (`ClientError`: `type`, `status`, `code`, `message`, `context_info`, `help_url`,
 * `request_id`), and the OAuth-style body some 401s carry (`error`, `error_description`).
 * See box-protocol.md §4.5.
 */
import * as t from './codecs.ts'
import type { Immutable } from './Readonly.ts'

// ---------------------------------------------------------------------------------------------
// codecs

/** Box's error body. Every field is optional (proxies and older endpoints send less); extra fields are tolerated. */
export const BoxError = t.partial({
  type: t.string,
  status: t.number,
  code: t.string,
  message: t.string,
  context_info: t.unknown,
  help_url: t.string,
  request_id: t.string,
})
// An interface, not a type alias, so that hovers and a user's emitted declarations name it instead of
// spelling out its fields (a `t.TypeOf` alias is expanded wherever inference carries it).
export interface BoxError extends Immutable<t.TypeOf<typeof BoxError>> {}

/** The OAuth-style error body (`{ error, error_description }`). */
export const OAuthError = t.intersection([t.type({ error: t.string }), t.partial({ error_description: t.string })])
export type OAuthError = Immutable<t.TypeOf<typeof OAuthError>>

/** The parts of an error body an `HttpError` keeps. */
export interface Details {
  readonly code?: string
  readonly message?: string
  readonly requestId?: string
  readonly contextInfo?: unknown
}

// ---------------------------------------------------------------------------------------------
// operations

/** What a body says about an error: Box's fields, or the OAuth ones; nothing for anything else (an HTML page). */
export const details = (body: unknown): Details => {
  if (OAuthError.is(body)) return { code: body.error, message: body.error_description }
  // A partial type refuses what is not an object (null, an array, text) as it should.
  if (!BoxError.is(body)) return {}
  return { code: body.code, message: body.message, requestId: body.request_id, contextInfo: body.context_info }
}

/** Details from a `WWW-Authenticate: Bearer error="invalid_token", error_description="..."` header (Box's 401s have no body). */
// No header (null) reads as the text 'null' (exec converts its argument), which matches neither pattern: no `?? ''` needed.
export const fromAuthenticate = (header: string | null): Details => ({
  code: /error="([^"]*)"/.exec(header as string)?.[1],
  message: /error_description="([^"]*)"/.exec(header as string)?.[1],
})
