import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { emulator } from '../../src/emulator/index.ts'
import { mulberry32, plan, sessionKey, uploadFailedAfter, uploadKey, type Upload } from '../../src/emulator/Faults.ts'

const Prng = suite('mulberry32')

Prng('should repeat its sequence for a seed and differ between seeds', () => {
  const a = mulberry32(7), b = mulberry32(7), c = mulberry32(8)
  const xs = Array.from({ length: 5 }, a)
  assert.equal(Array.from({ length: 5 }, b), xs)
  assert.not.equal(Array.from({ length: 5 }, c), xs)
  assert.ok(xs.every((x) => x >= 0 && x < 1))
})

const Plan = suite('Faults.plan')

Plan('should apply scripted faults to the given part and attempt only, in every session', () => {
  const p = plan({ script: [{ part: 2, fault: 'reset' }, { part: 2, attempt: 3, fault: 'slow' }] })
  for (const session of [1, 2, 9]) assert.equal([p(session, 2, 1), p(session, 2, 2), p(session, 2, 3), p(session, 1, 1)], ['reset', undefined, 'slow', undefined])
})

Plan('should draw the same random faults for the same seed, other faults for another', () => {
  const draw = (seed: number) => {
    const p = plan({ seed, probability: 0.5, kinds: ['rate_limit', 'error_after'] })
    return Array.from({ length: 40 }, (_, i) => p(1, i, 1))
  }
  assert.equal(draw(3), draw(3))
  assert.not.equal(draw(4), draw(3))
  const faults = draw(3).filter((f) => f !== undefined)
  assert.ok(faults.length > 5 && faults.length < 35, `about half should fail, got ${faults.length}`)
  assert.ok(faults.every((f) => f === 'rate_limit' || f === 'error_after'))
})

// Options.ts: scripted faults are "applied before random ones", also when random faults are on.
Plan('should let a scripted fault win over a random one', () => {
  const p = plan({ probability: 1, kinds: ['slow'], script: [{ part: 0, fault: 'rate_limit' }] })
  assert.equal([p(1, 0, 1), p(1, 0, 2), p(1, 1, 1), p(2, 0, 1)], ['rate_limit', 'slow', 'slow', 'rate_limit'])
})

/** Every (session, part, attempt) of 3 sessions, 30 parts and 4 attempts. */
const uploads = [1, 2, 3].flatMap((session) => Array.from({ length: 30 }, (_, part) => [1, 2, 3, 4].map((attempt) => [session, part, attempt] as const)).flat())

// Parts in flight arrive in any order: a PRNG drawn in arrival order gave the same seed other faults from run to run.
Plan('should give an upload the same fault whatever was drawn before it, in whatever order', () => {
  const faults = { seed: 11, probability: 0.4, kinds: ['rate_limit', 'error_before', 'slow'] as const }
  const forward = plan(faults)
  const expected = uploads.map(([session, part, attempt]) => forward(session, part, attempt))
  const shuffle = mulberry32(5)
  const order = uploads.map((_, i) => i).sort(() => shuffle() - 0.5)
  const other = plan(faults)
  const drawn = new Array<string | undefined>(uploads.length)
  for (const i of order) drawn[i] = other(...uploads[i]!)
  assert.equal(drawn, expected)
  assert.equal(uploads.map(([session, part, attempt]) => forward(session, part, attempt)), expected, 'drawn again by the same plan')
})

Plan('should give each session, part and attempt faults of its own', () => {
  const p = plan({ seed: 11, probability: 0.4, kinds: ['rate_limit', 'error_before', 'slow'] })
  const of = (pick: (part: number) => readonly [number, number, number]) => Array.from({ length: 30 }, (_, part) => p(...pick(part)))
  const first = of((part) => [1, part, 1])
  for (const [what, pattern] of [['session 2', of((part) => [2, part, 1])], ['attempt 2', of((part) => [1, part, 2])], ['parts shifted by one', of((part) => [1, part + 1, 1])]] as const) {
    assert.not.equal(pattern, first, what)
  }
})

// README: "Chance (0..1) that a part upload gets a random fault from `kinds`", the kind drawn evenly.
Plan('should hit about `probability` of the uploads, with every kind about as often', () => {
  const kinds = ['rate_limit', 'unavailable_before', 'error_before', 'error_after', 'reset', 'slow'] as const
  const counts = new Map<string, number>()
  let n = 0
  for (const seed of [1, 2, -3]) {
    const p = plan({ seed, probability: 0.3, kinds })
    for (let session = 1; session <= 4; session++) {
      for (let part = 0; part < 1000; part++) {
        for (const attempt of [1, 2]) {
          n++
          const fault = p(session, part, attempt)
          if (fault !== undefined) counts.set(fault, (counts.get(fault) ?? 0) + 1)
        }
      }
    }
  }
  const hits = [...counts.values()].reduce((a, b) => a + b, 0)
  assert.ok(Math.abs(hits / n - 0.3) < 0.01, `hit rate ${hits / n} of ${n}`)
  for (const kind of kinds) assert.ok(Math.abs((counts.get(kind) ?? 0) / hits - 1 / 6) < 0.015, `${kind}: ${counts.get(kind)} of ${hits}`)
  // A part index past 2^32 is not that index minus 2^32.
  const p = plan({ seed: 1, probability: 0.5, kinds })
  assert.not.equal(Array.from({ length: 30 }, (_, i) => p(1, 2 ** 32 + i, 1)), Array.from({ length: 30 }, (_, i) => p(1, i, 1)))
})

