/** Fault injection (`faults` option; protocol §3.4 transient 500, §6.7, §10.22). */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { emulator } from '../../src/emulator/index.ts'
import type { EmulatorOptions, PartFault, RequestRecord } from '../../src/emulator/Options.ts'
import {
  SMALL, TOKEN, abort, assertBoxError, assertSameBytes, call, commit, contentRange, createVersionSession, download, listParts, openSession, partBytes,
  putPart, randomFile, sha1Base64, sleep, status, timed, uploadAll, withEmulator, type Part, type Session,
} from '../helpers/box.ts'
import { assertSchema } from '../helpers/openapi.ts'
import { faultsByAttempt } from '../helpers/faultRecords.ts'
import { exchange, streamRequest } from '../helpers/rawHttp.ts'
import type { RunningEmulator } from '../helpers/emulator.ts'

const storedOffsets = async (s: Session): Promise<ReadonlyArray<number>> =>
  ((await listParts(s)).json.entries as ReadonlyArray<Part>).map((p) => p.offset)

/** Options where part `part` (first attempt) gets `fault`. */
const scripted = (fault: PartFault, extra: EmulatorOptions['faults'] = {}): EmulatorOptions =>
  ({ ...SMALL, faults: { retryAfterSeconds: 3, slowMs: 300, ...extra, script: [{ part: 1, fault }] } })

test('rate_limit: 429 rate_limit_exceeded with Retry-After, part not stored, next attempt succeeds', () =>
  withEmulator(scripted('rate_limit'), async (em) => {
    const bytes = randomFile(3000)
    const s = await openSession(em, bytes.length)
    const r = await putPart(s, bytes, 1)
    assertBoxError(r, 429, 'rate_limit_exceeded')
    assertSchema('ClientError', r.json)
    assert.is(r.headers.get('retry-after'), '3')
    assert.equal(await storedOffsets(s), [])
    assert.is((await putPart(s, bytes, 1)).status, 200)
    assert.equal(await storedOffsets(s), [1024])
  }))

test('unavailable_before: 503 with Retry-After, part not stored', () =>
  withEmulator(scripted('unavailable_before'), async (em) => {
    const bytes = randomFile(3000)
    const s = await openSession(em, bytes.length)
    const r = await putPart(s, bytes, 1)
    assertBoxError(r, 503)
    assert.is(r.headers.get('retry-after'), '3')
    assert.equal(await storedOffsets(s), [])
    assert.is((await putPart(s, bytes, 1)).status, 200)
  }))

test('error_before: 500 and the part is NOT stored', () =>
  withEmulator(scripted('error_before'), async (em) => {
    const bytes = randomFile(3000)
    const s = await openSession(em, bytes.length)
    assertBoxError(await putPart(s, bytes, 1), 500)
    assert.equal(await storedOffsets(s), [])
    assert.is((await putPart(s, bytes, 1)).status, 200)
  }))

test('error_after: 500 but the part IS stored (a retry then overlaps; list parts has it)', () =>
  withEmulator(scripted('error_after'), async (em) => {
    const bytes = randomFile(3000)
    const s = await openSession(em, bytes.length)
    assertBoxError(await putPart(s, bytes, 1), 500)
    const stored = (await listParts(s)).json.entries
    assert.is(stored.length, 1)
    assert.is(stored[0].offset, 1024)
    const retry = await putPart(s, bytes, 1)
    assert.equal(assertBoxError(retry, 416, 'range_overlaps_existing_part').context_info.conflicting_part, stored[0])
    const parts = [(await putPart(s, bytes, 0)).json.part, stored[0], (await putPart(s, bytes, 2)).json.part]
    const c = await commit(s, bytes, parts)
    assert.is(c.status, 201, c.text)
    assertSameBytes((await download(em, c.json.entries[0].id)).bytes, bytes)
  }))

