/**
 * The one closed error union of the library. Plain readonly objects tagged by `_tag`, so they
 * compare in tests and, but for `DecodeError` (whose io-ts errors hold the codecs, functions
 * included), survive `structuredClone` across realms, where `instanceof` does not.
 * No constructor ever receives the bearer token; `message` never prints one.
 */
import type * as t from 'io-ts'

// ---------------------------------------------------------------------------------------------
// model

/** Box answered with a non-success status. `code`, `requestId`, `contextInfo` come from Box's error body when it had one. */
export interface HttpError {
  readonly _tag: 'HttpError'
  readonly status: number
  readonly method: string
  /** The request URL without its query string. */
  readonly url: string
  readonly code?: string
  readonly message?: string
  readonly requestId?: string
  /**
   * Box's `context_info`, as it came (its shape varies, so check before reading): after `409 item_name_in_use`,
   * `conflicts` is the file holding the name (`conflicts.id`; Box's API reference types it as a list, so take
   * `conflicts[0]` when it is one: `conflictingFileId` reads either), whose new version `uploadVersion` uploads; after `409 session_conflict`,
   * `session` is the open session, which `resume` takes by its `id`.
   */
  readonly contextInfo?: unknown
  /** `Retry-After` of the answer, in milliseconds, when it had one. */
  readonly retryAfterMs?: number
}

/** A response body did not have the shape we rely on. `errors` keeps io-ts's errors (with the path to each bad field). */
export interface DecodeError {
  readonly _tag: 'DecodeError'
  /** What was being decoded, e.g. `upload_session`. */
  readonly what: string
  readonly errors: t.Errors
}

/** The request never got an answer (connection refused, reset, DNS, timeout). */
export interface NetworkError {
  readonly _tag: 'NetworkError'
  readonly method: string
  readonly url: string
  readonly cause: unknown
}

/** The source had more or fewer bytes than the declared file size, or was empty. */
export interface SizeMismatch {
  readonly _tag: 'SizeMismatch'
  readonly expected: number
  /** Bytes seen: for a stream too long, the count at the first byte past `expected`. */
  readonly actual: number
  readonly reason: 'too_long' | 'too_short' | 'empty'
}

/**
 * A SHA-1 did not match: Box's echo of a part, a stored part on resume, or the whole file. Digests are
 * base64; an `actual` the server gave that is no SHA-1 (not 40 hex digits) is its text as given (its
 * first 40 characters), and `unknown` for a committed file without one.
 */
export interface DigestMismatch {
  readonly _tag: 'DigestMismatch'
  readonly what: string
  readonly expected: string
  readonly actual: string
}

/** The caller aborted (through an `AbortSignal`). */
export interface Aborted {
  readonly _tag: 'Aborted'
  readonly reason?: unknown
}

/** An endpoint on a host the token may not be sent to. No request was made. */
export interface UntrustedEndpoint {
  readonly _tag: 'UntrustedEndpoint'
  /** The endpoint's origin only (never a path or query). */
  readonly origin: string
}

/** Bad input from the caller: a chunk that is not a `Uint8Array`, a non-positive size, a bad option. */
export interface InvalidInput {
  readonly _tag: 'InvalidInput'
  readonly message: string
}

/** Reading the caller's source stream failed (a read rejected). Nothing was committed. */
export interface SourceError {
  readonly _tag: 'SourceError'
  readonly cause: unknown
}

/**
 * Computing a SHA-1 failed: a hashing worker thread died, or a custom `sha1` rejected. Not the
 * source's fault; nothing was committed.
 */
export interface HashError {
  readonly _tag: 'HashError'
  readonly cause: unknown
}

/** Everything that can go wrong in an upload. */
export type UploadError =
  | HttpError
  | DecodeError
  | NetworkError
  | SizeMismatch
  | DigestMismatch
  | Aborted
  | UntrustedEndpoint
  | InvalidInput
  | SourceError
  | HashError

// ---------------------------------------------------------------------------------------------
// constructors

