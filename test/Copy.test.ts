/**
 * `copyInto` against `Uint8Array.prototype.set`: any target and source alignment, any length (across
 * several staging pieces), into shared memory where the runtime has it and into plain memory.
 */
import fc from 'fast-check'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { copyInto } from '../src/Copy.ts'

const Copy = suite('copyInto')

const hasShared = typeof SharedArrayBuffer === 'function'

/** Room around the copy: bytes before `at` and after the copied range must stay as they were. */
const margin = 24

const scenario = fc.record({
  length: fc.oneof(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 65_000, max: 200_000 })),
  sourceOffset: fc.integer({ min: 0, max: 15 }),
  targetOffset: fc.integer({ min: 0, max: 15 }),
  at: fc.integer({ min: 0, max: margin }),
  seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
})

const filled = (length: number, seed: number): Uint8Array => {
  let s = seed
  return new Uint8Array(length).map(() => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0), s >>> 24))
}

const check = (shared: boolean) => (): void => {
  const seed = 20261128
  try {
    fc.assert(fc.property(scenario, ({ length, sourceOffset, targetOffset, at, seed: bytesSeed }) => {
      const source = filled(sourceOffset + length, bytesSeed).subarray(sourceOffset)
      const size = targetOffset + at + length + margin
      const target = new Uint8Array(shared ? new SharedArrayBuffer(size) : new ArrayBuffer(size), targetOffset)
      target.fill(0xa5)
      const expected = new Uint8Array(target.length).fill(0xa5)
      expected.set(source, at)
      copyInto(target, at, source)
      const differs = target.findIndex((b, i) => b !== expected[i])
      assert.is(differs, -1, `first wrong byte at ${differs} of ${target.length}`)
    }), { seed, numRuns: 60 })
  } catch (e) {
    throw new Error(`fast-check seed ${seed}: ${String(e)}`)
  }
}

if (hasShared) Copy('should copy into shared memory like set, at any alignment and length (fast-check seed 20261128)', check(true))
Copy('should copy into plain memory like set (fast-check seed 20261128)', check(false))

Copy('should throw like set, writing nothing, when the source does not fit', () => {
  const target = new Uint8Array(hasShared ? new SharedArrayBuffer(150_000) : new ArrayBuffer(150_000))
  assert.throws(() => copyInto(target, 10, new Uint8Array(150_000 - 9).fill(1)), RangeError)
  assert.throws(() => copyInto(target, 1, new Uint8Array(160_001).fill(1).subarray(2)), RangeError)
  assert.throws(() => copyInto(target, -1, new Uint8Array(8).fill(1)), RangeError)
  assert.ok(target.every((b) => b === 0), 'nothing written')
})

Copy.run()