test('reset: the connection dies mid-body, the client sees a network error, the part is not stored', () =>
  withEmulator({ minFileSize: 1, partSize: 256 * 1024, faults: { script: [{ part: 0, fault: 'reset' }] } }, async (em) => {
    const bytes = randomFile(300 * 1024)
    const s = await openSession(em, bytes.length)
    let failure: unknown = undefined
    try {
      const r = await putPart(s, bytes, 0)
      failure = `answered ${r.status}`
    } catch (e) {
      failure = e
    }
    assert.instance(failure, Error, `a network error, not ${String(failure)}`)
    assert.equal(await storedOffsets(s), [])
    assert.is((await putPart(s, bytes, 0)).status, 200, 'the emulator still serves after a reset')
  }))

test('slow: the answer is delayed by slowMs and the part is stored', () =>
  withEmulator(scripted('slow'), async (em) => {
    const bytes = randomFile(3000)
    const s = await openSession(em, bytes.length)
    const fast = await timed(() => putPart(s, bytes, 0))
    const slow = await timed(() => putPart(s, bytes, 1))
    assert.is(slow.value.status, 200, slow.value.text)
    assert.ok(slow.ms >= 290, `slow answer took ${slow.ms} ms`)
    assert.ok(slow.ms > fast.ms, `slow ${slow.ms} ms, normal ${fast.ms} ms`)
    assert.equal(await storedOffsets(s), [0, 1024])
  }))

test('latencyMs: every answer is delayed', () =>
  withEmulator({ ...SMALL, faults: { latencyMs: 120 } }, async (em) => {
    const created = await timed(() => openSession(em, 10))
    assert.ok(created.ms >= 110, `create took ${created.ms} ms`)
    const st = await timed(() => call('GET', created.value.session_endpoints.status))
    assert.is(st.value.status, 200)
    assert.ok(st.ms >= 110, `status took ${st.ms} ms`)
    const nf = await timed(() => call('GET', `${em.url}/nope`))
    assert.ok(nf.ms >= 110, `404 took ${nf.ms} ms`)
  }))

test('script: faults hit the given attempt of the given part only', () =>
  withEmulator({
    ...SMALL,
    faults: { retryAfterSeconds: 0, script: [{ part: 2, fault: 'rate_limit' }, { part: 2, attempt: 2, fault: 'unavailable_before' }, { part: 0, attempt: 2, fault: 'error_before' }] },
  }, async (em) => {
    const bytes = randomFile(3500)
    const s = await openSession(em, bytes.length)
    const statuses: number[] = []
    for (const i of [0, 1, 2, 2, 2, 3]) statuses.push((await putPart(s, bytes, i)).status)
    // part 0 attempt 2 is never sent: it succeeded at attempt 1.
    assert.equal(statuses, [200, 200, 429, 503, 200, 200])
  }))

test('script: attempts are counted per session', () =>
  withEmulator({ ...SMALL, faults: { retryAfterSeconds: 0, script: [{ part: 0, fault: 'error_before' }] } }, async (em) => {
    const bytes = randomFile(1500)
    const a = await openSession(em, bytes.length)
    const b = await openSession(em, bytes.length)
    assert.is((await putPart(a, bytes, 0)).status, 500)
    assert.is((await putPart(b, bytes, 0)).status, 500)
    assert.is((await putPart(a, bytes, 0)).status, 200)
  }))

// README: faults come after the session, Content-Range, Digest header, overlap, held-part and length checks, and an
// upload those refuse is no attempt, so a test's script still hits the upload it means.
test('script: an upload refused before the faults (its Content-Range, Digest header or Content-Length) is no attempt', () =>
  withEmulator({ ...SMALL, faults: { retryAfterSeconds: 0, script: [{ part: 0, fault: 'rate_limit' }] } }, async (em) => {
    const bytes = randomFile(1500)
    const s = await openSession(em, bytes.length)
    assertBoxError(await putPart(s, bytes, 0, { range: contentRange(0, 1022, bytes.length) }), 416, 'invalid_content_range')
    assertBoxError(await putPart(s, bytes, 0, { digest: null }), 400, 'missing_digest')
    // A Content-Length short of its Content-Range, the body as long as it says: refused before it is read.
    const short = await streamRequest(s.session_endpoints.upload_part, {
      headers: {
        authorization: `Bearer ${TOKEN}`, 'content-range': contentRange(0, 1023, bytes.length), 'content-length': '10',
        digest: `sha=${sha1Base64(partBytes(s, bytes, 0))}`,
      },
      chunks: [bytes.slice(0, 10)],
    })
    assert.is(short.status, 400, short.text)
    assert.is(short.json?.code, 'request_size_mismatch')
    assertBoxError(await putPart(s, bytes, 0), 429, 'rate_limit_exceeded')
    assert.is((await putPart(s, bytes, 0)).status, 200)
  }))

