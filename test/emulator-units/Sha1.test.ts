import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { fromBase64, sha1, toBase64, toHex } from '../../src/emulator/Sha1.ts'

const hexOf = (...chunks: ReadonlyArray<Uint8Array>): string => {
  const h = sha1()
  for (const c of chunks) h.update(c)
  return toHex(h.digest())
}
const text = (s: string) => new TextEncoder().encode(s)

const Vectors = suite('sha1 known answers (FIPS 180 / RFC 3174)')

// [input, repetitions, expected hex]
const vectors: ReadonlyArray<readonly [string, number, string]> = [
  ['', 1, 'da39a3ee5e6b4b0d3255bfef95601890afd80709'],
  ['abc', 1, 'a9993e364706816aba3e25717850c26c9cd0d89d'],
  ['abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq', 1, '84983e441c3bd26ebaae4aa1f95129e5e54670f1'],
  ['a', 1_000_000, '34aa973cd4c4daa4f61eeb2bdbad27316534016f'],
  ['0123456701234567012345670123456701234567012345670123456701234567', 10, 'dea356a2cddd90c7a7ecedc5ebb563934f460452'],
]

for (const [input, times, expected] of vectors) {
  Vectors(`should hash ${JSON.stringify(input.slice(0, 12))} x${times}`, () => {
    assert.is(hexOf(text(input.repeat(times))), expected)
  })
}

Vectors('should give the same digest whatever the chunking (property, seed 42)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 700 }), fc.array(fc.nat(200), { maxLength: 20 }), (bytes, cuts) => {
      const chunks: Uint8Array[] = []
      let at = 0
      for (const c of cuts) {
        chunks.push(bytes.subarray(at, Math.min(bytes.length, at + c)))
        at = Math.min(bytes.length, at + c)
      }
      chunks.push(bytes.subarray(at))
      return hexOf(...chunks) === createHash('sha1').update(bytes).digest('hex')
    }),
    { seed: 42, numRuns: 300 },
  )
})

const Encodings = suite('hex and base64')

Encodings('should encode the digest of "abc" as Box shows it', () => {
  const d = sha1()
  d.update(text('abc'))
  const digest = d.digest()
  assert.is(toBase64(digest), 'qZk+NkcGgWq6PiVxeFDCbJzQ2J0=')
  assert.equal(fromBase64('qZk+NkcGgWq6PiVxeFDCbJzQ2J0='), digest)
  assert.is(fromBase64('not base64!'), undefined)
})

Vectors.run()
Encodings.run()
