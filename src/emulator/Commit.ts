/**
 * `POST /files/upload_sessions/:id/commit` (protocol §3.6, §7, gotchas 9-12, 18, 21).
 *
 * Order of checks: session (404/403/410 `upload_failed` or `session_expired`) → `If-Match`, then `If-None-Match` (412) →
 * `Digest` header (400) → JSON body →
 * `parts` (400 `invalid_parts`: shape, ascending order, no gaps, cover the file, each equal to a
 * stored part) → still processing or `faults.commitAccepted` (202, `Retry-After`, empty body) →
 * whole-file digest (400 `digest_mismatch`) → name clash (409 `item_name_in_use`) → 201.
 * A repeated commit of a committed session answers 201 with the file again (idempotent retry).
 * `faults.commitFaults` replaces the n-th answer: a 500 before the commit is applied, or a 500 or a
 * reset after it was.
 */
import { type Fail, fail } from './BoxError.ts'
import * as Digest from './Digest.ts'
import { fileFull, fileMini } from './Files.ts'
import { json, readJson } from './Http.ts'
import type { CommitFault } from './Options.ts'
import { injected } from './Injected.ts'
import { resetError } from './Reset.ts'
import { findSession, refuseExpired, uploadFailed, type Ctx } from './Sessions.ts'
import { toBase64, toHex } from './Sha1.ts'
import { end, fileNamed, isLive, partsInOrder, wholeDigest, type Session, type StoredFile } from './Store.ts'

const invalidParts = (message: string, context?: Record<string, unknown>) => fail(400, 'invalid_parts', message, context)

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0

/**
 * What differs between a commit entry and the part stored at its offset, each said with both values, so that a
 * client sees which field it got wrong (often `sha1` sent as base64, as its `Digest` was, not as the hex the
 * part upload answered). Quoted values are cut at 64 characters: an entry is the caller's text.
 */
const differences = (stored: { readonly part_id: string; readonly size: number; readonly sha1: string }, e: Record<string, unknown>): ReadonlyArray<string> => {
  const quoted = (v: unknown): string => JSON.stringify(String(v).slice(0, 64))
  const sha1 = e['sha1']
  return [
    ...(e['part_id'] === stored.part_id ? [] : [`part_id ${quoted(e['part_id'])} is not the stored part's ${quoted(stored.part_id)}`]),
    ...(e['size'] === stored.size ? [] : [`size ${String(e['size'])} is not the stored part's ${stored.size}`]),
    ...(typeof sha1 !== 'string' || sha1.toLowerCase() === stored.sha1 ? []
      : [`sha1 ${quoted(sha1)} is not the stored part's ${quoted(stored.sha1)} (the hex SHA-1 its upload answered)`]),
  ]
}

/** Checks the commit's `parts` against the session: every part, in order, exactly as stored. */
const checkParts = (s: Session, parts: unknown): void => {
  if (!Array.isArray(parts)) throw invalidParts('parts is required: the array of every uploaded part, ordered by offset')
  let next = 0
  parts.forEach((p: unknown, i) => {
    const e = (typeof p === 'object' && p !== null ? p : {}) as Record<string, unknown>
    if (typeof e['part_id'] !== 'string' || !isInt(e['offset']) || !isInt(e['size']) || (e['sha1'] !== undefined && typeof e['sha1'] !== 'string')) {
      throw invalidParts(`parts[${i}] must be {part_id: string, offset: integer, size: integer, sha1?: string}`)
    }
    if (e['offset'] !== next) {
      throw invalidParts(`parts[${i}] has offset ${e['offset']}; expected ${next}: parts must be ordered by offset and leave no gaps`)
    }
    const stored = s.parts.get(e['offset'] / s.partSize)
    if (!stored || stored.offset !== e['offset']) throw invalidParts(`parts[${i}] (offset ${e['offset']}) was never uploaded`)
    const differ = differences(stored, e)
    if (differ.length > 0) {
      throw invalidParts(`parts[${i}] does not match the part stored at offset ${stored.offset}: ${differ.join('; ')}`, {
        stored_part: { part_id: stored.part_id, offset: stored.offset, size: stored.size, sha1: stored.sha1 },
      })
    }
    next += stored.size
  })
  if (next !== s.fileSize) throw invalidParts(`parts cover ${next} bytes of the ${s.fileSize}-byte file`)
}

/**
 * An `If-Match` entity tag, unquoted, or `undefined` for a weak one (`W/"…"`), which never matches:
 * `If-Match` compares strongly (RFC 9110 §13.1.1). Bare tags are taken too (`1` for `"1"`).
 */
const strongTag = (etag: string): string | undefined => {
  const tag = etag.trim()
  return tag.startsWith('W/') ? undefined : tag.replace(/^"(.*)"$/, '$1')
}