/** Sends the same fixed request sequence and returns the statuses: each part once, in order. */
const statusSequence = (faults: EmulatorOptions['faults']): Promise<ReadonlyArray<number>> =>
  withEmulator({ minFileSize: 1, partSize: 64, faults }, async (em) => {
    const bytes = randomFile(64 * 40)
    // The same upload every time: its folder, name and size are what its faults are keyed by.
    const s = await openSession(em, bytes.length, 'file.bin')
    const out: number[] = []
    for (let i = 0; i < s.total_parts; i++) out.push((await putPart(s, bytes, i)).status)
    return out
  })

test('random faults: the same seed and requests give the same statuses; another seed differs', async () => {
  const faults = { probability: 0.4, kinds: ['rate_limit', 'unavailable_before', 'error_before'] as PartFault[], retryAfterSeconds: 0 }
  const a = await statusSequence({ ...faults, seed: 42 })
  const b = await statusSequence({ ...faults, seed: 42 })
  const c = await statusSequence({ ...faults, seed: 7 })
  assert.equal(a, b, 'same seed, same statuses')
  assert.ok(a.some((x) => x !== 200), `some faults hit: ${a}`)
  assert.ok(a.some((x) => x === 200), `some parts pass: ${a}`)
  assert.ok(a.every((x) => [200, 429, 503, 500].includes(x)), `only the given kinds: ${a}`)
  assert.not.equal(a, c, 'another seed, other statuses')
})

/** Random faults that store nothing, so a part is sent again until it is stored. */
const unstored = { seed: 42, probability: 0.4, kinds: ['rate_limit', 'unavailable_before', 'error_before', 'reset', 'slow'] as PartFault[], retryAfterSeconds: 0, slowMs: 2 }

/** Opens sessions of `size` bytes, one per name, one after another. */
type Opener = (em: RunningEmulator, size: number) => Promise<ReadonlyArray<Session>>

/** Opens a session for each of `names`, one after another (a name twice: two sessions of that file). */
const inTurn = (names: ReadonlyArray<string>): Opener => async (em, size) => {
  const opened: Session[] = []
  for (const name of names) opened.push(await openSession(em, size, name))
  return opened
}

/**
 * Opens a session for each of `a.bin` and `b.bin` at once, as two clients do, the create of `first` answered
 * before the other's is sent (a server may serve either first); gives them back as `[a.bin, b.bin]`.
 */
const atOnce = (first: 'a.bin' | 'b.bin'): Opener => (em, size) => {
  let answered!: () => void
  const firstAnswered = new Promise<void>((resolve) => { answered = resolve })
  return Promise.all(['a.bin', 'b.bin'].map(async (name) => {
    if (name !== first) await firstAnswered
    return openSession(em, size, name).finally(() => { if (name === first) answered() })
  }))
}

/**
 * Opens sessions with `open`, then sends every part of each until it is stored (each part at most 30 times):
 * `partsInTurn`, session after session and part after part; otherwise in rounds, the last session's last part first.
 */
