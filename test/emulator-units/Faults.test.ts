import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { emulator } from '../../src/emulator/index.ts'
import { mulberry32, plan, uploadFailedAfter } from '../../src/emulator/Faults.ts'

const Prng = suite('mulberry32')

Prng('should repeat its sequence for a seed and differ between seeds', () => {
  const a = mulberry32(7), b = mulberry32(7), c = mulberry32(8)
  const xs = Array.from({ length: 5 }, a)
  assert.equal(Array.from({ length: 5 }, b), xs)
  assert.not.equal(Array.from({ length: 5 }, c), xs)
  assert.ok(xs.every((x) => x >= 0 && x < 1))
})

const Plan = suite('Faults.plan')

Plan('should apply scripted faults to the given part and attempt only', () => {
  const p = plan({ script: [{ part: 2, fault: 'reset' }, { part: 2, attempt: 3, fault: 'slow' }] })
  assert.equal([p(2, 1), p(2, 2), p(2, 3), p(1, 1)], ['reset', undefined, 'slow', undefined])
})

Plan('should draw the same random faults for the same seed', () => {
  const draw = (seed: number) => {
    const p = plan({ seed, probability: 0.5, kinds: ['rate_limit', 'error_after'] })
    return Array.from({ length: 40 }, (_, i) => p(i, 1))
  }
  assert.equal(draw(3), draw(3))
  const faults = draw(3).filter((f) => f !== undefined)
  assert.ok(faults.length > 5 && faults.length < 35, `about half should fail, got ${faults.length}`)
  assert.ok(faults.every((f) => f === 'rate_limit' || f === 'error_after'))
})

// Options.ts: scripted faults are "applied before random ones", also when random faults are on.
Plan('should let a scripted fault win over a random one', () => {
  const p = plan({ probability: 1, kinds: ['slow'], script: [{ part: 0, fault: 'rate_limit' }] })
  assert.equal([p(0, 1), p(0, 2), p(1, 1)], ['rate_limit', 'slow', 'slow'])
})

// Faults.ts: the PRNG is drawn exactly twice per upload (whether, then which), hit or not.
Plan('should draw the PRNG twice per upload: a hit, then the kind', () => {
  const kinds = ['rate_limit', 'error_before', 'slow'] as const
  const p = plan({ seed: 11, probability: 0.5, kinds })
  const r = mulberry32(11)
  for (let i = 0; i < 40; i++) {
    const hit = r() < 0.5
    const kind = kinds[Math.floor(r() * kinds.length)]
    assert.is(p(i, 1), hit ? kind : undefined, `upload ${i}`)
  }
})

Plan('should inject nothing by default or with probability 0', () => {
  assert.equal(Array.from({ length: 10 }, (_, i) => plan()(i, 1)), Array(10).fill(undefined))
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
Failed.run()
Delays.run()
