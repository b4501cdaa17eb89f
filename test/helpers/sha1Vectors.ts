/**
 * FIPS 180 known-answer vectors, and one check every SHA-1 implementation must pass (portable).
 */
import * as assert from 'uvu/assert'
import { toHex, type Sha1 } from '../../src/Sha1.ts'

const ascii = (s: string): Uint8Array<ArrayBuffer> => new TextEncoder().encode(s) as Uint8Array<ArrayBuffer>

/** name, message, hex SHA-1. */
export const vectors: ReadonlyArray<readonly [string, () => Uint8Array<ArrayBuffer>, string]> = [
  ['"abc"', () => ascii('abc'), 'a9993e364706816aba3e25717850c26c9cd0d89d'],
  ['the empty message', () => new Uint8Array(0), 'da39a3ee5e6b4b0d3255bfef95601890afd80709'],
  ['the 448-bit message', () => ascii('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'), '84983e441c3bd26ebaae4aa1f95129e5e54670f1'],
  ['a million "a"', () => new Uint8Array(1_000_000).fill(0x61), '34aa973cd4c4daa4f61eeb2bdbad27316534016f'],
]

/** Feeds `message` to a file hasher as parts of the given sizes (cycled); returns the file digest and each part's. */
export const hashInParts = async (sha1: Sha1, message: Uint8Array, sizes: ReadonlyArray<number>) => {
  const file = sha1.file()
  const parts: Promise<{ readonly sha1: string; readonly bytes: ReadonlyArray<number> }>[] = []
  for (let at = 0, k = 0; at < message.length; k++) {
    const size = Math.max(1, sizes[k % sizes.length]!)
    // a fresh buffer per part: a hasher may transfer it to another thread
    const bytes = message.slice(at, at + size) as Uint8Array<ArrayBuffer>
    parts.push(file.part(bytes).then((h) => ({ sha1: toHex(h.sha1), bytes: Array.from(h.bytes) })))
    at += size
  }
  const hashed = await Promise.all(parts)
  return { digest: toHex(await file.digest()), parts: hashed }
}

/** Checks one implementation against every vector, one-shot and part by part. */
export const assertVectors = async (sha1: Sha1): Promise<void> => {
  for (const [name, message, hex] of vectors) {
    assert.is(toHex(await sha1.digest(message())), hex, `${sha1.implementation} one-shot of ${name}`)
    const { digest } = await hashInParts(sha1, message(), [64, 1, 100_003, 55])
    assert.is(digest, hex, `${sha1.implementation} part by part of ${name}`)
  }
}