const sendUntilStored = (partsInTurn: boolean, open: Opener = inTurn(['file.bin'])) => {
  const records: RequestRecord[] = []
  return withEmulator({ minFileSize: 1, partSize: 64, faults: unstored, onRequest: (r) => records.push(r) }, async (em) => {
    const bytes = randomFile(64 * 12)
    const opened = await open(em, bytes.length)
    const left = opened.flatMap((s) => Array.from({ length: s.total_parts }, (_, part) => ({ s, part })))
    const send = async ({ s, part }: (typeof left)[number]) => (await putPart(s, bytes, part).then((r) => r.status, () => 0)) === 200
    const sent = async (p: (typeof left)[number]) => { if (await send(p)) left.splice(left.indexOf(p), 1) }
    if (partsInTurn) {
      for (const p of [...left]) for (let tries = 0; tries < 30 && left.includes(p); tries++) await sent(p)
    } else {
      for (let round = 0; round < 30 && left.length > 0; round++) for (const p of [...left].reverse()) await sent(p)
    }
    assert.is(left.length, 0, 'every part stored')
    for (const s of opened) assert.is((await listParts(s)).json.entries.length, 12)
    return faultsByAttempt(records, 64, opened.map((s) => s.id))
  })
}

/** The faults of session `n` (0-based) of `faultsByAttempt`'s list, as `[part, attempt, fault]`. */
const ofSession = (all: ReturnType<typeof faultsByAttempt>, n: number) => all.filter(([session]) => session === n).map(([, ...rest]) => rest)

// The emulator drew random faults in the order part uploads arrived, so parts sent concurrently got
// other faults from run to run with the same seed.
test('random faults: the same seed gives each part upload the same fault, whatever order the parts arrive in', async () => {
  const inTurnFaults = await sendUntilStored(true)
  assert.ok(inTurnFaults.some(([, , attempt]) => attempt > 1), `some parts were sent again: ${JSON.stringify(inTurnFaults)}`)
  assert.equal(await sendUntilStored(false), inTurnFaults)
})

test('random faults: each session meets faults of its own, another file\'s or the same file\'s again, and the same in another emulator', async () => {
  const three = await sendUntilStored(true, inTurn(['a.bin', 'b.bin', 'a.bin']))
  const [a, b, aAgain] = [0, 1, 2].map((n) => ofSession(three, n))
  assert.not.equal(b, a, 'another file')
  assert.not.equal(aAgain, a, 'a second session of the same file')
  assert.equal(await sendUntilStored(false, inTurn(['a.bin', 'b.bin', 'a.bin'])), three)
  assert.equal(ofSession(await sendUntilStored(false, inTurn(['b.bin'])), 0), b, 'b.bin\'s first session, the first the emulator created')
})

// Faults were drawn by a session's place among those the emulator created: two clients creating sessions at once
// met each other's faults when their creates were served the other way round, so a failing run could not be replayed.
test('random faults: two files whose sessions are created at once meet the same faults whichever create is served first', async () => {
  const aFirst = await sendUntilStored(false, atOnce('a.bin'))
  assert.ok(aFirst.some(([, , attempt]) => attempt > 1), `some parts were sent again: ${JSON.stringify(aFirst)}`)
  assert.not.equal(ofSession(aFirst, 1), ofSession(aFirst, 0), 'each file meets faults of its own')
  const bFirst = await sendUntilStored(false, atOnce('b.bin'))
  assert.equal(ofSession(bFirst, 0), ofSession(aFirst, 0), 'a.bin meets the same faults')
  assert.equal(ofSession(bFirst, 1), ofSession(aFirst, 1), 'b.bin meets the same faults')
})

/** A file of `size` bytes committed as `name` in the root, each part sent until stored (faults may be on). */
const committed = async (em: RunningEmulator, size: number, name: string): Promise<string> => {
  const bytes = randomFile(size)
  const s = await openSession(em, size, name)
  for (let part = 0; part < s.total_parts; part++) {
    for (let tries = 0; tries < 30 && (await putPart(s, bytes, part).then((r) => r.status, () => 0)) !== 200; tries++);
  }
  const r = await commit(s, bytes, (await listParts(s)).json.entries)
  assert.is(r.status, 201, `commit: ${r.text}`)
  return (r.json.entries[0] as { readonly id: string }).id
}

