/** Uploading parts (protocol §3.4, §4.2, §6.3-§6.5, §10.3-§10.8, §13). */
import { request } from 'node:http'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import {
  SMALL, TOKEN, assertBoxError, assertSameBytes, call, commit, contentRange, download, listParts, openSession,
  partBytes, putBytes, putPart, randomFile, sha1Base64, sha1Hex, sha256Base64, uploadAll, withEmulator, type Part,
} from '../helpers/box.ts'
import { assertSchema } from '../helpers/openapi.ts'
import { sliced, streamRequest } from '../helpers/rawHttp.ts'

const storedParts = async (session: Parameters<typeof listParts>[0]): Promise<ReadonlyArray<Part>> => {
  const r = await listParts(session)
  assert.is(r.status, 200, r.text)
  return r.json.entries
}

test('should store a part and answer 200 with it wrapped in `part`, sha1 in hex', () =>
  withEmulator(SMALL, async (em) => {
    const bytes = randomFile(2500)
    const s = await openSession(em, bytes.length)
    const body = partBytes(s, bytes, 1)
    const r = await putPart(s, bytes, 1)
    assert.is(r.status, 200, r.text)
    assertSchema('UploadedPart', r.json)
    const p = r.json.part
    assert.type(p.part_id, 'string')
    assert.ok(p.part_id.length > 0)
    assert.is(p.offset, 1024)
    assert.is(p.size, 1024)
    assert.is(p.sha1, sha1Hex(body))
    assert.match(p.sha1, /^[0-9a-f]{40}$/)
  }))

test('should accept a shorter last part', () =>
  withEmulator(SMALL, async (em) => {
    const bytes = randomFile(2500)
    const s = await openSession(em, bytes.length)
    const r = await putPart(s, bytes, 2)
    assert.is(r.status, 200, r.text)
    assert.is(r.json.part.offset, 2048)
    assert.is(r.json.part.size, 452)
  }))

test('should accept a single-part file smaller than part_size', () =>
  withEmulator(SMALL, async (em) => {
    const bytes = randomFile(10)
    const s = await openSession(em, bytes.length)
    assert.is(s.total_parts, 1)
    const r = await putPart(s, bytes, 0)
    assert.is(r.status, 200, r.text)
    assert.is(r.json.part.size, 10)
  }))

test('should give distinct part ids', () =>
  withEmulator(SMALL, async (em) => {
    const bytes = randomFile(4096)
    const s = await openSession(em, bytes.length)
    const parts = await uploadAll(s, bytes)
    assert.is(new Set(parts.map((p) => p.part_id)).size, 4)
  }))

test('should accept the Digest algorithm token in any case (sha=, SHA=)', () =>
  withEmulator(SMALL, async (em) => {
    const bytes = randomFile(3072)
    const s = await openSession(em, bytes.length)
    assert.is((await putPart(s, bytes, 0, { digest: `sha=${sha1Base64(partBytes(s, bytes, 0))}` })).status, 200)
    assert.is((await putPart(s, bytes, 1, { digest: `SHA=${sha1Base64(partBytes(s, bytes, 1))}` })).status, 200)
    assert.is((await putPart(s, bytes, 2, { digest: `Sha=${sha1Base64(partBytes(s, bytes, 2))}` })).status, 200)
  }))

test('should refuse a wrong part Digest with 400 digest_mismatch naming both digests, and not store the part', () =>
  withEmulator(SMALL, async (em) => {
    const bytes = randomFile(2048)
    const s = await openSession(em, bytes.length)
    const wrong = sha1Base64(new Uint8Array([1, 2, 3]))
    const r = await putPart(s, bytes, 0, { digest: `sha=${wrong}` })
    const e = assertBoxError(r, 400, 'digest_mismatch')
    assertSchema('ClientError', r.json)
    assert.ok(e.message.includes(wrong), `message names the sent digest: ${e.message}`)
    assert.ok(e.message.includes(sha1Base64(partBytes(s, bytes, 0))), `message names the actual digest: ${e.message}`)
    // The emulator also puts both in context_info (README): what was sent, what the bytes hash to.
    assert.equal(e.context_info, { expected: wrong, actual: sha1Base64(partBytes(s, bytes, 0)) })
    assert.equal(await storedParts(s), [])
    // The part can then be sent correctly.
    assert.is((await putPart(s, bytes, 0)).status, 200)
  }))