/** An entity tag, unquoted, with any weak prefix dropped: `If-None-Match` compares weakly (RFC 9110 §13.1.2). */
const weakTag = (etag: string): string => strongTag(etag.trim().replace(/^W\//, '')) ?? ''

/**
 * Whether a new-version commit's preconditions hold for the file it updates (RFC 9110 §13.2.2
 * order: `If-Match` first). Box's OpenAPI answers a failed `If-None-Match` with 412 in its list of
 * responses (its parameter text says 304, which RFC 9110 keeps for GET and HEAD), so both fail with 412.
 */
const checkPreconditions = (request: Request, target: StoredFile | undefined): void => {
  if (!target) return
  const etag = String(target.etag)
  const ifMatch = request.headers.get('if-match')
  if (ifMatch !== null && ifMatch.trim() !== '*' && !ifMatch.split(',').some((e) => strongTag(e) === etag)) {
    throw fail(412, 'precondition_failed', `If-Match ${ifMatch.slice(0, 64)} does not match the file's etag "${etag}"`)
  }
  const ifNoneMatch = request.headers.get('if-none-match')
  if (ifNoneMatch !== null && (ifNoneMatch.trim() === '*' || ifNoneMatch.split(',').some((e) => weakTag(e) === etag))) {
    throw fail(412, 'precondition_failed', `If-None-Match ${ifNoneMatch.slice(0, 64)} matches the file's etag "${etag}"`)
  }
}

/** The commit `attributes` the emulator applies to the file. */
interface Attributes {
  readonly content_modified_at?: string
  readonly content_created_at?: string
  readonly description?: string
}

/**
 * RFC 3339 `date-time` (OAS: `format: date-time`): a date, a time and an offset. Without the offset
 * (`2024-01-01T00:00:00`) `Date.parse` reads local time, so the stored date would depend on the
 * machine's time zone; other forms it takes (`Jan 2 2024`) are not RFC 3339 at all.
 */
const rfc3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|([+-])(\d{2}):(\d{2}))$/

/**
 * The instant an RFC 3339 date-time names, or `undefined`. Fields out of range are refused, where
 * `Date.parse` would roll them over (`2024-02-31` as March 2nd, `24:00` as the next day); a leap
 * second (`:60`) is the next second's start, as most systems take it.
 */
const instant = (text: string): number | undefined => {
  const m = rfc3339.exec(text)
  if (!m) return undefined
  const [year, month, day, hour, minute, second, offsetHours, offsetMinutes] = [1, 2, 3, 4, 5, 6, 10, 11].map((i) => Number(m[i] ?? 0)) as [number, number, number, number, number, number, number, number]
  const daysInMonth = new Date(utc(year, month, 0)).getUTCDate()
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 60 || offsetHours > 23 || offsetMinutes > 59) return undefined
  const offset = (m[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000
  return utc(year, month - 1, day, hour, minute, second) - offset
}

/** `Date.UTC` for every year RFC 3339 has (0000–9999): `Date.UTC` itself takes years 0–99 as 1900–1999. */
const utc = (year: number, monthIndex: number, day: number, hour = 0, minute = 0, second = 0): number => {
  const date = new Date(0)
  date.setUTCFullYear(year, monthIndex, day)
  date.setUTCHours(hour, minute, second, 0)
  return date.getTime()
}

const parseAttributes = (attributes: unknown): Attributes => {
  if (attributes === undefined || attributes === null) return {}
  if (typeof attributes !== 'object' || Array.isArray(attributes)) throw fail(400, 'bad_request', 'attributes must be an object')
  const a = attributes as Record<string, unknown>
  const out: { -readonly [K in keyof Attributes]: Attributes[K] } = {}
  for (const key of ['content_modified_at', 'content_created_at'] as const) {
    const v = a[key]
    if (v === undefined) continue
    const at = typeof v === 'string' ? instant(v) : undefined
    if (at === undefined) {
      throw fail(400, 'bad_request', `attributes.${key} must be an RFC 3339 date-time with an offset, e.g. 2024-01-02T03:04:05Z or 2024-01-02T03:04:05-08:00`)
    }
    out[key] = new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z')
  }
  if (a['description'] !== undefined) {
    if (typeof a['description'] !== 'string') throw fail(400, 'bad_request', 'attributes.description must be a string')
    out.description = a['description'].slice(0, 255)
  }
  return out
}

const filesCollection = (ctx: Ctx, f: StoredFile): Response =>
  json(201, { total_count: 1, entries: [fileFull(f)] }, { etag: `"${f.etag}"` })

/** Creates the file, or the new version of the session's file, from the session's parts. */
const commitFile = (ctx: Ctx, s: Session, sha1: string, attributes: Attributes): StoredFile => {
  const { store, config } = ctx
  const now = config.clock()
  const content = config.storage === 'memory' ? partsInOrder(s).flatMap((p) => p.chunks ?? []) : undefined
  const existing = s.fileId ? store.files.get(s.fileId) : undefined
  const f: StoredFile = existing ?? {
    id: String(store.nextFileId++), name: s.fileName ?? '', folderId: s.folderId, size: s.fileSize, sha1, etag: 0,
    versionId: String(store.nextVersionId++), owner: s.user, createdAt: now, modifiedAt: now,
    contentCreatedAt: null, contentModifiedAt: null, description: '',
  }
  if (existing) {
    Object.assign(existing, { name: s.fileName ?? existing.name, size: s.fileSize, sha1, etag: existing.etag + 1, versionId: String(store.nextVersionId++), modifiedAt: now, contentModifiedAt: null })
  }
  if (content) f.content = content
  else delete f.content
  if (attributes.content_modified_at !== undefined) f.contentModifiedAt = attributes.content_modified_at
  if (attributes.content_created_at !== undefined) f.contentCreatedAt = attributes.content_created_at
  if (attributes.description !== undefined) f.description = attributes.description
  store.files.set(f.id, f)
  return f
}

/** The answer an injected commit fault gives `request` instead of the real one (`applied`: the file exists). */
const faulted = (request: Request, fault: CommitFault, applied: boolean): Fail | TypeError => {
  injected(request, fault)
  return fault === 'reset_after'
    ? resetError()
    : fail(500, 'internal_server_error', `Internal server error (injected fault); the commit ${applied ? 'WAS' : 'was not'} applied`)
}

/** `POST /files/upload_sessions/:id/commit`. */
export const commit = async (ctx: Ctx, id: string): Promise<Response> => {
  const { request, config, store } = ctx
  const found = findSession(ctx, id, ['committed'])
  const fault = config.commitFaults[found.commits++] ?? null
  const committed = (fileId: string) => {
    if (fault !== null) throw faulted(request, fault, true)
    return filesCollection(ctx, store.files.get(fileId)!)
  }
  if (!isLive(found)) {
    await request.body?.cancel().catch(() => undefined)
    return committed(found.committedFileId)
  }
  const s = found
  if (fault === 'error_before') throw faulted(request, fault, false)
  const preconditions = () => checkPreconditions(request, s.fileId ? store.files.get(s.fileId) : undefined)
  preconditions()
  const claimed = Digest.parse(request.headers.get('digest'))
  if (claimed._tag === 'Missing') throw fail(400, 'missing_digest', 'Digest header is required: "sha=<base64 SHA-1 of the whole file>"')
  if (claimed._tag === 'Invalid') throw fail(400, 'invalid_digest', `Digest header is unreadable: ${claimed.reason}`)
  // Box documents only SHA-1 for the whole file, and no client is known to have sent another.
  if (claimed._tag === 'Sha256') {
    throw fail(400, 'invalid_digest', 'The whole-file Digest must be SHA-1: "sha=<base64 SHA-1 of the whole file>"; sha-256 is accepted only for parts')
  }
  const body = await readJson(request)
  // The body read awaited: another request may have committed or aborted the session meanwhile.
  const state = s.state as Session['state']
  if (state === 'committed') return committed(s.committedFileId!)
  if (state === 'aborted') throw fail(404, 'not_found', `Upload session ${s.id} not found`)
  if (state === 'failed') throw uploadFailed(ctx, s)
  refuseExpired(ctx, s)
  // Again: another session may have committed a version of the file while this body was read.
  preconditions()
  checkParts(s, body['parts'])
  const attributes = parseAttributes(body['attributes'])

  const now = config.clock()
  const processing = [...s.parts.values()].some((p) => p.storedAt + config.processingDelayMs > now)
  if (processing || s.commitAccepted > 0) {
    if (!processing) s.commitAccepted--
    // This request's fault takes the 202's place (the 202 counts as given): nothing was committed.
    if (fault !== null) throw faulted(request, fault, false)
    return new Response(null, { status: 202, headers: { 'retry-after': String(config.retryAfterSeconds) } })
  }
  const actual = wholeDigest(s.whole, s.fileSize)
  if (!actual) throw fail(500, 'internal_server_error', 'Emulator bug: the whole-file digest does not cover the file')
  if (!Digest.equal(claimed.bytes, actual)) {
    const [exp, act] = [claimed.base64, toBase64(actual)]
    throw fail(400, 'digest_mismatch', `File digest was incorrect. Actual: ${act} Expected: ${exp}`, { expected: exp, actual: act })
  }
  const clash = s.fileName === undefined ? undefined : fileNamed(store, s.user, s.folderId, s.fileName)
  if (clash && clash.id !== s.fileId) {
    throw fail(409, 'item_name_in_use', 'Item with the same name already exists', { conflicts: fileMini(clash) })
  }
  const f = commitFile(ctx, s, toHex(actual), attributes)
  s.committedFileId = f.id
  end(store, s, { state: 'committed', user: s.user, committedFileId: f.id, commits: s.commits })
  return committed(f.id)
}