/**
 * Commits `a.bin` and `b.bin`, `first` first (so that each gets the file id the other gets otherwise), then opens a
 * new-version session of each at once; gives those back as `[a.bin's, b.bin's]`.
 */
const versionsAfter = (first: 'a.bin' | 'b.bin'): Opener => async (em, size) => {
  const ids = new Map<string, string>()
  for (const name of first === 'a.bin' ? ['a.bin', 'b.bin'] : ['b.bin', 'a.bin']) ids.set(name, await committed(em, size, name))
  return Promise.all(['a.bin', 'b.bin'].map(async (name) => {
    const r = await createVersionSession(em, ids.get(name)!, { file_size: size })
    assert.is(r.status, 201, `create session: ${r.text}`)
    return r.json as Session
  }))
}

// A file id is handed out in commit order, so a new version's faults are keyed by its file's folder and name.
test('random faults: new versions meet the same faults whichever file was committed first, not those of the files\' first upload', async () => {
  const aFirst = await sendUntilStored(false, versionsAfter('a.bin'))
  assert.not.equal(ofSession(aFirst, 1), ofSession(aFirst, 0), 'each file\'s new version meets faults of its own')
  assert.equal(await sendUntilStored(false, versionsAfter('b.bin')), aFirst)
  assert.not.equal(ofSession(aFirst, 0), ofSession(await sendUntilStored(false, inTurn(['a.bin'])), 0), 'a.bin\'s first upload, of the same size')
})

test('random faults: probability 0 (the default) injects nothing', async () => {
  const statuses = await statusSequence({ seed: 3 })
  assert.ok(statuses.every((x) => x === 200), `${statuses}`)
})

test('random faults: probability 1 hits every part upload', async () => {
  const statuses = await statusSequence({ seed: 3, probability: 1, kinds: ['error_before'] })
  assert.ok(statuses.every((x) => x === 500), `${statuses}`)
})

test('onRequest: records every answered request in order with method, path, status, code, a part\'s Content-Range and time', async () => {
  const records: RequestRecord[] = []
  const start = Date.now()
  await withEmulator({ ...SMALL, onRequest: (r) => records.push(r) }, async (em) => {
    const bytes = randomFile(1500)
    const s = await openSession(em, bytes.length)
    const parts = await uploadAll(s, bytes)
    await putPart(s, bytes, 0)
    await listParts(s, '?offset=0&limit=5')
    await commit(s, bytes, parts)
    await call('GET', `${em.url}/nope`)
  })
  const seen = records.map((r) => [r.method, r.path.replace(/[0-9A-F]{32}/, 'ID'), r.status, r.code, r.range])
  assert.equal(seen, [
    ['POST', '/api/2.0/files/upload_sessions', 201, undefined, undefined],
    ['PUT', '/api/2.0/files/upload_sessions/ID', 200, undefined, 'bytes 0-1023/1500'],
    ['PUT', '/api/2.0/files/upload_sessions/ID', 200, undefined, 'bytes 1024-1499/1500'],
    ['PUT', '/api/2.0/files/upload_sessions/ID', 416, 'range_overlaps_existing_part', 'bytes 0-1023/1500'],
    ['GET', '/api/2.0/files/upload_sessions/ID/parts?offset=0&limit=5', 200, undefined, undefined],
    ['POST', '/api/2.0/files/upload_sessions/ID/commit', 201, undefined, undefined],
    ['GET', '/api/2.0/nope', 404, 'not_found', undefined],
  ])
  assert.not.ok(records.some((r) => 'range' in r && r.method !== 'PUT'), 'no range key but on a part upload')
  for (const r of records) assert.ok(r.at >= start - 5 && r.at <= Date.now(), `at: ${r.at}`)
  const ats = records.map((r) => r.at)
  assert.equal(ats, [...ats].sort((x, y) => x - y))
})

