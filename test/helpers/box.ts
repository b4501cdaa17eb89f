/**
 * A tiny raw Box client for the emulator's tests: `fetch` and `node:crypto`, written from the
 * protocol (box-protocol.md §3-§7), sharing nothing with the library or the emulator.
 */
import { createHash, randomBytes } from 'node:crypto'
import * as assert from 'uvu/assert'
import type { EmulatorOptions } from '../../src/emulator/Options.ts'
import { startEmulator, type RunningEmulator } from './emulator.ts'

export const TOKEN = 'dev-token'

// JSON bodies in tests are read field by field and checked against the OpenAPI schemas.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any

/** An answer, read whole. */
export interface Reply {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  /** The parsed body, or `undefined` when the body is empty or not JSON. */
  readonly json: Json
}

/** What an upload session carries (protocol §4.1). */
export interface Session {
  readonly id: string
  readonly type: string
  readonly part_size: number
  readonly total_parts: number
  readonly num_parts_processed: number
  readonly session_expires_at: string
  readonly session_endpoints: {
    readonly upload_part: string
    readonly commit: string
    readonly abort: string
    readonly list_parts: string
    readonly status: string
    readonly log_event: string
  }
}

/** A stored part (protocol §4.2). */
export interface Part {
  readonly part_id: string
  readonly offset: number
  readonly size: number
  readonly sha1: string
}

export const sha1Base64 = (bytes: Uint8Array): string => createHash('sha1').update(bytes).digest('base64')
export const sha1Hex = (bytes: Uint8Array): string => createHash('sha1').update(bytes).digest('hex')
/** SHA-256 of `bytes`, base64 (the `Digest: sha-256=` form Box's web uploader sent until 2024). */
export const sha256Base64 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('base64')
export const randomFile = (size: number): Uint8Array<ArrayBuffer> => new Uint8Array(randomBytes(size))

let names = 0
/** A file name no other test uses. */
export const uniqueName = (prefix = 'file'): string => `${prefix}-${process.pid}-${++names}.bin`

export interface CallOptions {
  /** Bearer token; `null` sends no Authorization header (default `dev-token`). */
  readonly token?: string | null
  readonly headers?: Record<string, string>
  /** A JSON body (sent with `Content-Type: application/json`). */
  readonly json?: unknown
  /** A raw body. */
  readonly body?: Uint8Array<ArrayBuffer> | string
  readonly signal?: AbortSignal
}

/** One HTTP exchange with `fetch`, answer read whole. */
export const call = async (method: string, url: string, options: CallOptions = {}): Promise<Reply> => {
  const headers = new Headers(options.headers)
  const token = options.token === undefined ? TOKEN : options.token
  if (token !== null) headers.set('authorization', `Bearer ${token}`)
  let body: BodyInit | undefined = options.body
  if (options.json !== undefined) {
    if (!headers.has('content-type')) headers.set('content-type', 'application/json')
    body = JSON.stringify(options.json)
  }
  const response = await fetch(url, { method, headers, body, signal: options.signal })
  const text = await response.text()
  let json: Json = undefined
  try { json = text === '' ? undefined : JSON.parse(text) } catch { json = undefined }
  return { status: response.status, headers: response.headers, text, json }
}

/** Starts an emulator, runs `f`, always closes it. */
export const withEmulator = async <A>(options: EmulatorOptions, f: (em: RunningEmulator) => Promise<A>): Promise<A> => {
  const em = await startEmulator(options)
  try {
    return await f(em)
  } finally {
    await em.close()
  }
}

/** Small, fast defaults for tests: any size is accepted, parts of 1 KiB. */
export const SMALL: EmulatorOptions = { minFileSize: 1, partSize: 1024 }

/** `POST /files/upload_sessions` (new file) with a raw JSON body. */
export const createSession = (em: RunningEmulator, body: unknown, options: CallOptions = {}): Promise<Reply> =>
  call('POST', `${em.url}/files/upload_sessions`, { ...options, json: body })

/** `POST /files/:id/upload_sessions` (new version) with a raw JSON body. */
export const createVersionSession = (em: RunningEmulator, fileId: string, body: unknown, options: CallOptions = {}): Promise<Reply> =>
  call('POST', `${em.url}/files/${fileId}/upload_sessions`, { ...options, json: body })

/** Opens a session for a new file of `size` bytes and checks it is 201. */
export const openSession = async (em: RunningEmulator, size: number, name = uniqueName(), options: CallOptions = {}): Promise<Session> => {
  const r = await createSession(em, { folder_id: '0', file_size: size, file_name: name }, options)
  assert.is(r.status, 201, `create session: ${r.text}`)
  return r.json as Session
}

/** The `Content-Range` of bytes `[first, last]` of a file of `total` bytes. */
export const contentRange = (first: number, last: number, total: number): string => `bytes ${first}-${last}/${total}`

export interface PartOptions extends CallOptions {
  /** Replaces the `Digest` header (default `sha=<base64 SHA-1 of the body>`); `null` sends none. */
  readonly digest?: string | null
  /** Replaces the `Content-Range` header; `null` sends none. */
  readonly range?: string | null
}

/** `PUT` of `body` as bytes `[offset, offset + body.length - 1]` of a file of `total` bytes. */
export const putBytes = (session: Session, body: Uint8Array<ArrayBuffer>, offset: number, total: number, options: PartOptions = {}): Promise<Reply> => {
  const headers: Record<string, string> = { 'content-type': 'application/octet-stream', ...options.headers }
  const digest = options.digest === undefined ? `sha=${sha1Base64(body)}` : options.digest
  if (digest !== null) headers['digest'] = digest
  const range = options.range === undefined ? contentRange(offset, offset + body.length - 1, total) : options.range
  if (range !== null) headers['content-range'] = range
  return call('PUT', session.session_endpoints.upload_part, { ...options, headers, body })
}