test('should refuse a part without Digest or with an unreadable one, and not store it', () =>
  withEmulator(SMALL, async (em) => {
    const bytes = randomFile(2048)
    const s = await openSession(em, bytes.length)
    // Box documents no code for these; the emulator's choice (README): missing_digest / invalid_digest.
    assertBoxError(await putPart(s, bytes, 0, { digest: null }), 400, 'missing_digest')
    assertBoxError(await putPart(s, bytes, 0, { digest: 'sha=not-base64!' }), 400, 'invalid_digest')
    assertBoxError(await putPart(s, bytes, 0, { digest: 'sha=AAAA' }), 400, 'invalid_digest')
    assertBoxError(await putPart(s, bytes, 0, { digest: 'md5=1B2M2Y8AsgTpgAmY7PhCfg==' }), 400, 'invalid_digest')
    assert.equal(await storedParts(s), [])
  }))

test('should accept a sha-256 part Digest (Box web uploader, 2017-2024) and still echo the part\'s SHA-1; the commit then takes the SHA-1 whole-file digest', () =>
  withEmulator(SMALL, async (em) => {
    const bytes = randomFile(2500)
    const s = await openSession(em, bytes.length)
    const tokens = ['sha-256', 'SHA-256', 'Sha-256']
    const parts: Part[] = []
    for (let i = 0; i < s.total_parts; i++) {
      const body = partBytes(s, bytes, i)
      const r = await putPart(s, bytes, i, { digest: `${tokens[i]}=${sha256Base64(body)}` })
      assert.is(r.status, 200, r.text)
      assert.equal(r.json.part, { part_id: r.json.part.part_id, offset: i * 1024, size: body.length, sha1: sha1Hex(body) })
      parts.push(r.json.part)
    }
    assert.equal(await storedParts(s), parts)
    const c = await commit(s, bytes, parts)
    assert.is(c.status, 201, c.text)
    assert.is(c.json.entries[0].sha1, sha1Hex(bytes))
    assertSameBytes((await download(em, c.json.entries[0].id)).bytes, bytes)
  }))

test('should use the SHA-1 of a Digest carrying both sha= and sha-256=', () =>
  withEmulator(SMALL, async (em) => {
    const bytes = randomFile(2048)
    const s = await openSession(em, bytes.length)
    const body = partBytes(s, bytes, 0)
    const r = await putPart(s, bytes, 0, { digest: `sha-256=${sha256Base64(body)}, sha=${sha1Base64(body)}` })
    assert.is(r.status, 200, r.text)
    const wrongSha1 = await putPart(s, bytes, 1, { digest: `sha-256=${sha256Base64(partBytes(s, bytes, 1))}, sha=${sha1Base64(body)}` })
    assertBoxError(wrongSha1, 400, 'digest_mismatch')
  }))

test('should refuse a wrong sha-256 part Digest with 400 digest_mismatch naming both SHA-256 digests, and not store the part', () =>
  withEmulator(SMALL, async (em) => {
    const bytes = randomFile(2048)
    const s = await openSession(em, bytes.length)
    const wrong = sha256Base64(new Uint8Array([1, 2, 3]))
    const actual = sha256Base64(partBytes(s, bytes, 0))
    const r = await putPart(s, bytes, 0, { digest: `sha-256=${wrong}` })
    const e = assertBoxError(r, 400, 'digest_mismatch')
    assertSchema('ClientError', r.json)
    assert.is(e.message, `Part digest was incorrect. Actual: ${actual} Expected: ${wrong}`)
    assert.equal(e.context_info, { expected: wrong, actual })
    assert.equal(await storedParts(s), [])
    assert.is((await putPart(s, bytes, 0, { digest: `sha-256=${actual}` })).status, 200)
  }))

test('should refuse a malformed sha-256 part Digest with 400 invalid_digest, and not store the part', () =>
  withEmulator(SMALL, async (em) => {
    const bytes = randomFile(2048)
    const s = await openSession(em, bytes.length)
    const body = partBytes(s, bytes, 0)
    // A SHA-1 sent as sha-256 (20 bytes, not 32), a truncated SHA-256, and not base64.
    for (const digest of [`sha-256=${sha1Base64(body)}`, `sha-256=${sha256Base64(body).slice(0, 40)}`, 'sha-256=not-base64!']) {
      const e = assertBoxError(await putPart(s, bytes, 0, { digest }), 400, 'invalid_digest')
      assert.match(e.message, 'SHA-256 digest must be 32 bytes', digest)
    }
    assert.equal(await storedParts(s), [])
  }))