// README (Options, onRequest): what it throws is ignored, so an observer never changes an answer, the handler's
// (in-process and over HTTP) or one the Node adapter gives itself (OPTIONS *).
test('onRequest: what the observer throws is ignored, and every answer is the one given without it', async () => {
  let told = 0
  const onRequest = (): void => {
    told++
    throw new Error('an observer that fails')
  }
  await withEmulator({ ...SMALL, onRequest }, async (em) => {
    const bytes = randomFile(1500)
    const s = await openSession(em, bytes.length)
    const parts = await uploadAll(s, bytes)
    assertBoxError(await putPart(s, bytes, 0), 416, 'range_overlaps_existing_part')
    assert.is((await commit(s, bytes, parts)).status, 201)
    assertBoxError(await call('GET', `${em.url}/nope`), 404, 'not_found')
    assert.match(await exchange(em.url, 'OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'), /^HTTP\/1\.1 204 /)
  })
  assert.is(told, 7, 'the observer was told of every answer')
  const box = emulator({ ...SMALL, onRequest })
  const created = await box.fetch('http://box.test/api/2.0/files/upload_sessions', {
    method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ folder_id: '0', file_size: 10, file_name: 'observed.bin' }),
  })
  assert.equal([created.status, ((await created.json()) as { type: string }).type], [201, 'upload_session'])
  assert.is((await box.fetch('http://box.test/api/2.0/nope', { headers: { authorization: `Bearer ${TOKEN}` } })).status, 404)
  assert.is(told, 9)
})

test('onRequest: records injected faults with their status and code', async () => {
  const records: RequestRecord[] = []
  await withEmulator({ ...SMALL, onRequest: (r) => records.push(r), faults: { retryAfterSeconds: 0, script: [{ part: 0, fault: 'rate_limit' }] } }, async (em) => {
    const bytes = randomFile(500)
    const s = await openSession(em, bytes.length)
    await putPart(s, bytes, 0)
  })
  assert.equal(records.map((r) => [r.status, r.code]), [[201, undefined], [429, 'rate_limit_exceeded']])
})

test('onRequest: names the fault that shaped each answer, and none where another answer came first', async () => {
  const records: RequestRecord[] = []
  const kinds: ReadonlyArray<PartFault> = ['rate_limit', 'unavailable_before', 'error_before', 'error_after', 'reset', 'slow']
  const faults = {
    retryAfterSeconds: 0, slowMs: 1, commitAccepted: 1, commitFaults: [null, 'error_before', 'error_after', 'reset_after'] as const,
    // Part 6's error_after meets a wrong digest first: its 400 is no fault's.
    script: [...kinds.map((fault, part) => ({ part, fault })), { part: 6, fault: 'error_after' as const }],
  }
  await withEmulator({ ...SMALL, onRequest: (r) => records.push(r), faults }, async (em) => {
    const bytes = randomFile(7 * 1024)
    const s = await openSession(em, bytes.length)
    for (let part = 0; part < 6; part++) await putPart(s, bytes, part).catch(() => undefined)
    await putPart(s, bytes, 6, { digest: `sha=${sha1Base64(new Uint8Array(1))}` })
    // error_after and slow stored theirs; the others are sent again, and taken.
    const stored = (await listParts(s)).json.entries as ReadonlyArray<Part>
    assert.equal(stored.map((p) => p.offset), [3 * 1024, 5 * 1024])
    for (const part of [0, 1, 2, 4, 6]) assert.is((await putPart(s, bytes, part)).status, 200)
    const all = (await listParts(s)).json.entries as ReadonlyArray<Part>
    // A 202 (commitAccepted), the three commit faults, then the file.
    const answers = []
    for (let i = 0; i < 5; i++) answers.push(await commit(s, bytes, all).then((r) => r.status, () => 'reset'))
    assert.equal(answers, [202, 500, 500, 'reset', 201])
  })
  const seen = records.filter((r) => r.fault !== undefined).map((r) => [r.method, r.status, r.code, r.fault])
  assert.equal(seen, [
    ['PUT', 429, 'rate_limit_exceeded', 'rate_limit'],
    ['PUT', 503, 'unavailable', 'unavailable_before'],
    ['PUT', 500, 'internal_server_error', 'error_before'],
    ['PUT', 500, 'internal_server_error', 'error_after'],
    ['PUT', 0, 'connection_reset', 'reset'],
    ['PUT', 200, undefined, 'slow'],
    ['POST', 500, 'internal_server_error', 'error_before'],
    ['POST', 500, 'internal_server_error', 'error_after'],
    ['POST', 0, 'connection_reset', 'reset_after'],
  ])
  assert.is(records.filter((r) => r.fault === undefined && r.status === 400).length, 1, 'the digest mismatch of part 6 names no fault')
  assert.not.ok(records.some((r) => 'fault' in r && r.fault === undefined), 'no fault key where none shaped the answer')
})