/** An HTTP error; optional fields that are `undefined` are left out so errors compare as plain objects. */
export const httpError = (fields: Omit<HttpError, '_tag'>): UploadError => ({ _tag: 'HttpError', ...defined(fields) })

/** A body that did not decode; `errors` are io-ts's, kept as they are. */
export const decodeError = (what: string, errors: t.Errors): UploadError => ({ _tag: 'DecodeError', what, errors })

/** A request that got no answer. `url` must already be stripped of its query. */
export const networkError = (method: string, url: string, cause: unknown): UploadError => ({ _tag: 'NetworkError', method, url, cause })

/** The source's byte count differs from the declared file size. */
export const sizeMismatch = (expected: number, actual: number, reason: SizeMismatch['reason']): UploadError => ({ _tag: 'SizeMismatch', expected, actual, reason })

/** A SHA-1 (base64) differs from the expected one. */
export const digestMismatch = (what: string, expected: string, actual: string): UploadError => ({ _tag: 'DigestMismatch', what, expected, actual })

/** The caller aborted. */
export const aborted = (reason?: unknown): UploadError => ({ _tag: 'Aborted', ...defined({ reason }) })

/** An endpoint the token may not be sent to; only its origin is kept. */
export const untrustedEndpoint = (origin: string): UploadError => ({ _tag: 'UntrustedEndpoint', origin })

/** Bad input from the caller. */
export const invalidInput = (message: string): UploadError => ({ _tag: 'InvalidInput', message })

/**
 * A wrong value as a message names it, with its type: text such as '300' (an environment variable)
 * must not read as the number. An object is only named: `String` says nothing of one (`2,3`,
 * `[object Object]`) and throws on one without a prototype, which would reject the task.
 */
export const shown = (value: unknown): string =>
  value == null ? String(value) : typeof value === 'object' ? (Array.isArray(value) ? 'an array' : 'an object') : `the ${typeof value} ${String(value)}`

/**
 * A thrown value in a message: an error by its name and message, anything else as `shown`. Not by
 * `instanceof Error`: one of another realm (Node's own Headers under Jest's node:vm contexts) is no
 * instance of this realm's; `Error.prototype.toString` also reads one without a prototype.
 */
export const thrown = (cause: unknown): string => (isRecord(cause) && typeof cause['message'] === 'string' ? Error.prototype.toString.call(cause) : shown(cause))

/** The caller's source stream failed while being read. */
export const sourceError = (cause: unknown): UploadError => ({ _tag: 'SourceError', cause })

/** Hashing failed (a SHA-1 worker died, a custom `sha1` rejected). */
export const hashError = (cause: unknown): UploadError => ({ _tag: 'HashError', cause })

// ---------------------------------------------------------------------------------------------
// operations

/**
 * Whether Box may have done what was asked though the answer says otherwise: a network error (no
 * answer at all) or a 5xx, except 507 (insufficient storage, which stores nothing). After one, a
 * part may be stored and a commit applied: check before sending it again.
 */
export const mayHaveApplied = (error: UploadError): boolean =>
  error._tag === 'NetworkError' || (error._tag === 'HttpError' && error.status >= 500 && error.status !== 507)

/**
 * Whether a value is one of this library's errors (what a stream's rejection may carry): an object whose
 * `_tag` is one of the union's. Other tagged values (an fp-ts `Left` a source errored with, a user's own
 * error) are not: `message` could not describe them, and an exhaustive `switch` does not expect them.
 */
export const isUploadError = (u: unknown): u is UploadError => isRecord(u) && typeof u['_tag'] === 'string' && Object.hasOwn(messages, u['_tag'])

/** Whether trying the same request again may succeed: network errors, 408, 429 and 5xx except 507. */
export const isRetryable = (error: UploadError): boolean =>
  mayHaveApplied(error) || hasStatus(error, 408) || hasStatus(error, 429)

/**
 * Whether Box answered with this status. The type says so too, with the status in it: an `HttpError`
 * with another status is still one where this is false.
 */
export const hasStatus = <Status extends number>(error: UploadError, status: Status): error is HttpError & { readonly status: Status } =>
  error._tag === 'HttpError' && error.status === status

