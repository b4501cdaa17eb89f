import * as E from 'fp-ts/lib/Either.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { chunker } from '../src/Chunker.ts'
import { client } from '../src/Client.ts'
import type { Part } from '../src/Part.ts'
import { matches, uploadPart } from '../src/PartUpload.ts'
import { type Session, createSession, listParts } from '../src/Session.ts'
import { bytesOf, fastRetry, sourceOf, type TestBox, TOKEN, uniqueName, withBox, recorded, eventually, within } from './helpers/upload.ts'

/** The parts of `bytes` as the chunker cuts them for `session` (released never: tests read them again). */
const partsOf = async (session: Session, bytes: Uint8Array): Promise<ReadonlyArray<Part>> => {
  const parts: Array<Part> = []
  await sourceOf(bytes).pipeThrough(chunker({ partSize: session.partSize, fileSize: session.fileSize })).pipeTo(new WritableStream({ write: (part) => { parts.push({ ...part, bytes: part.bytes.slice() }) } }))
  return parts
}

const sessionFor = async (box: TestBox, fileSize: number): Promise<Session> => {
  const result = await createSession(box.client)({ folderId: '0', fileName: uniqueName('part'), fileSize })()
  if (E.isLeft(result)) throw new Error(JSON.stringify(result.left))
  return result.right
}

const puts = (box: TestBox) => box.records.filter((r) => r.method === 'PUT')

/** A client whose part uploads the emulator takes (it stores the part), but that sees `answer()` instead of the echo. */
const storedButAnswered = (box: TestBox, answer: () => Response) =>
  client({ token: TOKEN, uploadUrl: box.emulator.url, apiUrl: box.emulator.apiUrl, fetch: async (input, init) => {
    const response = await fetch(input, init)
    if (init?.method !== 'PUT') return response
    await response.arrayBuffer()
    return answer()
  } })

const UploadPart = suite('uploadPart')

UploadPart('should upload a part and resolve to the part Box stored', withBox({ partSize: 1024 }, async (box) => {
  const session = await sessionFor(box, 2500)
  const parts = await partsOf(session, bytesOf(2500))
  const uploaded = []
  for (const part of parts) {
    const result = await uploadPart(box.client, session, { retry: fastRetry })(part)()
    assert.ok(E.isRight(result), JSON.stringify(result))
    if (E.isRight(result)) {
      assert.equal({ offset: result.right.offset, size: result.right.size, sha1: result.right.sha1 }, { offset: part.offset, size: part.size, sha1: part.sha1Hex })
      uploaded.push(result.right)
    }
  }
  assert.equal(await listParts(box.client)(session)(), E.right(uploaded))
  await recorded(box)
  assert.is(puts(box).length, 3)
}))

UploadPart('should send a part as application/octet-stream with its Content-Range and Digest', withBox({ partSize: 1024 }, async (box) => {
  const session = await sessionFor(box, 2500)
  const [, second] = await partsOf(session, bytesOf(2500))
  const seen: Array<Headers> = []
  const capturing: typeof fetch = (input, init) => {
    seen.push(new Headers(init?.headers))
    return fetch(input, init)
  }
  const recording = client({ token: TOKEN, uploadUrl: box.emulator.url, apiUrl: box.emulator.apiUrl, fetch: capturing })
  const result = await uploadPart(recording, session, { retry: fastRetry })(second!)()
  assert.ok(E.isRight(result), JSON.stringify(result))
  assert.is(seen.length, 1)
  assert.is(seen[0]!.get('content-type'), 'application/octet-stream')
  assert.is(seen[0]!.get('content-range'), 'bytes 1024-2047/2500')
  assert.is(seen[0]!.get('digest'), `sha=${second!.sha1}`)
}))