test('reset in-process: the emulator fetch rejects with a TypeError like a network failure', async () => {
  const box = emulator({ minFileSize: 1, partSize: 1024, faults: { script: [{ part: 0, fault: 'reset' }] } })
  const created = await box.fetch(new Request('http://box.test/api/2.0/files/upload_sessions', {
    method: 'POST', headers: { authorization: 'Bearer dev-token', 'content-type': 'application/json' },
    body: JSON.stringify({ folder_id: '0', file_size: 100, file_name: 'r.bin' }),
  }))
  assert.is(created.status, 201)
  const s = await created.json() as Session
  const body = randomFile(100)
  const put = () => box.fetch(new Request(s.session_endpoints.upload_part, {
    method: 'PUT',
    headers: { authorization: 'Bearer dev-token', 'content-range': 'bytes 0-99/100', digest: `sha=${sha1Base64(body)}` },
    body,
  }))
  let failure: unknown
  try { failure = `answered ${(await put()).status}` } catch (e) { failure = e }
  assert.instance(failure, TypeError)
  assert.is((await put()).status, 200)
})

test('Retry-After defaults to 1 second', () =>
  withEmulator({ ...SMALL, faults: { script: [{ part: 0, fault: 'rate_limit' }, { part: 1, fault: 'unavailable_before' }] } }, async (em) => {
    const bytes = randomFile(1500)
    const s = await openSession(em, bytes.length)
    assert.is((await putPart(s, bytes, 0)).headers.get('retry-after'), '1')
    assert.is((await putPart(s, bytes, 1)).headers.get('retry-after'), '1')
  }))

test('random faults of every kind (reset and error_after included) are deterministic too', async () => {
  const run = (seed: number) => withEmulator({ minFileSize: 1, partSize: 64, faults: { seed, probability: 0.5, slowMs: 5, retryAfterSeconds: 0 } }, async (em) => {
    const bytes = randomFile(64 * 24)
    const s = await openSession(em, bytes.length, 'file.bin')
    const out: Array<number | string> = []
    for (let i = 0; i < s.total_parts; i++) {
      out.push(await putPart(s, bytes, i).then((r) => r.status, () => 'reset'))
    }
    const stored = ((await listParts(s)).json.entries as ReadonlyArray<Part>).map((p) => p.offset / 64)
    return { out, stored }
  })
  const a = await run(11)
  const b = await run(11)
  assert.equal(a.out, b.out)
  assert.equal(a.stored, b.stored)
  // error_after stores the part: stored = the 200s and the error_after 500s (indistinguishable from error_before here, so >=).
  assert.ok(a.stored.length >= a.out.filter((x) => x === 200).length)
  assert.ok(a.out.includes('reset') || a.out.includes(500) || a.out.includes(429), `faults hit: ${a.out}`)
})

test('onRequest: a reset is recorded with status 0 and code connection_reset', async () => {
  const records: RequestRecord[] = []
  await withEmulator({ ...SMALL, onRequest: (r) => records.push(r), faults: { script: [{ part: 0, fault: 'reset' }] } }, async (em) => {
    const bytes = randomFile(1000)
    const s = await openSession(em, bytes.length)
    await putPart(s, bytes, 0).catch(() => undefined)
  })
  assert.equal(records.map((r) => [r.method, r.status, r.code, r.range]), [['POST', 201, undefined, undefined], ['PUT', 0, 'connection_reset', 'bytes 0-999/1000']])
})

