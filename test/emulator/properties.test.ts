/**
 * Invariants of the emulator over loopback, as fast-check properties with a fixed seed (printed in the
 * title and on failure): any file size and part size, parts sent in any order and concurrency, in
 * either storage, commit to exactly the source bytes; a part body is stored whole however the socket
 * delivers it; list-parts pages are slices of the whole list.
 */
import fc from 'fast-check'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import {
  TOKEN, assertSameBytes, commit, contentRange, download, listParts, openSession, putPart, randomFile, sha1Base64, sha1Hex,
  uniqueName, withEmulator, type Part,
} from '../helpers/box.ts'
import { streamRequest } from '../helpers/rawHttp.ts'

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

/** A body's size, the sizes it is written in, the pauses between writes, and whether the route reads it late. */
const delivery = fc.record({
  size: fc.integer({ min: 1, max: 3 * 1024 * 1024 }),
  pieces: fc.array(fc.integer({ min: 1, max: 256 * 1024 }), { minLength: 1, maxLength: 8 }),
  pauses: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 8 }),
  lateRoute: fc.boolean(),
})

/** `bytes` in pieces of the sizes given in turn, at most 200 of them (so that 1-byte pieces of 3 MiB stay quick). */
const inPieces = function* (bytes: Uint8Array, sizes: ReadonlyArray<number>): Iterable<Uint8Array> {
  const least = Math.ceil(bytes.length / 200)
  for (let at = 0, k = 0; at < bytes.length; k++) {
    const end = Math.min(bytes.length, at + Math.max(least, sizes[k % sizes.length]!))
    yield bytes.subarray(at, end)
    at = end
  }
}

test(`should store a part body whole however it arrives: write sizes, pauses, a route that reads late (fast-check seed ${SEED})`, () =>
  fc.assert(fc.asyncProperty(delivery, async ({ size, pieces, pauses, lateRoute }) => {
    const faults = lateRoute ? { slowMs: 20, script: [{ part: 0, fault: 'slow' as const }] } : {}
    await withEmulator({ minFileSize: 1, partSize: 4 * 1024 * 1024, faults }, async (em) => {
      const bytes = randomFile(size)
      const s = await openSession(em, size, uniqueName('deliv'))
      const r = await streamRequest(s.session_endpoints.upload_part, {
        headers: {
          authorization: `Bearer ${TOKEN}`, 'content-range': contentRange(0, size - 1, size),
          'content-length': String(size), digest: `sha=${sha1Base64(bytes)}`,
        },
        chunks: inPieces(bytes, pieces),
        pauses,
        // A body the emulator stops reading must fail the run, not hang the suite.
        timeoutMs: 5000,
      })
      assert.is(r.status, 200, r.text)
      const part = r.json.part
      assert.equal([part.offset, part.size, part.sha1], [0, size, sha1Hex(bytes)])
    })
  }), { seed: SEED, numRuns: 30, interruptAfterTimeLimit: 60_000, markInterruptAsFailure: true }))

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