/**
 * Content-Range problems: each is answered 416 (protocol §3.4 416, §6.3) and nothing is stored.
 * The code is the emulator's choice where Box names none: `invalid_content_range`.
 */
const malformed = 'is not of the form'
const wrongLength = 'the part at this offset must have exactly'
// name, Content-Range, body length, and what the message must say (each check is named apart).
const badRanges: ReadonlyArray<readonly [string, (total: number) => string | null, number, string]> = [
  ['no Content-Range', () => null, 1024, 'Content-Range header is required'],
  ['a range without the `bytes ` unit', (t) => `0-1023/${t}`, 1024, malformed],
  ['a range with `bytes=`', (t) => `bytes=0-1023/${t}`, 1024, malformed],
  ['a range without total', () => 'bytes 0-1023', 1024, malformed],
  ['a range with `*` total', () => 'bytes 0-1023/*', 1024, malformed],
  ['garbage', () => 'bytes zero-one/two', 1024, malformed],
  ['a range whose start is not a multiple of part_size', (t) => `bytes 100-1123/${t}`, 1024, 'not a multiple of part_size 1024'],
  ['a non-final part shorter than part_size', (t) => `bytes 0-511/${t}`, 512, wrongLength],
  ['a part longer than part_size', (t) => `bytes 0-2047/${t}`, 2048, wrongLength],
  ['a total different from file_size', (t) => `bytes 0-1023/${t + 1}`, 1024, "differs from the session's file_size"],
  ['a range past the end of the file', (t) => `bytes 2048-3071/${t}`, 1024, 'past the end of the file'],
  ['a final part ending one byte past the end of the file', (t) => `bytes 2048-${t}/${t}`, 453, 'past the end of the file'],
  ['a final part shorter than the rest of the file', (t) => `bytes 2048-2099/${t}`, 52, wrongLength],
  ['a reversed range', (t) => `bytes 1023-0/${t}`, 1024, malformed],
]

for (const [what, range, bodyLength, says] of badRanges) {
  test(`should refuse ${what} with 416`, () =>
    withEmulator(SMALL, async (em) => {
      const bytes = randomFile(2500)
      const s = await openSession(em, bytes.length)
      const body = bytes.slice(0, bodyLength)
      const r = await putBytes(s, body, 0, bytes.length, { range: range(bytes.length) })
      assertBoxError(r, 416, 'invalid_content_range')
      assertSchema('ClientError', r.json)
      assert.match(String((r.json as { message?: unknown }).message), says)
      assert.equal(await storedParts(s), [])
    }))
}

test('should refuse a 0-byte part', () =>
  withEmulator(SMALL, async (em) => {
    const bytes = randomFile(2048)
    const s = await openSession(em, bytes.length)
    const empty = new Uint8Array(0)
    // An empty range cannot be written as first-last; clients that sent one wrote `bytes N-(N-1)/total`.
    assertBoxError(await putBytes(s, empty, 2048, bytes.length, { range: `bytes 2048-2047/${bytes.length}` }), 416, 'invalid_content_range')
    assertBoxError(await putBytes(s, empty, 0, bytes.length, { range: contentRange(0, 1023, bytes.length) }), 400, 'request_size_mismatch')
    assert.equal(await storedParts(s), [])
  }))

// A body of 1000 or 1100 bytes where its Content-Range names the first 1024.
for (const [what, length] of [['shorter', 1000], ['longer', 1100]] as const) {
  test(`should refuse a body ${what} than its Content-Range and not store it`, () =>
    withEmulator(SMALL, async (em) => {
      const bytes = randomFile(2048)
      const s = await openSession(em, bytes.length)
      const r = await putBytes(s, bytes.slice(0, length), 0, bytes.length, { range: contentRange(0, 1023, bytes.length) })
      assertBoxError(r, 400, 'request_size_mismatch')
      assert.equal(await storedParts(s), [])
    }))
}