UploadPart('should fail with DigestMismatch when Box echoes another SHA-1 than ours', withBox({ partSize: 1024 }, async (box) => {
  const session = await sessionFor(box, 1024)
  const [part] = await partsOf(session, bytesOf(1024))
  const result = await uploadPart(box.client, session, { retry: fastRetry })({ ...part!, sha1Hex: '0'.repeat(40) })()
  assert.ok(E.isLeft(result) && result.left._tag === 'DigestMismatch', JSON.stringify(result))
}))

// The emulator never echoes another part than it stored, so the check of each field is tested on
// its own here, on the pure function every echo, 416 and listed part goes through.
UploadPart('matches: should take Box\'s part only with our offset, size and SHA-1 (hex in either case)', async () => {
  const parts = await partsOf({ partSize: 1024, fileSize: 2500 } as Session, bytesOf(2500))
  const part = parts[1]!
  const stored = { part_id: 'ABCD0123', offset: part.offset, size: part.size, sha1: part.sha1Hex }
  assert.equal(matches(part)(stored), E.right(stored))
  assert.equal(matches(part)({ ...stored, sha1: part.sha1Hex.toUpperCase() }), E.right({ ...stored, sha1: part.sha1Hex.toUpperCase() }))
  const wrong = { offset: { offset: part.offset + 1024 }, size: { size: part.size - 1 }, sha1: { sha1: parts[0]!.sha1Hex } }
  for (const [field, change] of Object.entries(wrong)) {
    const result = matches(part)({ ...stored, ...change })
    assert.ok(E.isLeft(result) && result.left._tag === 'DigestMismatch', `a stored part with another ${field} was taken: ${JSON.stringify(result)}`)
  }
  // Any string may come as a SHA-1: a long one is a mismatch too, not a RangeError from turning it to
  // base64, and one that starts with ours is not shown as ours.
  const long = matches(part)({ ...stored, sha1: 'ab'.repeat(300_000) })
  assert.ok(E.isLeft(long) && long.left._tag === 'DigestMismatch' && long.left.actual === 'ab'.repeat(20), JSON.stringify(long).slice(0, 300))
  const longer = matches(part)({ ...stored, sha1: `${part.sha1Hex}00` })
  assert.ok(E.isLeft(longer) && longer.left._tag === 'DigestMismatch' && longer.left.actual !== longer.left.expected, JSON.stringify(longer))
})

UploadPart('should list the parts after a 500 that stored the part, and not send it again', withBox({ partSize: 1024, faults: { script: [{ part: 0, fault: 'error_after' }] } }, async (box) => {
  const session = await sessionFor(box, 1024)
  const [part] = await partsOf(session, bytesOf(1024))
  const result = await uploadPart(box.client, session, { retry: fastRetry })(part!)()
  assert.ok(E.isRight(result) && result.right.sha1 === part!.sha1Hex)
  await recorded(box)
  assert.equal(puts(box).map((r) => r.status), [500])
  assert.ok(box.records.some((r) => r.method === 'GET' && r.path.includes('/parts')))
}))

// Any 5xx, 507 (insufficient storage) included: whatever the status says, the listing settles it.
UploadPart('should list the parts after a 507 that stored the part anyway, and take the stored one', withBox({ partSize: 1024 }, async (box) => {
  const session = await sessionFor(box, 1024)
  const [part] = await partsOf(session, bytesOf(1024))
  // The emulator stores the part; the answer the client sees is a 507.
  const storedBut507 = storedButAnswered(box, () => new Response(JSON.stringify({ type: 'error', status: 507, code: 'insufficient_storage' }), { status: 507, headers: { 'content-type': 'application/json' } }))
  const result = await uploadPart(storedBut507, session, { retry: fastRetry })(part!)()
  assert.ok(E.isRight(result) && result.right.sha1 === part!.sha1Hex, JSON.stringify(result))
  await recorded(box)
  assert.is(puts(box).length, 1, 'not sent again')
}))

