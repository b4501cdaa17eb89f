/**
 * The one closed error union of the library. Plain readonly objects tagged by `_tag`, so they
 * compare in tests and survive `structuredClone` across realms, where `instanceof` does not.
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

/** A SHA-1 did not match: Box's echo of a part, a stored part on resume, or the whole file. Digests are base64. */
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