test('should answer an overlapping part 416 range_overlaps_existing_part with the stored part', () =>
  withEmulator(SMALL, async (em) => {
    const bytes = randomFile(2048)
    const s = await openSession(em, bytes.length)
    const first = await putPart(s, bytes, 1)
    assert.is(first.status, 200)
    const again = await putPart(s, bytes, 1)
    const e = assertBoxError(again, 416, 'range_overlaps_existing_part')
    assertSchema('ClientError', again.json)
    assert.equal(e.context_info.conflicting_part, first.json.part)
    // Different bytes for the same range: still refused, the stored part wins.
    const other = randomFile(1024)
    const changed = await putBytes(s, other, 1024, bytes.length)
    assert.equal(assertBoxError(changed, 416, 'range_overlaps_existing_part').context_info.conflicting_part, first.json.part)
    assert.equal(await storedParts(s), [first.json.part])
  }))

test('should accept parts out of order and list them by offset', () =>
  withEmulator(SMALL, async (em) => {
    const bytes = randomFile(4000)
    const s = await openSession(em, bytes.length)
    const parts: Part[] = []
    for (const i of [3, 1, 0, 2]) {
      const r = await putPart(s, bytes, i)
      assert.is(r.status, 200, r.text)
      parts[i] = r.json.part
    }
    assert.equal(await storedParts(s), parts)
    assert.is((await commit(s, bytes, parts)).status, 201)
  }))

test('should accept parts uploaded in parallel and keep every one', () =>
  withEmulator({ minFileSize: 1, partSize: 4096 }, async (em) => {
    const bytes = randomFile(4096 * 12 + 77)
    const s = await openSession(em, bytes.length)
    const replies = await Promise.all(Array.from({ length: s.total_parts }, (_, i) => putPart(s, bytes, i)))
    replies.forEach((r, i) => assert.is(r.status, 200, `part ${i}: ${r.text}`))
    const parts = replies.map((r) => r.json.part as Part)
    assert.is(new Set(parts.map((p) => p.part_id)).size, s.total_parts)
    assert.equal(await storedParts(s), parts)
    const c = await commit(s, bytes, parts)
    assert.is(c.status, 201, c.text)
    assertSameBytes((await download(em, c.json.entries[0].id)).bytes, bytes)
  }))

