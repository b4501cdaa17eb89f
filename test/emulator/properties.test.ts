/**
 * Invariants of the emulator over loopback, as fast-check properties with a fixed seed (printed in the
 * title and on failure): any file size and part size, parts sent in any order and concurrency, in
 * either storage, commit to exactly the source bytes; a part body is stored whole however the socket
 * delivers it; list-parts pages are slices of the whole list.
 */
import fc from 'fast-check'
import { request } from 'node:http'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import {
  TOKEN, assertSameBytes, commit, contentRange, download, listParts, openSession, putPart, randomFile, sha1Base64, sha1Hex,
  sleep, uniqueName, withEmulator, type Part,
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

/** A body's size, the sizes it is written in, the pauses between writes, and whether the route reads it late. */
const delivery = fc.record({
  size: fc.integer({ min: 1, max: 3 * 1024 * 1024 }),
  pieces: fc.array(fc.integer({ min: 1, max: 256 * 1024 }), { minLength: 1, maxLength: 8 }),
  pauses: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 8 }),
  lateRoute: fc.boolean(),
})

/** PUTs `bytes` as the one part of `url`'s session, written piece by piece (sizes and pauses taken in turn). */
const writeInPieces = (url: string, bytes: Uint8Array, pieces: ReadonlyArray<number>, pauses: ReadonlyArray<number>) =>
  new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(url, {
      method: 'PUT',
      headers: {
        authorization: `Bearer ${TOKEN}`, 'content-range': contentRange(0, bytes.length - 1, bytes.length),
        'content-length': String(bytes.length), digest: `sha=${sha1Base64(bytes)}`,
      },
    })
    req.on('error', reject)
    // A body the emulator stops reading must fail the run, not hang the suite.
    req.setTimeout(5000, () => req.destroy(new Error('no progress for 5 s')))
    req.on('response', (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (text += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }))
    })
    const write = async (): Promise<void> => {
      // At most 200 writes, so that 1-byte pieces of a 3 MiB body stay quick.
      const least = Math.ceil(bytes.length / 200)
      for (let at = 0, k = 0; at < bytes.length; k++) {
        const end = Math.min(bytes.length, at + Math.max(least, pieces[k % pieces.length]!))
        if (!req.write(bytes.subarray(at, end))) await new Promise((drained) => req.once('drain', drained))
        const pause = pauses[k % pauses.length]!
        if (pause > 0) await sleep(pause)
        at = end
      }
      req.end()
    }
    write().catch(reject)
  })

test(`should store a part body whole however it arrives: write sizes, pauses, a route that reads late (fast-check seed ${SEED})`, () =>
  fc.assert(fc.asyncProperty(delivery, async ({ size, pieces, pauses, lateRoute }) => {
    const faults = lateRoute ? { slowMs: 20, script: [{ part: 0, fault: 'slow' as const }] } : {}
    await withEmulator({ minFileSize: 1, partSize: 4 * 1024 * 1024, faults }, async (em) => {
      const bytes = randomFile(size)
      const s = await openSession(em, size, uniqueName('deliv'))
      const r = await writeInPieces(s.session_endpoints.upload_part, bytes, pieces, pauses)
      assert.is(r.status, 200, r.text)
      const part = JSON.parse(r.text).part
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
