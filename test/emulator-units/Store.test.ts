import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { sha1, toHex } from '../../src/emulator/Sha1.ts'
import { absorb, wholeDigest, wholeHash } from '../../src/emulator/Store.ts'

const Whole = suite('Store whole-file hash')

const partsOf = (bytes: Uint8Array, size: number) =>
  Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => ({ offset: i * size, bytes: bytes.subarray(i * size, (i + 1) * size) }))

Whole('should give the whole-file SHA-1 only once the prefix covers the file', () => {
  const bytes = new Uint8Array(25).map((_, i) => i)
  const w = wholeHash(sha1)
  const [a, b, c] = partsOf(bytes, 10)
  absorb(w, c!.offset, [c!.bytes], c!.bytes.length)
  absorb(w, a!.offset, [a!.bytes], a!.bytes.length)
  assert.is(wholeDigest(w, 25), undefined)
  assert.is(w.pending.size, 1)
  absorb(w, b!.offset, [b!.bytes], b!.bytes.length)
  assert.is(w.pending.size, 0)
  assert.is(toHex(wholeDigest(w, 25)!), createHash('sha1').update(bytes).digest('hex'))
})

Whole('should not depend on the arrival order of parts (property, seed 7)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 400 }), fc.integer({ min: 1, max: 50 }), fc.infiniteStream(fc.nat()), (bytes, size, picks) => {
      const parts = partsOf(bytes, size)
      const w = wholeHash(sha1)
      const order = [...parts]
      const it = picks[Symbol.iterator]()
      while (order.length > 0) {
        const [p] = order.splice(it.next().value % order.length, 1)
        absorb(w, p!.offset, [p!.bytes.subarray(0, 3), p!.bytes.subarray(3)], p!.bytes.length)
      }
      return w.pending.size === 0 && toHex(wholeDigest(w, bytes.length)!) === createHash('sha1').update(bytes).digest('hex')
    }),
    { seed: 7, numRuns: 200 },
  )
})

Whole.run()
