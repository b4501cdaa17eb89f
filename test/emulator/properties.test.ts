/**
 * Invariants of the emulator over loopback, as fast-check properties with a fixed seed (printed in the
 * title and on failure): any file size and part size, parts sent in any order and concurrency, in
 * either storage, commit to exactly the source bytes; list-parts pages are slices of the whole list.
 */
import fc from 'fast-check'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import {
  assertSameBytes, commit, download, listParts, openSession, putPart, randomFile, sha1Hex, uniqueName, withEmulator,
  type Part,
} from '../helpers/box.ts'

const SEED = 2026

/** A file size, a part size and a permutation of the part indexes, sent `concurrency` at a time. */
const plan = fc.record({ partSize: fc.integer({ min: 1, max: 700 }), fileSize: fc.integer({ min: 1, max: 6000 }), concurrency: fc.integer({ min: 1, max: 6 }) })
  .filter(({ partSize, fileSize }) => Math.ceil(fileSize / partSize) <= 200)
  .chain((p) => fc.record({
    order: fc.shuffledSubarray(Array.from({ length: Math.ceil(p.fileSize / p.partSize) }, (_, i) => i), { minLength: Math.ceil(p.fileSize / p.partSize) }),
    storage: fc.constantFrom('memory' as const, 'digest' as const),
  }).map((rest) => ({ ...p, ...rest })))

test(`should commit exactly the source for any sizes, part order and concurrency (fast-check seed ${SEED})`, () =>
  fc.assert(fc.asyncProperty(plan, async ({ partSize, fileSize, concurrency, order, storage }) => {
    await withEmulator({ minFileSize: 1, partSize, storage }, async (em) => {
      const bytes = randomFile(fileSize)
      const s = await openSession(em, fileSize, uniqueName('prop'))
      assert.is(s.total_parts, order.length)
      const parts: Part[] = []
      for (let from = 0; from < order.length; from += concurrency) {
        const batch = order.slice(from, from + concurrency)
        const replies = await Promise.all(batch.map((i) => putPart(s, bytes, i)))
        replies.forEach((r, k) => {
          assert.is(r.status, 200, r.text)
          parts[batch[k]!] = r.json.part
        })
      }
      const c = await commit(s, bytes, parts)
      assert.is(c.status, 201, c.text)
      assert.is(c.json.entries[0].sha1.toLowerCase(), sha1Hex(bytes))
      if (storage === 'memory') assertSameBytes((await download(em, c.json.entries[0].id)).bytes, bytes)
    })
  }), { seed: SEED, numRuns: 25 }))

test(`should page list-parts as slices of the whole list (fast-check seed ${SEED})`, () =>
  withEmulator({ minFileSize: 1, partSize: 1 }, async (em) => {
    const bytes = randomFile(40)
    const s = await openSession(em, bytes.length)
    const all: Part[] = []
    for (let i = 0; i < s.total_parts; i++) all.push((await putPart(s, bytes, i)).json.part)
    await fc.assert(fc.asyncProperty(fc.integer({ min: 0, max: 45 }), fc.integer({ min: 1, max: 45 }), async (offset, limit) => {
      const r = await listParts(s, `?offset=${offset}&limit=${limit}`)
      assert.is(r.status, 200, r.text)
      assert.equal(r.json.entries, all.slice(offset, offset + limit))
      assert.is(r.json.total_count, 40)
      assert.is(r.json.offset, offset)
      assert.is(r.json.limit, limit)
    }), { seed: SEED, numRuns: 40 })
  }))

test.run()
