/** Listing parts (protocol §3.5, §4.3, §10.15). */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { SMALL, assertBoxError, listParts, openSession, putPart, randomFile, uploadAll, withEmulator } from '../helpers/box.ts'
import { assertSchema } from '../helpers/openapi.ts'

test('should list every part with total_count = total_parts once all are uploaded (what SDKs assert)', () =>
  withEmulator(SMALL, async (em) => {
    const bytes = randomFile(5 * 1024 - 10)
    const s = await openSession(em, bytes.length)
    const parts = await uploadAll(s, bytes)
    const r = await listParts(s)
    assert.is(r.status, 200, r.text)
    assertSchema('UploadParts', r.json)
    assert.is(r.json.total_count, s.total_parts)
    assert.equal(r.json.entries, parts)
    assert.is(r.json.offset, 0)
    assert.type(r.json.limit, 'number')
    for (const p of r.json.entries) assertSchema('UploadPart', p)
  }))

test('should list no entries for a session without parts', () =>
  withEmulator(SMALL, async (em) => {
    const s = await openSession(em, 3000)
    const r = await listParts(s)
    assert.is(r.status, 200, r.text)
    assertSchema('UploadParts', r.json)
    assert.equal(r.json.entries, [])
  }))

test('should page with offset (an entry index) and limit', () =>
  withEmulator(SMALL, async (em) => {
    const bytes = randomFile(5 * 1024)
    const s = await openSession(em, bytes.length)
    const parts = await uploadAll(s, bytes)
    const page = async (query: string) => {
      const r = await listParts(s, query)
      assert.is(r.status, 200, `${query}: ${r.text}`)
      assertSchema('UploadParts', r.json)
      return r.json
    }
    const p1 = await page('?offset=1&limit=2')
    assert.equal(p1.entries, parts.slice(1, 3))
    assert.is(p1.offset, 1)
    assert.is(p1.limit, 2)
    assert.is(p1.total_count, 5)
    assert.equal((await page('?offset=4&limit=2')).entries, parts.slice(4))
    assert.equal((await page('?offset=5&limit=2')).entries, [])
    assert.equal((await page('?limit=1')).entries, parts.slice(0, 1))
    assert.equal((await page('?offset=3')).entries, parts.slice(3))
    // UI-EL checks one part with offset=<index>&limit=1 (protocol §3.5).
    assert.equal((await page('?offset=2&limit=1')).entries, [parts[2]])
  }))

test('should walk all parts by paging like the Node SDK (offset += entries until total_count)', () =>
  withEmulator({ minFileSize: 1, partSize: 16 }, async (em) => {
    const bytes = randomFile(16 * 23 + 5)
    const s = await openSession(em, bytes.length)
    const parts = await uploadAll(s, bytes)
    const seen = []
    let offset = 0
    for (let guard = 0; guard < 100; guard++) {
      const r = await listParts(s, `?offset=${offset}&limit=5`)
      assert.is(r.status, 200, r.text)
      seen.push(...r.json.entries)
      offset += r.json.entries.length
      if (r.json.entries.length === 0 || offset >= r.json.total_count) break
    }
    assert.equal(seen, parts)
  }))

test('should cap limit at 1000', () =>
  withEmulator({ minFileSize: 1, partSize: 1 }, async (em) => {
    const bytes = randomFile(1001)
    const s = await openSession(em, bytes.length)
    // 1001 one-byte parts, 50 at a time.
    for (let from = 0; from < s.total_parts; from += 50) {
      const batch = Array.from({ length: Math.min(50, s.total_parts - from) }, (_, k) => putPart(s, bytes, from + k))
      for (const r of await Promise.all(batch)) assert.is(r.status, 200, r.text)
    }
    const at = await listParts(s, '?limit=1000')
    assert.is(at.status, 200, at.text)
    assert.is(at.json.entries.length, 1000)
    // The spec's pagination: limit is "the same as the limit query parameter unless that value
    // exceeded the maximum", so a larger limit is capped, not refused.
    const over = await listParts(s, '?limit=5000')
    assert.is(over.status, 200, over.text)
    assert.is(over.json.limit, 1000)
    assert.is(over.json.entries.length, 1000)
    // However many digits: capped too, not taken as malformed.
    const huge = await listParts(s, `?limit=${'9'.repeat(30)}`)
    assert.is(huge.status, 200, huge.text)
    assert.is(huge.json.limit, 1000)
    assert.is((await listParts(s, '?offset=1000&limit=1000')).json.entries.length, 1)
  }))

test('should answer offset over 10000 with 400', () =>
  withEmulator(SMALL, async (em) => {
    const s = await openSession(em, 3000)
    const r = await listParts(s, '?offset=10001')
    assertBoxError(r, 400, 'bad_request')
    assertSchema('ClientError', r.json)
    assert.is((await listParts(s, '?offset=10000')).status, 200)
  }))

test('should answer malformed paging parameters with 400', () =>
  withEmulator(SMALL, async (em) => {
    const s = await openSession(em, 3000)
    for (const q of ['?offset=-1', '?limit=-1', '?limit=0', '?offset=abc', '?limit=1.5']) {
      assertBoxError(await listParts(s, q), 400, 'bad_request')
    }
  }))

// Box's legacy swagger: total_count is "always the number of expected parts" (protocol §3.5), not the parts uploaded so far.
test('should give total_count = total_parts while parts are still missing', () =>
  withEmulator(SMALL, async (em) => {
    const bytes = randomFile(3 * 1024 - 7)
    const s = await openSession(em, bytes.length)
    assert.is((await putPart(s, bytes, 1)).status, 200)
    const r = await listParts(s)
    assert.is(r.status, 200, r.text)
    assert.is(r.json.entries.length, 1)
    assert.is(r.json.total_count, s.total_parts)
  }))

test.run()