Plan('should inject nothing by default or with probability 0', () => {
  assert.equal(Array.from({ length: 10 }, (_, i) => plan()(1, i, 1)), Array(10).fill(undefined))
  assert.equal(Array.from({ length: 10 }, (_, i) => plan({ seed: 3, probability: 0 })(1, i, 1)), Array(10).fill(undefined))
})

const Keys = suite('Faults.uploadKey and Faults.sessionKey')

// Faults were drawn by a session's place among those the emulator created: clients creating sessions at once could
// be served either way, and met each other's faults. A session's key is what its client sent, and its repeat.
Keys('should give the same upload the same key, and another key when any field differs', () => {
  const upload: Upload = { user: 1, folderId: '0', fileName: 'a.bin', fileSize: 100 }
  assert.is(uploadKey({ ...upload }), uploadKey(upload))
  const others: ReadonlyArray<readonly [string, Upload]> = [
    ['another user', { ...upload, user: 2 }],
    ['another folder', { ...upload, folderId: '12' }],
    ['another name', { ...upload, fileName: 'b.bin' }],
    ['the name in another case', { ...upload, fileName: 'A.bin' }],
    ['another size', { ...upload, fileSize: 101 }],
    ['a new version of a.bin', { user: 1, folderId: '0', versionOf: 'a.bin', fileSize: 100 }],
    ['a new version renaming a.bin', { ...upload, versionOf: 'a.bin' }],
    // Fields that would run into each other were they joined without a mark: user 1 in folder 10, user 11 in folder 0.
    ['user 1 in folder 10', { ...upload, folderId: '10' }],
    ['user 11 in folder 0', { ...upload, user: 11 }],
  ]
  const keys = new Set([uploadKey(upload), ...others.map(([, other]) => uploadKey(other))])
  assert.is(keys.size, others.length + 1, 'every key its own')
})

Keys('should give each session of an upload a key of its own, the same for its place in any run', () => {
  const upload = uploadKey({ user: 1, folderId: '0', fileName: 'a.bin', fileSize: 100 })
  const sessions = [1, 2, 3].map((occurrence) => sessionKey(upload, occurrence))
  assert.is(new Set(sessions).size, 3)
  assert.equal([1, 2, 3].map((occurrence) => sessionKey(upload, occurrence)), sessions)
  assert.not.ok(sessions.includes(sessionKey(uploadKey({ user: 1, folderId: '0', fileName: 'b.bin', fileSize: 100 }), 1)))
})

const Failed = suite('Faults.uploadFailedAfter')

// Counts that are not whole from 0 up (2.7, -1) are refused when the emulator is made (strictness tests).
Failed('should be never (Infinity) by default, the count given otherwise', () => {
  const table: ReadonlyArray<readonly [number | undefined, number]> = [[undefined, Infinity], [0, 0], [3, 3]]
  for (const [given, expected] of table) assert.is(uploadFailedAfter(given === undefined ? {} : { uploadFailedAfterParts: given }), expected, String(given))
  assert.is(uploadFailedAfter(), Infinity)
})

const Delays = suite('faults.latencyMs and faults.slowMs')

// A timer holds at most 2^31 - 1 ms (~24.8 days); a longer one fires at once (Node warns with a
// TimeoutOverflowWarning, browsers say nothing). The options take any finite number of ms, so a delay
// meant as "no answer comes" (a client's timeout under test) was answered at once instead.
Delays('should wait out a delay past 2^31 - 1 ms, not answer at once', async () => {
  const auth = { authorization: 'Bearer dev-token', 'content-type': 'application/json' }
  const create = JSON.stringify({ folder_id: '0', file_size: 10, file_name: 'a.bin' })
  const slow = emulator({ minFileSize: 1, partSize: 1024, faults: { slowMs: 2 ** 31, script: [{ part: 0, fault: 'slow' }] } })
  const session = (await (await slow.fetch('http://box.test/api/2.0/files/upload_sessions', { method: 'POST', headers: auth, body: create })).json()) as
    { readonly session_endpoints: { readonly upload_part: string } }
  const late = emulator({ minFileSize: 1, faults: { latencyMs: 2 ** 31 } })
  // Aborted at the end, so the waits no longer keep the process alive.
  const controller = new AbortController()
  const outcome = (sent: Promise<Response>) => sent.then((r) => `answered ${r.status}`, (e: unknown) => (e instanceof Error ? e.message : String(e)))
  const answers = Promise.all([
    outcome(late.fetch('http://box.test/api/2.0/files/upload_sessions', { method: 'POST', headers: auth, body: create, signal: controller.signal })),
    outcome(slow.fetch(session.session_endpoints.upload_part, {
      method: 'PUT', body: new Uint8Array(10), signal: controller.signal,
      headers: { authorization: 'Bearer dev-token', 'content-range': 'bytes 0-9/10', digest: 'sha=lpTE69ZzpeL9JuSy5k+S6RTr2V8=' },
    })),
  ])
  await new Promise((resolve) => setTimeout(resolve, 200))
  controller.abort(new Error('still waiting'))
  assert.equal(await answers, ['still waiting', 'still waiting'])
})

Prng.run()
Plan.run()
Keys.run()
Failed.run()
Delays.run()
