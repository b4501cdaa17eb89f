/**
 * Part routes: upload a part (`PUT`, protocol §3.4, §6.3, gotchas 3-8, 22) and list parts (§3.5).
 *
 * Choices where Box is silent (documented in the README): every `Content-Range` problem is
 * `416 invalid_content_range`; a body whose length differs from the range is
 * `400 request_size_mismatch`; a missing `Digest` is `400 missing_digest`, an unreadable one
 * `400 invalid_digest`; `sha-256=` is accepted besides `sha=` (Box's web uploader sent it until
 * 2024, protocol §3.4, gotcha 4), and a wrong one is `400 digest_mismatch` like a wrong SHA-1.
 *
 * Two uploads of one part at once (a client's retry of a try that got no answer, its body stalled on a dead
 * link), where Box is silent: Box takes each request as a new one, and a stored part is never replaced. So a
 * body still arriving holds nothing: a new upload of its part goes ahead, however long the earlier body's
 * bytes keep it waiting (up to the Node adapter's `bodyIdleTimeoutMs`, or for ever in-process); of the two,
 * the first stored stays and the other is answered `416 range_overlaps_existing_part` with it, and a body
 * that never arrives whole stores nothing. Only the emulator's own wait holds a part: a new upload arriving
 * while another of it waits out a `slow` fault (Box still storing it) is refused `409 conflict`, which a
 * client retries.
 */
import { fail } from './BoxError.ts'
import * as ContentRange from './ContentRange.ts'
import * as Digest from './Digest.ts'
import { sleep } from './Faults.ts'
import { injected } from './Injected.ts'
import { copy, json } from './Http.ts'
import { readPart } from './PartBody.ts'
import { resetError } from './Reset.ts'
import { openSession, refuseExpired, uploadFailed, type Ctx } from './Sessions.ts'
import { toBase64, toHex } from './Sha1.ts'
import { absorb, dropParts, partsInOrder, randomHex, waits, type Chunks, type Session, type StoredPart } from './Store.ts'

/** The `UploadPart` JSON of a stored part. */
export const partJson = (p: StoredPart) => ({ part_id: p.part_id, offset: p.offset, size: p.size, sha1: p.sha1 })

const checkedRange = (s: Session, header: string | null): ContentRange.ContentRange => {
  const parsed = ContentRange.parse(header)
  const range = ContentRange.isProblem(parsed) ? parsed : ContentRange.check({ fileSize: s.fileSize, partSize: s.partSize })(parsed)
  if (ContentRange.isProblem(range)) {
    throw fail(416, 'invalid_content_range', ContentRange.describe(range), {
      content_range: header?.slice(0, 100) ?? null, part_size: s.partSize, file_size: s.fileSize,
    })
  }
  return range
}

/** A part's claimed digest: SHA-1, or SHA-256 (what Box's web uploader sent until 2024, protocol §3.4). */
type Claimed = Extract<Digest.ParsedDigest, { readonly bytes: Uint8Array }>

const checkedDigest = (header: string | null): Claimed => {
  const d = Digest.parse(header)
  if (d._tag === 'Missing') throw fail(400, 'missing_digest', 'Digest header is required: "sha=<base64 SHA-1 of the part>"')
  if (d._tag === 'Invalid') throw fail(400, 'invalid_digest', `Digest header is unreadable: ${d.reason}`)
  if (d._tag === 'Sha256' && !Digest.hasSubtle()) {
    throw fail(400, 'invalid_digest', 'sha-256 part digests need crypto.subtle, which this runtime lacks (an insecure browser context): send "sha=<base64 SHA-1>"')
  }
  return d
}

/** The digest of the part's bytes in the claimed algorithm (the SHA-1 is computed anyway, for `sha1`). */
const actualDigest = (claimed: Claimed, sha1: Uint8Array, chunks: Chunks, length: number): Promise<Uint8Array> | Uint8Array =>
  claimed._tag === 'Sha1' ? sha1 : Digest.subtle('SHA-256', chunks, length)

const sizeMismatch = (expected: number, received: number, tooLong: boolean) =>
  fail(400, 'request_size_mismatch', tooLong
    ? `Body is longer than the ${expected} bytes of its Content-Range; the emulator stopped reading`
    : `Body has ${received} bytes; its Content-Range declares ${expected}`)

/**
 * Stores a validated part (synchronously, so no other upload interleaves). Bytes that must be kept
 * ('memory' storage, or a part waiting for the whole-file hash to reach it) are copied only when
 * they are the caller's; a part at the hash's prefix in 'digest' storage is hashed and dropped.
 */
const store = (ctx: Ctx, s: Session, range: ContentRange.ContentRange, chunks: Chunks, length: number, sha1: Uint8Array): StoredPart => {
  const keep = (): Chunks => (ctx.config.ownsBodies ? chunks : [copy(chunks, length)])
  const kept = ctx.config.storage === 'memory' ? keep() : undefined
  const part: StoredPart = {
    part_id: randomHex(4),
    offset: range.first,
    size: length,
    sha1: toHex(sha1),
    storedAt: ctx.config.clock(),
    ...(kept ? { chunks: kept } : {}),
  }
  s.parts.set(range.first / s.partSize, part)
  absorb(s.whole, range.first, kept ?? (waits(s.whole, range.first) ? keep() : chunks), length)
  return part
}

const overlaps = (stored: StoredPart) =>
  fail(416, 'range_overlaps_existing_part', 'Part overlaps a part already uploaded; parts cannot be replaced', { conflicting_part: partJson(stored) })

