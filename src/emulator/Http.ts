/** Small HTTP helpers of the emulator's routes: JSON answers, JSON request bodies, bearer tokens. */
import { fail } from './BoxError.ts'

/** A JSON answer. */
export const json = (status: number, value: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(value), { status, headers: { 'content-type': 'application/json', ...headers } })

/** The bearer token of a request, if any (never logged). */
export const bearer = (request: Request): string | undefined => {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get('authorization') ?? '')
  return m?.[1]
}

const MAX_JSON_BYTES = 16 * 1024 * 1024

/** What a bounded read of a body gives: its chunks, or where the read stopped. */
export type Bounded =
  | { readonly _tag: 'Read'; readonly chunks: ReadonlyArray<Uint8Array>; readonly length: number }
  | { readonly _tag: 'TooLong'; readonly received: number }
  | { readonly _tag: 'Stopped' }

/**
 * Reads a body into its chunks (no copy), cancelling it at the first chunk past `max` bytes (the rest
 * is never buffered) or once `stopAfter` bytes have arrived (the `reset` fault). No body reads as empty.
 */
export const readBounded = async (
  body: ReadableStream<Uint8Array> | null,
  max: number,
  stopAfter = Infinity,
): Promise<Bounded> => {
  const chunks: Uint8Array[] = []
  let received = 0
  if (!body) return { _tag: 'Read', chunks, length: received }
  const reader = body.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return { _tag: 'Read', chunks, length: received }
      received += value.length
      if (received > max) {
        await reader.cancel().catch(() => undefined)
        return { _tag: 'TooLong', received }
      }
      chunks.push(value)
      if (received >= stopAfter) {
        await reader.cancel().catch(() => undefined)
        return { _tag: 'Stopped' }
      }
    }
  } finally {
    reader.releaseLock()
  }
}

/**
 * Reads a JSON object body: `415` for a non-JSON content type, `413` past 16 MiB (read no further),
 * `400 bad_request` for malformed JSON or a non-object. A missing content type is accepted.
 */
export const readJson = async (request: Request): Promise<Record<string, unknown>> => {
  const type = request.headers.get('content-type')
  if (type !== null && !/^application\/([\w.+-]*\+)?json\s*(;|$)/i.test(type.trim())) {
    throw fail(415, 'unsupported_media_type', `Content-Type must be application/json, not "${type.slice(0, 100)}"`)
  }
  const read = await readBounded(request.body, MAX_JSON_BYTES)
  if (read._tag !== 'Read') {
    throw fail(413, 'request_entity_too_large', `JSON body is larger than ${MAX_JSON_BYTES} bytes`)
  }
  const text = new TextDecoder().decode(concat(read.chunks, read.length))
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw fail(400, 'bad_request', 'Request body is not valid JSON')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw fail(400, 'bad_request', 'Request body must be a JSON object')
  }
  return value as Record<string, unknown>
}

/** Copies chunks into one fresh array of `length` bytes. */
export const copy = (chunks: ReadonlyArray<Uint8Array>, length: number): Uint8Array => {
  const out = new Uint8Array(length)
  let at = 0
  for (const c of chunks) {
    out.set(c, at)
    at += c.length
  }
  return out
}

/** Chunks as one array of `length` bytes: the chunk itself when there is one, else a copy. */
export const concat = (chunks: ReadonlyArray<Uint8Array>, length: number): Uint8Array => {
  if (chunks.length === 1 && chunks[0]!.length === length) return chunks[0]!
  return copy(chunks, length)
}

/** Box's date-time form: UTC, no milliseconds (`2017-04-18T01:45:15Z`). */
export const isoDate = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