/** The bytes of part `index` of `file` under `session`'s part size. */
export const partBytes = (session: Session, file: Uint8Array<ArrayBuffer>, index: number): Uint8Array<ArrayBuffer> =>
  file.slice(index * session.part_size, Math.min(file.length, (index + 1) * session.part_size))

/** Uploads part `index` of `file`. */
export const putPart = (session: Session, file: Uint8Array<ArrayBuffer>, index: number, options: PartOptions = {}): Promise<Reply> =>
  putBytes(session, partBytes(session, file, index), index * session.part_size, file.length, options)

/** Uploads every part of `file` in order, checks each is 200, returns the parts. */
export const uploadAll = async (session: Session, file: Uint8Array<ArrayBuffer>, options: PartOptions = {}): Promise<ReadonlyArray<Part>> => {
  const parts: Part[] = []
  for (let i = 0; i < session.total_parts; i++) {
    const r = await putPart(session, file, i, options)
    assert.is(r.status, 200, `part ${i}: ${r.text}`)
    parts.push(r.json.part as Part)
  }
  return parts
}

export interface CommitOptions extends CallOptions {
  /** Replaces the `Digest` header (default `sha=<base64 SHA-1 of file>`); `null` sends none. */
  readonly digest?: string | null
  readonly attributes?: Record<string, unknown>
}

/** `POST` commit with `parts` and the whole-file digest of `file`. */
export const commit = (session: Session, file: Uint8Array<ArrayBuffer>, parts: ReadonlyArray<unknown>, options: CommitOptions = {}): Promise<Reply> => {
  const headers: Record<string, string> = { ...options.headers }
  const digest = options.digest === undefined ? `sha=${sha1Base64(file)}` : options.digest
  if (digest !== null) headers['digest'] = digest
  const json = options.attributes === undefined ? { parts } : { parts, attributes: options.attributes }
  return call('POST', session.session_endpoints.commit, { ...options, headers, json })
}

/** Opens a session, uploads `file`, commits; checks the 201 and returns the committed file object. */
export const uploadFile = async (em: RunningEmulator, file: Uint8Array<ArrayBuffer>, name = uniqueName(), options: CommitOptions = {}): Promise<Json> => {
  const session = await openSession(em, file.length, name, options)
  const parts = await uploadAll(session, file, options)
  const r = await commit(session, file, parts, options)
  assert.is(r.status, 201, `commit: ${r.text}`)
  return r.json.entries[0]
}

/** `GET list_parts` with an optional query such as `?offset=1&limit=2`. */
export const listParts = (session: Session, query = '', options: CallOptions = {}): Promise<Reply> =>
  call('GET', `${session.session_endpoints.list_parts}${query}`, options)

/** `GET status`. */
export const status = (session: Session, options: CallOptions = {}): Promise<Reply> =>
  call('GET', session.session_endpoints.status, options)

/** `DELETE abort`. */
export const abort = (session: Session, options: CallOptions = {}): Promise<Reply> =>
  call('DELETE', session.session_endpoints.abort, options)

/** `GET /files/:id/content` on the API base, as bytes. */
export const download = async (em: RunningEmulator, fileId: string, token: string = TOKEN): Promise<{ status: number; bytes: Uint8Array }> => {
  const response = await fetch(`${em.apiUrl}/files/${fileId}/content`, { headers: { authorization: `Bearer ${token}` } })
  return { status: response.status, bytes: new Uint8Array(await response.arrayBuffer()) }
}

/** Equality of two byte arrays, with a short message instead of a megabyte diff. */
export const assertSameBytes = (actual: Uint8Array, expected: Uint8Array, what = 'bytes'): void => {
  assert.is(actual.length, expected.length, `${what}: length`)
  assert.ok(Buffer.from(actual).equals(Buffer.from(expected)), `${what}: content differs`)
}

/**
 * Checks a Box error answer: status, code and the full ClientError shape (protocol §4.5, §10.24).
 * `code` may be left out where Box documents no code and the emulator's choice is not pinned.
 */
export const assertBoxError = (r: Reply, status: number, code?: string): Json => {
  assert.is(r.status, status, `status (body: ${r.text})`)
  assert.ok(r.json !== undefined, `error body is JSON: ${JSON.stringify(r.text)}`)
  const e = r.json
  if (code !== undefined) assert.is(e.code, code, `code (body: ${r.text})`)
  assert.type(e.code, 'string')
  assert.is(e.type, 'error')
  assert.is(e.status, status)
  assert.type(e.message, 'string')
  assert.ok(e.message.length > 0, 'message is not empty')
  assert.ok('context_info' in e, 'context_info present')
  assert.ok(e.context_info === null || typeof e.context_info === 'object', 'context_info is an object or null')
  assert.type(e.help_url, 'string')
  assert.ok(/^https?:\/\//.test(e.help_url), 'help_url is a URL')
  assert.type(e.request_id, 'string')
  assert.ok(e.request_id.length > 0, 'request_id is not empty')
  assert.match(r.headers.get('content-type') ?? '', /application\/json/)
  return e
}

/** Milliseconds `f` takes. */
export const timed = async <A>(f: () => Promise<A>): Promise<{ ms: number; value: A }> => {
  const start = performance.now()
  const value = await f()
  return { ms: performance.now() - start, value }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
