import { suite } from 'uvu'
import * as assert from 'uvu/assert'
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

Prng.run()
Plan.run()
Failed.run()
