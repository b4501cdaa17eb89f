/**
 * Upload-session routes: create (new file, new version), status, abort, log (protocol §3.1-§3.3,
 * §3.7, §3.8), and `openSession`, the lookup every session route starts with.
 */
import { fail } from './BoxError.ts'
import type { Config } from './Config.ts'
import { isoDate, json, readJson } from './Http.ts'
import { fileMini } from './Files.ts'
import { sessionKey, uploadKey } from './Faults.ts'
import { end, fileNamed, isLive, ownFile, randomHex, wholeHash, type Ended, type Session, type Store } from './Store.ts'

/** What a route gets: configuration, state, the request, the user its token stands for and the upload base URL. */
export interface Ctx {
  readonly config: Config
  readonly store: Store
  readonly request: Request
  readonly user: number
  readonly uploadBase: string
}

const SESSION_ID = /^[0-9A-Fa-f]{32}$/

/** The answer to any use of a failed session but `DELETE` and log (Box: "session in unrecoverable state"). */
export const uploadFailed = (ctx: Ctx, s: Session) =>
  fail(410, 'upload_failed', `Upload session ${s.id} is in an unrecoverable state (injected fault: faults.uploadFailedAfterParts = ${ctx.config.uploadFailedAfterParts}); delete it and start a new upload`)

/**
 * Ends a session (open or failed) past its lifetime as `expired`: nothing can use its parts any
 * more, and a long-running emulator would otherwise hold their bytes for good.
 */
const expireIfDue = (store: Store, now: number, s: Session): void => {
  if ((s.state !== 'open' && s.state !== 'failed') || now < s.expiresAt) return
  end(store, s, { state: 'expired', user: s.user })
}

/** `410 session_expired` for any use of a session past its lifetime, `DELETE` included (also after an `await`). */
export const refuseExpired = (ctx: Ctx, s: Session): void => {
  expireIfDue(ctx.store, ctx.config.clock(), s)
  if (s.state === 'expired') throw expired(s.id)
}

/**
 * Expires every session past its lifetime, at the first request (of any kind) once the earliest is due:
 * sessions nobody asks about again (abandoned, or their client gone) would otherwise keep their
 * parts. Until one is due a request costs one comparison, not a walk over the sessions.
 */
export const sweepExpired = (config: Config, store: Store): void => {
  const now = config.clock()
  if (!(now >= store.nextExpiry)) return
  let next = Infinity
  for (const s of store.sessions.values()) {
    expireIfDue(store, now, s)
    if (s.state !== 'expired') next = Math.min(next, s.expiresAt)
  }
  store.nextExpiry = next
}

const expired = (id: string) => fail(410, 'session_expired', `Upload session ${id} has expired`)

/**
 * Finds the session a URL names: `400 invalid_upload_session_id` when malformed, `404 not_found`
 * when unknown or aborted (or committed, unless `also` has it), `403 forbidden` for another user,
 * `410 session_expired` past its lifetime, `410 upload_failed` when failed (unless `also` has it).
 * A committed session is what is kept of it.
 */
export const findSession = (ctx: Ctx, id: string, also: ReadonlyArray<'committed' | 'failed'> = []): Session | Extract<Ended, { state: 'committed' }> => {
  if (!SESSION_ID.test(id)) throw fail(400, 'invalid_upload_session_id', `"${id.slice(0, 64)}" is not an upload session id`)
  const key = id.toUpperCase()
  const s = ctx.store.sessions.get(key) ?? ctx.store.ended.get(key)
  if (!s || (s.state === 'committed' && !also.includes('committed'))) throw fail(404, 'not_found', `Upload session ${id} not found`)
  if (s.user !== ctx.user) throw fail(403, 'forbidden', 'This upload session belongs to another user')
  if (!isLive(s)) {
    if (s.state === 'expired') throw expired(key)
    return s
  }
  // Past its lifetime a session is expired, whether it had failed or not.
  refuseExpired(ctx, s)
  if (s.state === 'failed' && !also.includes('failed')) throw uploadFailed(ctx, s)
  return s
}