/** A `slow` fault's wait, part `index` held meanwhile (`Session.busy`). */
const slowly = async (ctx: Ctx, s: Session, index: number): Promise<void> => {
  s.busy.add(index)
  try {
    await sleep(ctx.config.slowMs, ctx.request.signal)
  } finally {
    s.busy.delete(index)
  }
}

/** `PUT /files/upload_sessions/:id`: uploads one part. */
export const uploadPart = async (ctx: Ctx, id: string): Promise<Response> => {
  const { request, config } = ctx
  const s = openSession(ctx, id)
  const range = checkedRange(s, request.headers.get('content-range'))
  const claimed = checkedDigest(request.headers.get('digest'))
  const index = range.first / s.partSize
  const expected = range.last - range.first + 1
  const stored = s.parts.get(index)
  if (stored) throw overlaps(stored)
  if (s.busy.has(index)) throw fail(409, 'conflict', `Part at offset ${range.first} is being uploaded by another request`)
  const length = request.headers.get('content-length')
  // No length and no body at all (neither Content-Length nor chunked): Box's 411 (protocol §5). A body of
  // unknown length (chunked, or a stream in-process) is taken, as Box takes TS-GEN's chunked parts (§3.4).
  if (length === null && request.body === null) throw fail(411, 'length_required', 'Content-Length header was required, but not provided')
  if (length !== null && Number(length) !== expected) throw sizeMismatch(expected, Number(length), Number(length) > expected)

  const attempt = (s.attempts.get(index) ?? 0) + 1
  s.attempts.set(index, attempt)
  const fault = config.faultPlan(s.faultKey, index, attempt)
  // Every fault drawn here shapes the answer (a refusal, a wait, a reset, a 500), but `reset` and `error_after`
  // only once the body is read and checked: an answer that came first (a wrong digest) was not theirs.
  if (fault !== undefined && fault !== 'reset' && fault !== 'error_after') injected(request, fault)
  const retryAfter = { 'retry-after': String(config.retryAfterSeconds) }
  if (fault === 'rate_limit') throw fail(429, 'rate_limit_exceeded', 'Request rate limit exceeded, please try again later (injected fault)', undefined, retryAfter)
  if (fault === 'unavailable_before') throw fail(503, 'unavailable', 'Service unavailable (injected fault); the part was not stored', undefined, retryAfter)
  if (fault === 'error_before') throw fail(500, 'internal_server_error', 'Internal server error (injected fault); the part was not stored')

  if (fault === 'slow') await slowly(ctx, s, index)
  // The wait for the client's bytes holds nothing (see the top): a retry of a stalled body is taken meanwhile.
  const body = await readPart(request.body, expected, fault === 'reset' ? Math.max(1, Math.floor(expected / 2)) : Infinity)
  if (body._tag === 'Stopped') {
    if (fault === 'reset') injected(request, fault)
    throw resetError()
  }
  if (body._tag === 'WrongLength') throw sizeMismatch(expected, body.received, body.tooLong)
  const sha1 = await config.partDigest(body.chunks, body.length)
  const actual = await actualDigest(claimed, sha1, body.chunks, body.length)
  if (!Digest.equal(claimed.bytes, actual)) {
    const [exp, act] = [toBase64(claimed.bytes), toBase64(actual)]
    throw fail(400, 'digest_mismatch', `Part digest was incorrect. Actual: ${act} Expected: ${exp}`, { expected: exp, actual: act })
  }
  if (s.state === 'failed') throw uploadFailed(ctx, s)
  refuseExpired(ctx, s)
  if (s.state !== 'open') throw fail(404, 'not_found', `Upload session ${s.id} was ${s.state} during the upload`)
  // Another upload of the part whose body arrived whole first was stored meanwhile: it stays.
  const first = s.parts.get(index)
  if (first) throw overlaps(first)
  const part = store(ctx, s, range, body.chunks, body.length, sha1)
  if (s.parts.size >= config.uploadFailedAfterParts) {
    s.state = 'failed'
    // Every use of it but DELETE and log is 410 from now on: nothing reads its parts again.
    dropParts(s)
  }
  if (fault === 'error_after') {
    injected(request, fault)
    throw fail(500, 'internal_server_error', 'Internal server error (injected fault)')
  }
  return json(200, { part: partJson(part) })
}

const intParam = (url: URL, name: string, fallback: number): number => {
  const raw = url.searchParams.get(name)
  if (raw === null || raw === '') return fallback
  if (!/^\d+$/.test(raw)) throw fail(400, 'bad_request', `${name} must be a non-negative integer`)
  // Any number of digits: a huge `limit` is capped and a huge `offset` refused by the caller, not taken as malformed.
  return Number(raw)
}

/**
 * `GET /files/upload_sessions/:id/parts?offset&limit`: stored parts in offset order. `offset` is an
 * item index (over 10000: `400 bad_request`); `limit` defaults to and is capped at 1000 (as OAS's
 * pagination says, "the same as the limit query parameter unless that value exceeded the maximum").
 * `total_count` is always `total_parts` (the legacy swagger's meaning; protocol §3.5).
 */
export const listParts = (ctx: Ctx, id: string): Response => {
  const s = openSession(ctx, id)
  const url = new URL(ctx.request.url)
  const offset = intParam(url, 'offset', 0)
  if (offset > 10000) throw fail(400, 'bad_request', 'offset must not exceed 10000')
  const limit = Math.min(1000, intParam(url, 'limit', 1000))
  if (limit < 1) throw fail(400, 'bad_request', 'limit must be at least 1')
  const entries = partsInOrder(s).slice(offset, offset + limit).map(partJson)
  return json(200, { total_count: s.totalParts, limit, offset, order: [{ by: 'offset', direction: 'ASC' }], entries })
}