// The 409 of a request storing the same range: ours, unanswered, may have stored it by now.
UploadPart('should list the parts after a 409 and take ours stored there, with no retry left', withBox({ partSize: 1024 }, async (box) => {
  const session = await sessionFor(box, 1024)
  const [part] = await partsOf(session, bytesOf(1024))
  // The emulator stores the part; the answer the client sees is a 409.
  const storedBut409 = storedButAnswered(box, () => Response.json({ type: 'error', status: 409, code: 'conflict', message: 'Part at offset 0 is being uploaded by another request' }, { status: 409 }))
  const result = await uploadPart(storedBut409, session, { retry: { ...fastRetry, retries: 0 } })(part!)()
  assert.ok(E.isRight(result) && result.right.sha1 === part!.sha1Hex, JSON.stringify(result))
  await recorded(box)
  assert.is(puts(box).length, 1, 'not sent again')
}))

// The listing only settles whether Box holds the part: its own failure is not the attempt's.
UploadPart('should retry a 500 whose listing of the parts was refused, as the 500 it is', withBox({ partSize: 1024, faults: { script: [{ part: 0, attempt: 1, fault: 'error_before' }] } }, async (box) => {
  const session = await sessionFor(box, 1024)
  const [part] = await partsOf(session, bytesOf(1024))
  const refusingList = client({ token: TOKEN, uploadUrl: box.emulator.url, apiUrl: box.emulator.apiUrl, fetch: (input, init) =>
    String(input).includes('/parts?')
      ? Promise.resolve(Response.json({ type: 'error', status: 403, code: 'access_denied_insufficient_permissions', message: 'no' }, { status: 403 }))
      : fetch(input, init) })
  const result = await uploadPart(refusingList, session, { retry: fastRetry })(part!)()
  assert.ok(E.isRight(result) && result.right.sha1 === part!.sha1Hex, JSON.stringify(result))
  await recorded(box)
  // Outside Node records may come out of order: compared sorted.
  assert.equal(puts(box).map((r) => r.status).sort(), [200, 500])
}))

UploadPart('should retry 429, 503, 500 and resets, then succeed', withBox({
    partSize: 1024,
    faults: { script: [{ part: 0, attempt: 1, fault: 'rate_limit' }, { part: 0, attempt: 2, fault: 'unavailable_before' }, { part: 0, attempt: 3, fault: 'error_before' }, { part: 0, attempt: 4, fault: 'reset' }] },
  }, async (box) => {
  const session = await sessionFor(box, 1024)
  const [part] = await partsOf(session, bytesOf(1024))
  const result = await uploadPart(box.client, session, { retry: fastRetry })(part!)()
  assert.ok(E.isRight(result), JSON.stringify(result))
  await eventually(() => puts(box).length === 5)
  // Outside Node records may come out of order: compare the statuses as a set.
  assert.equal(puts(box).map((r) => r.status).filter((status) => status === 200).length, 1)
  assert.is(puts(box).length, 5)
}))

