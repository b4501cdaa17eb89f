/**
 * Box's error answers. Every error the emulator sends has the full `ClientError` body
 * (`type`, `status`, `code`, `message`, `context_info`, `help_url`, `request_id`), because SDK
 * error classes read those keys (protocol §4.5, §10 gotcha 24).
 */
import { toHex } from './Sha1.ts'

/** An error the emulator answers with: status, Box code, message, optional context and headers. */
export interface BoxError {
  readonly status: number
  readonly code: string
  readonly message: string
  readonly contextInfo?: Readonly<Record<string, unknown>>
  readonly headers?: Readonly<Record<string, string>>
}

const HELP_URL = 'https://developer.box.com/guides/api-calls/permissions-and-errors/common-errors/'

/** A random request id, like Box's (hex). */
export const requestId = (): string => toHex(crypto.getRandomValues(new Uint8Array(8)))

/** Builds a `BoxError`. */
export const boxError = (
  status: number,
  code: string,
  message: string,
  contextInfo?: Readonly<Record<string, unknown>>,
  headers?: Readonly<Record<string, string>>,
): BoxError => ({ status, code, message, ...(contextInfo ? { contextInfo } : {}), ...(headers ? { headers } : {}) })

/** The JSON body Box sends for an error. */
export const body = (e: BoxError, id: string = requestId()) => ({
  type: 'error' as const,
  status: e.status,
  code: e.code,
  message: e.message,
  context_info: e.contextInfo ?? {},
  help_url: HELP_URL,
  request_id: id,
})

/** The HTTP answer for an error. */
export const toResponse = (e: BoxError): Response =>
  new Response(JSON.stringify(body(e)), {
    status: e.status,
    headers: { 'content-type': 'application/json', ...(e.headers ?? {}) },
  })

/**
 * A Box error thrown by route code to stop early (`throw fail(...)`); the handler's one guard turns it
 * into the answer. A plain tagged object, not a class: it survives realms and compares in tests.
 */
export interface Fail {
  readonly _tag: 'BoxFail'
  readonly error: BoxError
}

/** Stops the current route with a Box error answer. */
export const fail = (...args: Parameters<typeof boxError>): Fail => ({ _tag: 'BoxFail', error: boxError(...args) })

/** Whether a thrown value is a `Fail`. */
export const isFail = (e: unknown): e is Fail => typeof e === 'object' && e !== null && (e as { _tag?: unknown })._tag === 'BoxFail'