test('should accept part bodies sent with Transfer-Encoding: chunked (no Content-Length)', () =>
  withEmulator({ minFileSize: 1, partSize: 64 * 1024 }, async (em) => {
    const bytes = randomFile(64 * 1024 * 2 + 1000)
    const s = await openSession(em, bytes.length)
    const parts: Part[] = []
    for (let i = 0; i < s.total_parts; i++) {
      const body = partBytes(s, bytes, i)
      const offset = i * s.part_size
      const r = await streamRequest(s.session_endpoints.upload_part, {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${TOKEN}`,
          'content-type': 'application/octet-stream',
          'transfer-encoding': 'chunked',
          'content-range': contentRange(offset, offset + body.length - 1, bytes.length),
          digest: `sha=${sha1Base64(body)}`,
        },
        chunks: sliced(body, 5000),
      })
      assert.is(r.status, 200, r.text)
      assert.is(r.json.part.sha1, sha1Hex(body))
      assert.is(r.json.part.size, body.length)
      parts.push(r.json.part)
    }
    const c = await commit(s, bytes, parts)
    assert.is(c.status, 201, c.text)
    assertSameBytes((await download(em, c.json.entries[0].id)).bytes, bytes)
  }))

test('should refuse a chunked body shorter than its Content-Range', () =>
  withEmulator(SMALL, async (em) => {
    const bytes = randomFile(2048)
    const s = await openSession(em, bytes.length)
    const r = await streamRequest(s.session_endpoints.upload_part, {
      headers: {
        authorization: `Bearer ${TOKEN}`,
        'content-range': contentRange(0, 1023, bytes.length),
        digest: `sha=${sha1Base64(bytes.slice(0, 1024))}`,
      },
      chunks: sliced(bytes.slice(0, 1000), 100),
    })
    assert.is(r.status, 400, r.text)
    assert.is(r.json?.code, 'request_size_mismatch')
    assert.equal(await storedParts(s), [])
  }))

test('should ignore unknown headers such as X-Box-Client-Event-Info and X-Box-UA', () =>
  withEmulator(SMALL, async (em) => {
    const bytes = randomFile(100)
    const s = await openSession(em, bytes.length)
    const r = await putPart(s, bytes, 0, { headers: { 'x-box-client-event-info': '{"a":1}', 'x-box-ua': 'test' } })
    assert.is(r.status, 200, r.text)
  }))

test('should accept POST log_event and answer 2xx', () =>
  withEmulator(SMALL, async (em) => {
    const s = await openSession(em, 100)
    const r = await call('POST', s.session_endpoints.log_event, { json: { event_type: 'part_failure', event_info: 'x' } })
    assert.ok(r.status >= 200 && r.status < 300, `2xx, got ${r.status}: ${r.text}`)
  }))

test('should store only one of concurrent uploads of the same part; the others are answered 416 with it', () =>
  withEmulator({ minFileSize: 1, partSize: 256 * 1024 }, async (em) => {
    const bytes = randomFile(512 * 1024)
    const s = await openSession(em, bytes.length)
    const replies = await Promise.all([putPart(s, bytes, 0), putPart(s, bytes, 0), putPart(s, bytes, 0)])
    const ok = replies.filter((r) => r.status === 200)
    assert.is(ok.length, 1, `statuses ${replies.map((r) => r.status)}`)
    // A body still arriving holds nothing: each is read, and those after the first stored meet it (at once, or once read).
    for (const r of replies.filter((x) => x.status !== 200)) {
      assert.equal(assertBoxError(r, 416, 'range_overlaps_existing_part').context_info.conflicting_part, ok[0]!.json.part)
    }
    assert.equal(await storedParts(s), [ok[0]!.json.part])
  }))

// Only the emulator's own wait holds a part (a slow fault: Box still storing it), not a body still arriving (body-idle.test.ts).
test('should answer 409 conflict to a second upload of a part whose first upload waits out a slow fault, and keep the first', () =>
  withEmulator({ ...SMALL, faults: { slowMs: 1000, script: [{ part: 0, fault: 'slow' }] } }, async (em) => {
    const bytes = randomFile(2048)
    const s = await openSession(em, bytes.length)
    const first = putPart(s, bytes, 0)
    // Handled here too: a failed check below closes the emulator, which fails the first request.
    first.catch(() => undefined)
    // Well inside the first one's second of delay, with room for a loaded machine to have sent it.
    await new Promise((resolve) => setTimeout(resolve, 250))
    assertBoxError(await putPart(s, bytes, 0), 409, 'conflict')
    const stored = await first
    assert.is(stored.status, 200, stored.text)
    assert.equal(await storedParts(s), [stored.json.part])
  }))

// The wait ends the hold, whatever the upload's answer: a part still held after a slow fault whose body was refused
// would be answered 409 to every retry, and its file never finish.
test('should let go of a part once its slow fault\'s wait is over, also when that upload is refused (a wrong digest)', () =>
  withEmulator({ ...SMALL, faults: { slowMs: 50, script: [{ part: 0, fault: 'slow' }] } }, async (em) => {
    const bytes = randomFile(2048)
    const s = await openSession(em, bytes.length)
    assertBoxError(await putPart(s, bytes, 0, { digest: `sha=${sha1Base64(new Uint8Array(1))}` }), 400, 'digest_mismatch')
    const retried = await putPart(s, bytes, 0)
    assert.is(retried.status, 200, retried.text)
    assert.equal(await storedParts(s), [retried.json.part])
  }))

// Box says only that a DELETE after the commit succeeds (protocol §3.6): the rest is the emulator's (README).
test('should refuse parts, the parts list and the status of a committed session with 404 not_found, and keep commit, DELETE and log', () =>
  withEmulator(SMALL, async (em) => {
    const bytes = randomFile(1500)
    const s = await openSession(em, bytes.length)
    const parts = await uploadAll(s, bytes)
    assert.is((await commit(s, bytes, parts)).status, 201)
    assertBoxError(await putPart(s, bytes, 0), 404, 'not_found')
    assertBoxError(await listParts(s), 404, 'not_found')
    assertBoxError(await call('GET', s.session_endpoints.status), 404, 'not_found')
    assert.is((await call('POST', s.session_endpoints.log_event, { json: { event_type: 'x' } })).status, 200)
    assert.is((await commit(s, bytes, parts)).status, 201)
    assert.is((await call('DELETE', s.session_endpoints.abort)).status, 204)
  }))

test('should not store a part whose session is aborted while its body is in flight', () =>
  withEmulator({ ...SMALL, faults: { slowMs: 1000, script: [{ part: 0, fault: 'slow' }] } }, async (em) => {
    const bytes = randomFile(2048)
    const s = await openSession(em, bytes.length)
    const inFlight = putPart(s, bytes, 0)
    await new Promise((resolve) => setTimeout(resolve, 50))
    assert.is((await call('DELETE', s.session_endpoints.abort)).status, 204)
    assertBoxError(await inFlight, 404, 'not_found')
  }))

test('should accept a part sent after `Expect: 100-continue` (what curl does for large bodies)', () =>
  withEmulator({ minFileSize: 1, partSize: 1024 * 1024 }, async (em) => {
    const bytes = randomFile(1024 * 1024 + 10)
    const s = await openSession(em, bytes.length)
    const body = partBytes(s, bytes, 0)
    const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(s.session_endpoints.upload_part, {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${TOKEN}`, 'content-range': contentRange(0, body.length - 1, bytes.length),
          'content-length': String(body.length), digest: `sha=${sha1Base64(body)}`, expect: '100-continue',
        },
      })
      const timer = setTimeout(() => { req.destroy(); reject(new Error('no answer to Expect: 100-continue')) }, 3000)
      req.on('continue', () => req.end(body))
      req.on('response', (res) => {
        let text = ''
        res.on('data', (c: Buffer) => { text += c.toString() })
        res.on('end', () => { clearTimeout(timer); resolve({ status: res.statusCode ?? 0, text }) })
      })
      req.on('error', (e) => { clearTimeout(timer); reject(e) })
    })
    assert.is(answer.status, 200, answer.text)
    assert.is(JSON.parse(answer.text).part.sha1, sha1Hex(body))
  }))