/** The open session a URL names (status, a part, list parts), with `findSession`'s answers otherwise. */
export const openSession = (ctx: Ctx, id: string): Session => {
  const s = findSession(ctx, id)
  // Unreachable: a committed session is not found here.
  if (!isLive(s)) throw fail(404, 'not_found', `Upload session ${id} not found`)
  return s
}

/** The `UploadSession` JSON of a session. */
export const sessionJson = (ctx: Ctx, s: Session) => {
  const url = `${ctx.uploadBase}/files/upload_sessions/${s.id}`
  const now = ctx.config.clock()
  let processed = 0
  for (const p of s.parts.values()) if (p.storedAt + ctx.config.processingDelayMs <= now) processed++
  return {
    id: s.id,
    type: 'upload_session' as const,
    session_expires_at: isoDate(s.expiresAt),
    part_size: s.partSize,
    total_parts: s.totalParts,
    num_parts_processed: processed,
    session_endpoints: {
      upload_part: url,
      commit: `${url}/commit`,
      abort: url,
      list_parts: `${url}/parts`,
      status: url,
      log_event: `${url}/log`,
    },
  }
}

/**
 * `item_name_invalid` / `missing_file_name` checks of Box's naming rules; returns the name. Control
 * characters are Box's "non-printable ASCII": U+0000-U+001F and DEL (U+007F).
 */
export const checkName = (name: unknown): string => {
  if (name === undefined || name === null) throw fail(400, 'missing_file_name', 'file_name is required')
  if (typeof name !== 'string') throw fail(400, 'item_name_invalid', 'file_name must be a string')
  const bad = name.length === 0 || name.length > 255 || /[/\\\u0000-\u001f\u007f]/.test(name) ||
    name === '.' || name === '..' || name.trim() !== name
  if (bad) {
    throw fail(400, 'item_name_invalid', 'file_name must be 1-255 characters, without "/", "\\", control characters or surrounding spaces, and not "." or ".."')
  }
  return name
}

const checkSize = (config: Config, size: unknown): number => {
  if (size === undefined || size === null) throw fail(400, 'missing_file_size', 'file_size is required')
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw fail(400, 'invalid_file_size', 'file_size must be a non-negative integer number of bytes')
  }
  if (size < config.minFileSize) {
    throw fail(400, 'file_size_too_small', `file_size ${size} is below the chunked-upload minimum of ${config.minFileSize} bytes`)
  }
  // Only reached with minFileSize 0: an empty file has no part to upload.
  if (size === 0) throw fail(400, 'invalid_file_size', 'file_size must be at least 1 byte')
  if (size > config.maxFileSize) {
    throw fail(403, 'file_size_limit_exceeded', `file_size ${size} exceeds the maximum of ${config.maxFileSize} bytes`)
  }
  return size
}

const conflict = (ctx: Ctx, folderId: string, name: string, exceptFileId?: string): void => {
  const existing = fileNamed(ctx.store, ctx.user, folderId, name)
  if (existing && existing.id !== exceptFileId) {
    throw fail(409, 'item_name_in_use', 'Item with the same name already exists', { conflicts: fileMini(existing) })
  }
}

/** With `faults.sessionConflict`: `409 session_conflict` carrying this user's open session for the same file, if any. */
const sessionConflict = (ctx: Ctx, target: { folderId: string; fileName?: string; fileId?: string }): void => {
  if (!ctx.config.sessionConflict) return
  const now = ctx.config.clock()
  const name = target.fileName?.toLowerCase()
  for (const s of ctx.store.sessions.values()) {
    const sameFile = target.fileId !== undefined
      ? s.fileId === target.fileId
      : s.fileId === undefined && s.folderId === target.folderId && s.fileName?.toLowerCase() === name
    if (sameFile && s.state === 'open' && s.user === ctx.user && now < s.expiresAt) {
      throw fail(409, 'session_conflict', `An upload session for this file is already open: ${s.id}`, { session: sessionJson(ctx, s) })
    }
  }
}

/** The fields of a new session: what the client asked for, and for a new version the name its file has now. */
interface Fields { readonly folderId: string; readonly fileName?: string; readonly fileSize: number; readonly fileId?: string; readonly versionOf?: string }