/** A sentence a person can act on: what failed, Box's code and request id, what to do. Never the token. */
export const message = (error: UploadError): string => (messages[error._tag] as (error: UploadError) => string)(error)

// ---------------------------------------------------------------------------------------------
// helpers

const defined = <A extends object>(fields: A): A =>
  Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as A

const httpMessage = (error: HttpError): string =>
  `Box answered ${error.status}${error.code === undefined ? '' : ` ${error.code}`} to ${error.method} ${error.url}` +
  `${error.message === undefined ? '' : `: "${error.message}"`}${error.requestId === undefined ? '' : ` (request_id ${error.requestId})`}. ${advice(error)}`

const advice = (error: HttpError): string => {
  // Retry-After: 0 (or none) asks for no wait, so there is nothing to say; under a second rounds up to 1 s.
  const retry = error.retryAfterMs ? ` Box asks to wait ${Math.ceil(error.retryAfterMs / 1000)} s.` : ''
  switch (error.code) {
    case 'file_size_too_small':
      return 'Chunked upload is only for files of 20 MB or more: upload a smaller file in one request instead.'
    case 'item_name_in_use':
      return `The folder already has ${conflictingFile(error.contextInfo)} with that name: choose another name, or upload a new version of that file.`
    case 'digest_mismatch':
      return 'The bytes Box received do not match their SHA-1: the source changed during the upload, or its size differs from the declared size. Upload again from an unchanged source.'
    case 'range_overlaps_existing_part':
      return 'That part was already uploaded: list the session\'s parts and reuse the stored one.'
    case 'storage_limit_exceeded':
    case 'file_size_limit_exceeded':
      return 'The account has no room for this file, or the file exceeds the plan\'s size limit: free space or use an account with a higher limit.'
  }
  const status = error.status
  if (status === 0 || (status >= 300 && status < 400)) return 'A redirect is not followed, so the token never reaches another host: use the final URL (add its host to allowedHosts if you trust it).'
  if (status === 401) return 'The access token is invalid or expired: get a new token (pass a token function to the client so it can refresh).'
  if (status === 403) return 'The token\'s user may not do this (no permission, or another user\'s upload session): use a token of a user with access.'
  if (status === 404) return 'The folder, file or upload session does not exist or this user cannot see it: check the id (an aborted or committed session is gone).'
  if (status === 409) return 'It conflicts with a file, a part, or an open session for this file (resume that one by contextInfo.session.id).'
  // Box's 410s: session_expired and upload_failed.
  if (status === 410) return 'This upload session can no longer be used: start a new upload.'
  if (status === 412) return 'The file changed since the etag given in If-Match: fetch the file again and retry with its current etag.'
  if (status === 429) return `Box is rate-limiting this user: wait and retry.${retry}`
  if (status >= 500) return `Box (or a proxy in front of it) had a temporary problem: retry later.${retry}`
  // A 202 past the commit's deadline or maxRetryAfterMs: its message already says to commit again later.
  return status === 202 ? retry.trim() : `Check the request's parameters.${retry}`
}

/** The file holding the name, as the message names it: `file 123` when Box's `context_info` gives its id, else `a file`. */
const conflictingFile = (contextInfo: unknown): string => {
  // JSON from Box: a value that is no object (text, a number) has no `conflicts` or `id` either.
  // Its twin, `nameHolder` (NameInUse.ts), reads the same for users.
  const conflicts = (contextInfo as Conflict | undefined)?.conflicts
  const id = ((Array.isArray(conflicts) ? conflicts[0] : conflicts) as Conflict | undefined)?.id
  return typeof id === 'string' ? `file ${id}` : 'a file'
}

/** What `context_info` may hold after a 409 `item_name_in_use`: the file (or files) with the name. */
type Conflict = { readonly conflicts?: unknown; readonly id?: unknown } | null