test('should take a request target in absolute form (RFC 9112 §3.2.2: what a client sends through a proxy)', () =>
  withEmulator(SMALL, async (em) => {
    const bytes = randomFile(1000)
    const s = await openSession(em, bytes.length)
    const { host, port } = new URL(em.url)
    const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      // `path` is the whole URL: node:http then sends `PUT http://127.0.0.1:PORT/api/2.0/... HTTP/1.1`.
      const req = request({
        host: host.split(':')[0], port, method: 'PUT', path: s.session_endpoints.upload_part,
        headers: { authorization: `Bearer ${TOKEN}`, 'content-range': contentRange(0, 999, 1000), digest: `sha=${sha1Base64(bytes)}` },
      })
      req.setTimeout(3000, () => req.destroy(new Error('no answer')))
      req.on('response', (res) => {
        let text = ''
        res.on('data', (c: Buffer) => { text += c.toString() })
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }))
      })
      req.on('error', reject)
      req.end(bytes)
    })
    assert.is(answer.status, 200, answer.text)
    assert.is(JSON.parse(answer.text).part.sha1, sha1Hex(bytes))
  }))

test('should find the SHA-1 among several Digest instances', () =>
  withEmulator(SMALL, async (em) => {
    const bytes = randomFile(2048)
    const s = await openSession(em, bytes.length)
    const r = await putPart(s, bytes, 0, { digest: `sha-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=, sha=${sha1Base64(partBytes(s, bytes, 0))}` })
    assert.is(r.status, 200, r.text)
  }))

test('should accept a part whatever its Content-Type (Box documents octet-stream but clients vary)', () =>
  withEmulator(SMALL, async (em) => {
    const bytes = randomFile(2048)
    const s = await openSession(em, bytes.length)
    assert.is((await putPart(s, bytes, 0, { headers: { 'content-type': 'text/plain' } })).status, 200)
    assert.is((await putPart(s, bytes, 1, { headers: { 'content-type': 'application/x-binary' } })).status, 200)
  }))

test('should keep concurrent sessions apart (10 uploads of 4 parts, all parts in flight at once)', () =>
  withEmulator(SMALL, async (em) => {
    const files = Array.from({ length: 10 }, () => randomFile(4 * 1024 - 7))
    const sessions = await Promise.all(files.map((f) => openSession(em, f.length)))
    const replies = await Promise.all(sessions.flatMap((s, n) => [0, 1, 2, 3].map((i) => putPart(s, files[n]!, i))))
    for (const r of replies) assert.is(r.status, 200, r.text)
    const committed = await Promise.all(sessions.map((s, n) => commit(s, files[n]!, replies.slice(n * 4, n * 4 + 4).map((r) => r.json.part))))
    for (const [n, c] of committed.entries()) {
      assert.is(c.status, 201, c.text)
      assertSameBytes((await download(em, c.json.entries[0].id)).bytes, files[n]!)
    }
  }))

test.run()