const newSession = (ctx: Ctx, { versionOf, ...fields }: Fields): Response => {
  sessionConflict(ctx, fields)
  const partSize = ctx.config.partSize(fields.fileSize)
  // Faults keyed by the upload, not by the order sessions are created in: clients creating sessions at once may be served either way.
  const upload = uploadKey({ user: ctx.user, folderId: fields.folderId, versionOf, fileName: fields.fileName, fileSize: fields.fileSize })
  const occurrence = (ctx.store.uploads.get(upload) ?? 0) + 1
  const s: Session = {
    id: randomHex(16),
    faultKey: sessionKey(upload, occurrence),
    user: ctx.user,
    ...fields,
    partSize,
    totalParts: Math.ceil(fields.fileSize / partSize),
    expiresAt: ctx.config.clock() + ctx.config.sessionTtlMs,
    parts: new Map(),
    busy: new Set(),
    attempts: new Map(),
    whole: wholeHash(ctx.config.sha1),
    commitAccepted: ctx.config.commitAccepted,
    commits: 0,
    state: ctx.config.uploadFailedAfterParts <= 0 ? 'failed' : 'open',
  }
  // Its answer first: a session whose answer cannot be built (a clock giving NaN) is not kept.
  const answer = json(201, sessionJson(ctx, s))
  ctx.store.sessions.set(s.id, s)
  ctx.store.uploads.set(upload, occurrence)
  ctx.store.nextExpiry = Math.min(ctx.store.nextExpiry, s.expiresAt)
  return answer
}

/** `POST /files/upload_sessions`: a session for a new file. */
export const createForFile = async (ctx: Ctx): Promise<Response> => {
  const body = await readJson(ctx.request)
  const folderId = body['folder_id']
  if (folderId === undefined || folderId === null) throw fail(400, 'missing_destination', 'folder_id is required')
  if (typeof folderId !== 'string' || !/^\d{1,20}$/.test(folderId)) {
    throw fail(400, 'invalid_folder_id', 'folder_id must be a string of 1 to 20 digits (a 64-bit id), e.g. "0"')
  }
  const fileSize = checkSize(ctx.config, body['file_size'])
  const fileName = checkName(body['file_name'])
  if (ctx.config.folders && !ctx.config.folders.has(folderId)) {
    throw fail(404, 'invalid_parameter', `Parent folder ${folderId} not found`)
  }
  conflict(ctx, folderId, fileName)
  return newSession(ctx, { folderId, fileName, fileSize })
}

/** `POST /files/:id/upload_sessions`: a session for a new version of a committed file. */
export const createForVersion = async (ctx: Ctx, fileId: string): Promise<Response> => {
  const file = ownFile(ctx.store, ctx.user, fileId)
  if (!file) throw fail(404, 'not_found', `File ${fileId.slice(0, 64)} not found`)
  const body = await readJson(ctx.request)
  const fileSize = checkSize(ctx.config, body['file_size'])
  // Without a new name the file keeps its own, whatever it is at the commit: none is taken now.
  // OAS: "the optional new name"; null is no name given, as absent is (not `missing_file_name`, which only a new file can miss).
  if (body['file_name'] === undefined || body['file_name'] === null) return newSession(ctx, { folderId: file.folderId, fileSize, fileId: file.id, versionOf: file.name })
  const fileName = checkName(body['file_name'])
  conflict(ctx, file.folderId, fileName, file.id)
  return newSession(ctx, { folderId: file.folderId, fileName, fileSize, fileId: file.id, versionOf: file.name })
}

/** `GET /files/upload_sessions/:id`. */
export const status = (ctx: Ctx, id: string): Response => json(200, sessionJson(ctx, openSession(ctx, id)))

/** `DELETE /files/upload_sessions/:id`: 204, also after a commit (gotcha 17) or a failure; the parts are dropped. */
export const abort = (ctx: Ctx, id: string): Response => {
  const s = findSession(ctx, id, ['committed', 'failed'])
  if (isLive(s)) end(ctx.store, s, undefined)
  return new Response(null, { status: 204 })
}

/** `POST /files/upload_sessions/:id/log`: telemetry of Box's web uploader (which logs failures too), accepted and ignored. */
export const log = async (ctx: Ctx, id: string): Promise<Response> => {
  findSession(ctx, id, ['committed', 'failed'])
  await ctx.request.body?.cancel().catch(() => undefined)
  return json(200, {})
}