const sizeMessage = (error: SizeMismatch): string => {
  switch (error.reason) {
    case 'empty':
      return `The source is empty but ${error.expected} bytes were declared: Box's chunked upload needs a non-empty file.`
    case 'too_long':
      return `The source has more bytes than the declared file size of ${error.expected} (byte ${error.actual} is past the end). Declare the source's real size; nothing past the end was sent.`
    case 'too_short':
      return `The source ended after ${error.actual} bytes but ${error.expected} were declared. Declare the source's real size, or check it was not cut short.`
  }
}

/** The io-ts errors as `path: expected Type, got value`, at most 5 of them. */
const describeErrors = (errors: t.Errors): string => {
  const lines = errors.slice(0, 5).map((error) =>
    `${errorPath(error.context) || 'the body'}: ${error.message ?? `expected ${error.context[error.context.length - 1]?.type.name ?? 'a value'}, got ${show(error.value)}`}`)
  return lines.join('; ') + (errors.length > 5 ? `; and ${errors.length - 5} more` : '')
}

/** `session_endpoints.commit`, `entries[3].size`: the member indices of intersections and unions are skipped. */
export const errorPath = (context: t.Context): string =>
  context.reduce((path, entry, i) => {
    const parent = String((context[i - 1]?.type as { readonly _tag?: string } | undefined)?._tag)
    if (i === 0 || entry.key === '' || /Intersection|Union/.test(parent)) return path
    // ArrayType, ReadonlyArrayType, UnknownArrayType: an index.
    if (/Array/.test(parent)) return `${path}[${entry.key}]`
    return path === '' ? entry.key : `${path}.${entry.key}`
  }, '')

const show = (value: unknown): string => {
  if (value === undefined) return 'nothing'
  // A decoded answer's values: JSON has them all (a function, say, has none: its String).
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}

/**
 * A cause in a message: an error's message (and its cause's `code`, such as undici's `ECONNREFUSED`), a
 * thrown text as it is, any other object named (see `shown`: `String` would throw on one without a prototype).
 */
export const causeText = (cause: unknown): string => {
  if (isRecord(cause) && typeof cause['message'] === 'string') {
    const inner = cause['cause']
    const code = isRecord(inner) && typeof inner['code'] === 'string' ? ` ${inner['code']}` : ''
    return cause['message'] + code
  }
  return isRecord(cause) ? shown(cause) : String(cause)
}

export const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null

/** The sentence of each kind of error, by tag (so also the list of the union's tags). Last: it uses the helpers above. */
const messages: { readonly [Tag in UploadError['_tag']]: (error: Extract<UploadError, { readonly _tag: Tag }>) => string } = {
  HttpError: httpMessage,
  // fromJSON's (and so resume's) 'stored session' is the caller's data, not Box's answer.
  DecodeError: (error) =>
    `The ${error.what} did not have the expected shape (${describeErrors(error.errors)}): ` +
    (error.what === 'stored session' ? 'you passed it, not Box: pass JSON.parse(text) of a stored session.'
      : 'if Box sent it, its API changed or a proxy answered; please report this message.'),
  NetworkError: (error) =>
    `${error.method} ${error.url} got no answer (${causeText(error.cause)}). Check the network, proxy or host name, then retry.`,
  SizeMismatch: sizeMessage,
  // Base64, as the fields hold them (Box's sha1 and sha1sum show hex): said, so that nobody compares the two forms.
  DigestMismatch: (error) =>
    `The base64 SHA-1 of ${error.what} is ${error.actual} but ${error.expected} was expected: the bytes changed in transit, or the source since the upload started. Upload again from an unchanged source.`,
  Aborted: (error) => `The upload was aborted${error.reason === undefined ? '' : ` (${causeText(error.reason)})`}.`,
  UntrustedEndpoint: (error) =>
    `Refused to send the access token to ${error.origin}: not the upload or API host, nor in allowedHosts. ` +
    `If you trust that host, add it to allowedHosts.`,
  InvalidInput: (error) => error.message,
  SourceError: (error) =>
    `Reading the source failed (${causeText(error.cause)}); nothing was committed. Check the file or stream, then upload again.`,
  HashError: (error) =>
    `Computing a SHA-1 failed (${causeText(error.cause)}); nothing was committed. The source is not at fault: upload again (and if you passed your own sha1, check it).`,
}