/** Every request a failed session answers 410 upload_failed (protocol §5: "session unrecoverable"), each checked. */
const assertFailed = async (s: Session, bytes: Uint8Array<ArrayBuffer>, parts: ReadonlyArray<Part>): Promise<void> => {
  for (const [what, reply] of [
    ['a new part', await putPart(s, bytes, parts.length)],
    ['a stored part again', await putPart(s, bytes, 0)],
    ['list parts', await listParts(s)],
    ['status', await status(s)],
    ['commit', await commit(s, bytes, parts)],
  ] as const) {
    const e = assertBoxError(reply, 410, 'upload_failed')
    assertSchema('ClientError', reply.json)
    assert.match(e.message, 'unrecoverable', what)
  }
}

test('uploadFailedAfterParts: the n-th stored part is answered 200, then part, list, status and commit answer 410 upload_failed; DELETE 204', () =>
  withEmulator({ ...SMALL, faults: { uploadFailedAfterParts: 2 } }, async (em) => {
    const bytes = randomFile(4000)
    const s = await openSession(em, bytes.length)
    const parts = await uploadAll({ ...s, total_parts: 2 }, bytes)
    await assertFailed(s, bytes, parts)
    // Still 410 afterwards: the state does not heal.
    assertBoxError(await status(s), 410, 'upload_failed')
    assert.is((await call('POST', s.session_endpoints.log_event, { json: { event_type: 'upload_failed' } })).status, 200)
    assert.is((await abort(s)).status, 204)
    assertBoxError(await status(s), 404, 'not_found')
    assert.is((await abort(s)).status, 404, 'an aborted session is gone')
  }))

test('uploadFailedAfterParts: counted per session; a session with fewer parts commits; another token still gets 403', () =>
  withEmulator({ ...SMALL, tokens: ['dev-token', 'other'], faults: { uploadFailedAfterParts: 3 } }, async (em) => {
    const small = randomFile(2048)
    const ok = await openSession(em, small.length)
    const okParts = await uploadAll(ok, small)
    const big = randomFile(5000)
    const failing = await openSession(em, big.length)
    const failingParts = await uploadAll({ ...failing, total_parts: 3 }, big)
    assert.is((await commit(ok, small, okParts)).status, 201, 'the first session, 2 parts, is not failed')
    assertBoxError(await status(failing, { token: 'other' }), 403, 'forbidden')
    await assertFailed(failing, big, failingParts)
  }))

test('uploadFailedAfterParts: a part in flight when the session fails is answered 410 and not stored', () =>
  withEmulator({ ...SMALL, faults: { uploadFailedAfterParts: 1, slowMs: 300, script: [{ part: 1, fault: 'slow' }] } }, async (em) => {
    const bytes = randomFile(3000)
    const s = await openSession(em, bytes.length)
    const slow = putPart(s, bytes, 1)
    await sleep(50)
    assert.is((await putPart(s, bytes, 0)).status, 200)
    assertBoxError(await slow, 410, 'upload_failed')
    assert.is((await abort(s)).status, 204)
  }))

test('uploadFailedAfterParts: 0 fails every session from its creation (which still answers 201)', () =>
  withEmulator({ ...SMALL, faults: { uploadFailedAfterParts: 0 } }, async (em) => {
    const bytes = randomFile(2048)
    const s = await openSession(em, bytes.length)
    await assertFailed(s, bytes, [])
    assert.is((await abort(s)).status, 204)
  }))

test('uploadFailedAfterParts: by default (never) a session takes every part and commits', () =>
  withEmulator(SMALL, async (em) => {
    const bytes = randomFile(10 * 1024)
    const s = await openSession(em, bytes.length)
    assert.is((await commit(s, bytes, await uploadAll(s, bytes))).status, 201)
  }))

test.run()
