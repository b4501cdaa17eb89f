/** Every SHA-1 this runtime can run passes the FIPS 180 vectors (portable: runs in every runtime). */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { base64ToHex, defaultSha1, sha1Implementation, toBase64, toHex } from '../src/Sha1.ts'
import { sha1 as digestStream } from '../src/sha1/digestStream.ts'
import { sha1 as hashWasm, whenReady } from '../src/sha1/hashWasm.ts'
import { pure, pureHash, subtlePure } from '../src/sha1/pure.ts'
import { assertVectors, hashInParts } from './helpers/sha1Vectors.ts'

const Sha1 = suite('sha1')

Sha1(`should pass the FIPS 180 vectors with the default SHA-1 (${sha1Implementation})`, () => assertVectors(defaultSha1))

for (const sha1 of [pure, subtlePure, hashWasm, digestStream])
  Sha1(`should pass the FIPS 180 vectors with ${sha1.implementation}`, () => assertVectors(sha1))

Sha1('should name the implementation in use', () => {
  assert.is(sha1Implementation, defaultSha1.implementation)
  assert.ok(sha1Implementation.length > 0)
})

Sha1('should give each part its own SHA-1 and hand back the same bytes', async () => {
  const message = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff)
  const { parts } = await hashInParts(defaultSha1, message, [100, 7, 193])
  const expected = await Promise.all(
    [[0, 100], [100, 107], [107, 300]].map(async ([a, b]) => ({
      sha1: toHex(new Uint8Array(await crypto.subtle.digest('SHA-1', message.slice(a, b)))),
      bytes: Array.from(message.subarray(a, b)),
    })),
  )
  assert.equal(parts, expected)
})

Sha1('should keep file order when the hasher gets ready between two updates', async () => {
  const parts = Array.from({ length: 40 }, (_, i) => Uint8Array.of(i, i * 3) as Uint8Array<ArrayBuffer>)
  for (let delay = 0; delay < 6; delay++) {
    const stream = whenReady(async () => {
      for (let k = 0; k < delay; k++) await Promise.resolve()
      return pureHash()
    })
    const updates: unknown[] = []
    for (const part of parts) {
      updates.push(stream.update(part))
      await Promise.resolve()
    }
    await Promise.all(updates)
    const all = new Uint8Array(parts.flatMap((p) => Array.from(p)))
    assert.is(toHex(await stream.digest()), toHex(new Uint8Array(await crypto.subtle.digest('SHA-1', all))), `ready after ${delay} microtasks`)
  }
})

Sha1('should encode digests as base64 and hex', () => {
  const digest = Uint8Array.from([0xa9, 0x99, 0x3e, 0x36, 0x47, 0x06, 0x81, 0x6a, 0xba, 0x3e, 0x25, 0x71, 0x78, 0x50, 0xc2, 0x6c, 0x9c, 0xd0, 0xd8, 0x9d])
  assert.is(toBase64(digest), 'qZk+NkcGgWq6PiVxeFDCbJzQ2J0=')
  assert.is(toHex(digest), 'a9993e364706816aba3e25717850c26c9cd0d89d')
  assert.is(base64ToHex('qZk+NkcGgWq6PiVxeFDCbJzQ2J0='), 'a9993e364706816aba3e25717850c26c9cd0d89d')
})

Sha1.run()