UploadPart('should cancel an attempt that takes longer than timeoutMs, and wait out the 409 of its request still being stored', withBox({ partSize: 1024, faults: { script: [{ part: 0, attempt: 1, fault: 'slow' }], slowMs: 400 } }, async (box) => {
  const session = await sessionFor(box, 1024)
  const [part] = await partsOf(session, bytesOf(1024))
  const started = Date.now()
  // The 409s last until the slow try is stored (400 ms, later on a loaded machine), each try after a backoff of 0 to
  // 200 ms: under two CPU hogs that took 3 to 6 of 10 retries (measured); a run of short draws could spend them all.
  const result = await uploadPart(box.client, session, { retry: { retries: 30, baseDelayMs: 50, maxDelayMs: 200, timeoutMs: 100 } })(part!)()
  assert.ok(E.isRight(result) && result.right.sha1 === part!.sha1Hex, JSON.stringify(result))
  assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`)
  assert.ok(box.sent.filter((r) => r.method === 'PUT').length >= 2)
}))

UploadPart('should wait out the 409 of another request storing the same part (an earlier upload being resumed), then take its part', withBox({ partSize: 1024, faults: { script: [{ part: 0, attempt: 1, fault: 'slow' }], slowMs: 400 } }, async (box) => {
  const session = await sessionFor(box, 1024)
  const [part] = await partsOf(session, bytesOf(1024))
  const slow = uploadPart(box.client, session, { retry: fastRetry })(part!)()
  await eventually(() => box.sent.filter((r) => r.method === 'PUT').length === 1)
  await new Promise((resolve) => setTimeout(resolve, 50))
  const second = await uploadPart(box.client, session, { retry: { retries: 10, baseDelayMs: 50, maxDelayMs: 200 } })(part!)()
  assert.ok(E.isRight(second) && second.right.sha1 === part!.sha1Hex, JSON.stringify(second))
  assert.ok(E.isRight(await slow))
  await recorded(box)
  assert.ok(box.records.some((r) => r.method === 'PUT' && r.status === 409), 'the second call met the first one storing the part')
  assert.is(box.records.filter((r) => r.method === 'PUT' && r.status === 200).length, 1, 'stored once')
}))

UploadPart('should give up after the retries with the last error', withBox({ partSize: 1024, faults: { script: [1, 2, 3].map((attempt) => ({ part: 0, attempt, fault: 'error_before' as const })) } }, async (box) => {
  const session = await sessionFor(box, 1024)
  const [part] = await partsOf(session, bytesOf(1024))
  const result = await uploadPart(box.client, session, { retry: { ...fastRetry, retries: 2 } })(part!)()
  assert.ok(E.isLeft(result) && result.left._tag === 'HttpError' && result.left.status === 500, JSON.stringify(result))
  await recorded(box)
  assert.is(puts(box).length, 3)
}))

UploadPart('should count a 416 overlap with our own stored part as success, and not one with other bytes', withBox({ partSize: 1024 }, async (box) => {
  const session = await sessionFor(box, 2048)
  const [part] = await partsOf(session, bytesOf(2048, 1))
  const [other] = await partsOf(session, bytesOf(2048, 2))
  const send = uploadPart(box.client, session, { retry: fastRetry })
  const first = await send(part!)()
  assert.ok(E.isRight(first))
  assert.equal(await send(part!)(), first)
  const clash = await send(other!)()
  assert.ok(E.isLeft(clash) && clash.left._tag === 'HttpError' && clash.left.status === 416, JSON.stringify(clash))
  await eventually(() => puts(box).length === 3)
  assert.equal(puts(box).map((r) => r.status).sort(), [200, 416, 416])
}))

UploadPart('should ask the token function again after a 401, once', withBox({ partSize: 1024 }, async (box) => {
  const session = await sessionFor(box, 1024)
  const [part] = await partsOf(session, bytesOf(1024))
  const tokens = ['expired', TOKEN]
  let asked = 0
  const refreshing = client({ token: async () => tokens[Math.min(asked++, 1)]!, uploadUrl: box.emulator.url, apiUrl: box.emulator.apiUrl })
  const result = await uploadPart(refreshing, session, { retry: fastRetry })(part!)()
  assert.ok(E.isRight(result), JSON.stringify(result))
  assert.is(asked, 2)
  await eventually(() => puts(box).length === 2)
  assert.equal(puts(box).map((r) => r.status), [401, 200])
  const stuck = client({ token: async () => 'expired', uploadUrl: box.emulator.url, apiUrl: box.emulator.apiUrl })
  // Bounded: a retry that reauthorized after every 401 would never end.
  const refused = await within(5000, 'a part whose token Box keeps refusing', uploadPart(stuck, session, { retry: fastRetry })(part!)())
  assert.ok(E.isLeft(refused) && refused.left._tag === 'HttpError' && refused.left.status === 401)
  await eventually(() => puts(box).length === 4)
  assert.equal(puts(box).map((r) => r.status), [401, 200, 401, 401])
}))

UploadPart.run()
