/** Committing and aborting (protocol §3.6, §3.7, §7, §10.9-§10.12, §10.17, §10.21, §13). */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import {
  SMALL, abort, assertBoxError, assertSameBytes, call, commit, createVersionSession, download, listParts,
  openSession, putPart, randomFile, sha1Base64, sha1Hex, sha256Base64, sleep, status, uniqueName, uploadAll, uploadFile,
  withEmulator, type Part, type Session,
} from '../helpers/box.ts'
import { assertSchema } from '../helpers/openapi.ts'

/** A session for `size` random bytes with every part uploaded: what a commit test starts from. */
const uploaded = async (em: Parameters<typeof openSession>[0], size: number): Promise<{ bytes: Uint8Array<ArrayBuffer>; s: Session; parts: ReadonlyArray<Part> }> => {
  const bytes = randomFile(size)
  const s = await openSession(em, bytes.length)
  return { bytes, s, parts: await uploadAll(s, bytes) }
}

/** 'reset' when a request's connection was reset (fetch rejects with a TypeError), 'answered' when it got an answer. */
const resetOrAnswered = (reply: Promise<unknown>): Promise<string> =>
  reply.then(() => 'answered', (e: unknown) => e instanceof TypeError ? 'reset' : String(e))

test('should commit: 201 with a Files collection holding the new file', () =>
  withEmulator(SMALL, async (em) => {
    const bytes = randomFile(3000)
    const name = uniqueName('commit')
    const s = await openSession(em, bytes.length, name)
    const parts = await uploadAll(s, bytes)
    const r = await commit(s, bytes, parts)
    assert.is(r.status, 201, r.text)
    assertSchema('Files', r.json)
    assert.is(r.json.total_count, 1)
    assert.is(r.json.entries.length, 1)
    const f = r.json.entries[0]
    assertSchema('File--Full', f)
    assert.is(f.type, 'file')
    assert.type(f.id, 'string')
    assert.ok(f.id.length > 0)
    assert.is(f.name, name)
    assert.is(f.size, bytes.length)
    assert.is(f.sha1.toLowerCase(), sha1Hex(bytes))
    assert.is(f.parent.id, '0')
    assertSameBytes((await download(em, f.id)).bytes, bytes)
  }))

test('should accept commit parts without sha1 (Java SDK sends only part_id, offset, size)', () =>
  withEmulator(SMALL, async (em) => {
    const { bytes, s, parts } = await uploaded(em, 2500)
    const r = await commit(s, bytes, parts.map(({ part_id, offset, size }) => ({ part_id, offset, size })))
    assert.is(r.status, 201, r.text)
  }))

// Hex has no case: a client may echo Box's lowercase sha1 in upper case. A different sha1 is still refused.
test('should accept commit parts whose sha1 is upper-case hex, and refuse one with another sha1', () =>
  withEmulator(SMALL, async (em) => {
    const { bytes, s, parts } = await uploaded(em, 2500)
    const other = parts.map((p, i) => (i === 1 ? { ...p, sha1: sha1Hex(bytes.subarray(0, 1)) } : p))
    assertBoxError(await commit(s, bytes, other), 400, 'invalid_parts')
    const r = await commit(s, bytes, parts.map((p) => ({ ...p, sha1: String(p.sha1).toUpperCase() })))
    assert.is(r.status, 201, r.text)
  }))

test('should accept the whole-file Digest as SHA= too', () =>
  withEmulator(SMALL, async (em) => {
    const { bytes, s, parts } = await uploaded(em, 2500)
    assert.is((await commit(s, bytes, parts, { digest: `SHA=${sha1Base64(bytes)}` })).status, 201)
  }))

test('should refuse a wrong whole-file digest with 400 digest_mismatch naming both digests', () =>
  withEmulator(SMALL, async (em) => {
    const { bytes, s, parts } = await uploaded(em, 2500)
    const wrong = sha1Base64(randomFile(10))
    const r = await commit(s, bytes, parts, { digest: `sha=${wrong}` })
    const e = assertBoxError(r, 400, 'digest_mismatch')
    assertSchema('ClientError', r.json)
    assert.ok(e.message.includes(wrong), e.message)
    assert.ok(e.message.includes(sha1Base64(bytes)), e.message)
    assert.equal(e.context_info, { expected: wrong, actual: sha1Base64(bytes) })
    // The session stays usable: the right digest then commits.
    assert.is((await commit(s, bytes, parts)).status, 201)
  }))

test('should refuse a commit without Digest', () =>
  withEmulator(SMALL, async (em) => {
    const { bytes, s, parts } = await uploaded(em, 2500)
    assertBoxError(await commit(s, bytes, parts, { digest: null }), 400, 'missing_digest')
    assertBoxError(await commit(s, bytes, parts, { digest: 'sha=short' }), 400, 'invalid_digest')
  }))

test('should refuse a sha-256 whole-file Digest with 400 invalid_digest (SHA-1 only at commit), then commit with sha=', () =>
  withEmulator(SMALL, async (em) => {
    const { bytes, s, parts } = await uploaded(em, 2500)
    const e = assertBoxError(await commit(s, bytes, parts, { digest: `sha-256=${sha256Base64(bytes)}` }), 400, 'invalid_digest')
    assert.match(e.message, 'must be SHA-1')
    assert.match(e.message, 'sha-256 is accepted only for parts')
    assert.is((await status(s)).status, 200, 'the session is still open')
    const r = await commit(s, bytes, parts)
    assert.is(r.status, 201, r.text)
  }))

/** Bad `parts` lists: each is refused with `400 invalid_parts` (the emulator's code; Box names none) and nothing is committed. */
const badPartLists: ReadonlyArray<readonly [string, (parts: ReadonlyArray<Record<string, unknown>>) => unknown]> = [
  ['a missing part (gap)', (p) => [p[0], p[2]]],
  ['a missing last part', (p) => p.slice(0, 2)],
  ['no parts at all', () => []],
  ['parts out of offset order', (p) => [p[1], p[0], p[2]]],
  ['a part listed twice', (p) => [p[0], p[1], p[1], p[2]]],
  ['an unknown part_id', (p) => [p[0], { ...p[1], part_id: 'DEADBEEF' }, p[2]]],
  ['a wrong offset', (p) => [p[0], { ...p[1], offset: 1 }, p[2]]],
  ['a wrong size', (p) => [p[0], { ...p[1], size: 5 }, p[2]]],
  ['a wrong sha1', (p) => [p[0], { ...p[1], sha1: '0'.repeat(40) }, p[2]]],
  ['`parts` not an array', () => 'all'],
]

for (const [what, mangle] of badPartLists) {
  test(`should refuse a commit with ${what}`, () =>
    withEmulator(SMALL, async (em) => {
      const { bytes, s, parts } = await uploaded(em, 2500)
      const r = await call('POST', s.session_endpoints.commit, {
        headers: { digest: `sha=${sha1Base64(bytes)}` },
        json: { parts: mangle(parts as unknown as ReadonlyArray<Record<string, unknown>>) },
      })
      assertBoxError(r, 400, 'invalid_parts')
      assertSchema('ClientError', r.json)
      assert.is((await commit(s, bytes, parts)).status, 201, 'the right commit still works')
    }))
}

test('should refuse a commit before every part is uploaded', () =>
  withEmulator(SMALL, async (em) => {
    const bytes = randomFile(2500)
    const s = await openSession(em, bytes.length)
    const p0 = (await putPart(s, bytes, 0)).json.part
    const p1 = (await putPart(s, bytes, 1)).json.part
    const r = await commit(s, bytes, [p0, p1])
    assertBoxError(r, 400, 'invalid_parts')
  }))

test('should refuse a commit body without `parts` or with malformed JSON', () =>
  withEmulator(SMALL, async (em) => {
    const bytes = randomFile(2500)
    const s = await openSession(em, bytes.length)
    await uploadAll(s, bytes)
    const digest = `sha=${sha1Base64(bytes)}`
    assertBoxError(await call('POST', s.session_endpoints.commit, { headers: { digest }, json: {} }), 400, 'invalid_parts')
    assertBoxError(await call('POST', s.session_endpoints.commit, {
      headers: { digest, 'content-type': 'application/json' }, body: '{"parts": [',
    }), 400, 'bad_request')
  }))

test('should answer 202 with Retry-After and an empty body while parts are processing, then 201', () =>
  withEmulator({ ...SMALL, processingDelayMs: 600 }, async (em) => {
    const { bytes, s, parts } = await uploaded(em, 3000)
    const early = await commit(s, bytes, parts)
    assert.is(early.status, 202, early.text)
    assert.is(early.text, '')
    const retryAfter = early.headers.get('retry-after')
    assert.ok(retryAfter !== null && /^\d+$/.test(retryAfter), `Retry-After in whole seconds: ${retryAfter}`)
    const during = (await status(s)).json
    assert.ok(during.num_parts_processed < s.total_parts, `still processing: ${during.num_parts_processed}`)
    await sleep(700)
    assert.is((await status(s)).json.num_parts_processed, s.total_parts)
    const late = await commit(s, bytes, parts)
    assert.is(late.status, 201, late.text)
    assertSchema('Files', late.json)
  }))

test('should answer commitAccepted N: N times 202 (Retry-After from retryAfterSeconds), then 201', () =>
  withEmulator({ ...SMALL, faults: { commitAccepted: 3, retryAfterSeconds: 2 } }, async (em) => {
    const { bytes, s, parts } = await uploaded(em, 2000)
    for (let i = 0; i < 3; i++) {
      const r = await commit(s, bytes, parts)
      assert.is(r.status, 202, `commit ${i + 1}: ${r.text}`)
      assert.is(r.text, '')
      assert.is(r.headers.get('retry-after'), '2')
    }
    const r = await commit(s, bytes, parts)
    assert.is(r.status, 201, r.text)
  }))

test('should count commitAccepted per session', () =>
  withEmulator({ ...SMALL, faults: { commitAccepted: 1, retryAfterSeconds: 0 } }, async (em) => {
    for (let n = 0; n < 2; n++) {
      const { bytes, s, parts } = await uploaded(em, 1500)
      const first = await commit(s, bytes, parts)
      assert.is(first.status, 202, first.text)
      assert.is(first.headers.get('retry-after'), '0')
      assert.is((await commit(s, bytes, parts)).status, 201)
    }
  }))

test('should answer commitFaults in order: error_before (not applied), error_after (applied), reset_after (applied), then the file again', () =>
  withEmulator({ ...SMALL, faults: { commitFaults: ['error_before', 'error_after', null, 'reset_after'] } }, async (em) => {
    const { bytes, s, parts } = await uploaded(em, 2500)
    assertBoxError(await commit(s, bytes, parts), 500, 'internal_server_error')
    assert.is((await status(s)).status, 200, 'error_before: the session is still open')
    const after = await commit(s, bytes, parts)
    assertBoxError(after, 500, 'internal_server_error')
    assert.match(after.json.message, 'WAS applied')
    assert.is((await status(s)).status, 404, 'error_after: the session is committed')
    const again = await commit(s, bytes, parts)
    assert.is(again.status, 201, again.text)
    assertSameBytes((await download(em, again.json.entries[0].id)).bytes, bytes)
    assert.is(await resetOrAnswered(commit(s, bytes, parts)), 'reset')
    assert.is((await commit(s, bytes, parts)).status, 201, 'faults past the list: none')
  }))

test('should give a commit fault in the place of a 202, committing nothing: the README example fires its error_after', () =>
  withEmulator({ ...SMALL, faults: { retryAfterSeconds: 0, commitAccepted: 2, commitFaults: [null, 'error_after', 'reset_after'] } }, async (em) => {
    const { bytes, s, parts } = await uploaded(em, 2500)
    assert.is((await commit(s, bytes, parts)).status, 202)
    const second = await commit(s, bytes, parts)
    assertBoxError(second, 500, 'internal_server_error')
    assert.match(second.json.message, 'was not applied')
    assert.is((await status(s)).status, 200, 'nothing was committed: the session is open')
    // The two 202s were given (one in the 500's place): the third commit commits, and its reset_after hides the 201.
    assert.is(await resetOrAnswered(commit(s, bytes, parts)), 'reset')
    const fourth = await commit(s, bytes, parts)
    assert.is(fourth.status, 201, fourth.text)
    assertSameBytes((await download(em, fourth.json.entries[0].id)).bytes, bytes)
  }))

test('should apply reset_after only after committing the file', () =>
  withEmulator({ ...SMALL, faults: { commitFaults: ['reset_after'] } }, async (em) => {
    const { bytes, s, parts } = await uploaded(em, 1500)
    assert.is(await resetOrAnswered(commit(s, bytes, parts)), 'reset')
    const r = await commit(s, bytes, parts)
    assert.is(r.status, 201, r.text)
    assertSameBytes((await download(em, r.json.entries[0].id)).bytes, bytes)
  }))

test('should apply commit attributes to the file', () =>
  withEmulator(SMALL, async (em) => {
    const { bytes, s, parts } = await uploaded(em, 1500)
    const attributes = { content_modified_at: '2024-01-02T03:04:05Z', description: 'made by a test' }
    const r = await commit(s, bytes, parts, { attributes })
    assert.is(r.status, 201, r.text)
    const f = r.json.entries[0]
    assert.is(Date.parse(f.content_modified_at), Date.parse(attributes.content_modified_at))
    assert.is(f.description, attributes.description)
    const got = await call('GET', `${em.apiUrl}/files/${f.id}`)
    assert.is(got.json.description, attributes.description)
  }))

const versionOf = async (em: Parameters<typeof uploadFile>[0], fileId: string, bytes: Uint8Array<ArrayBuffer>): Promise<{ s: Session; parts: ReadonlyArray<unknown> }> => {
  const r = await createVersionSession(em, fileId, { file_size: bytes.length })
  assert.is(r.status, 201, r.text)
  const s = r.json as Session
  return { s, parts: await uploadAll(s, bytes) }
}

test('should commit a new version: same file id, new content and etag', () =>
  withEmulator(SMALL, async (em) => {
    const v1 = await uploadFile(em, randomFile(2000))
    const bytes = randomFile(3100)
    const { s, parts } = await versionOf(em, v1.id, bytes)
    const r = await commit(s, bytes, parts)
    assert.is(r.status, 201, r.text)
    const v2 = r.json.entries[0]
    assert.is(v2.id, v1.id)
    assert.is(v2.name, v1.name)
    assert.is(v2.size, bytes.length)
    assert.is.not(v2.etag, v1.etag)
    // File--Full's version_number counts versions from "1"; each version has a file_version of its own.
    assert.equal([v1.version_number, v2.version_number], ['1', '2'])
    assert.is.not(v2.file_version.id, v1.file_version.id)
    assertSameBytes((await download(em, v1.id)).bytes, bytes)
  }))

test('should answer 412 when If-Match differs from the file etag, and commit when it matches', () =>
  withEmulator(SMALL, async (em) => {
    const v1 = await uploadFile(em, randomFile(2000))
    assert.type(v1.etag, 'string')
    const bytes = randomFile(2100)
    const { s, parts } = await versionOf(em, v1.id, bytes)
    const wrong = await commit(s, bytes, parts, { headers: { 'if-match': `${v1.etag}-not` } })
    assertBoxError(wrong, 412, 'precondition_failed')
    assertSchema('ClientError', wrong.json)
    const listed = await commit(s, bytes, parts, { headers: { 'if-match': `"x", "${v1.etag}"` } })
    assert.is(listed.status, 201, listed.text)
    // `*` matches any current version.
    const { s: s2, parts: parts2 } = await versionOf(em, v1.id, bytes)
    assert.is((await commit(s2, bytes, parts2, { headers: { 'if-match': '*' } })).status, 201)
  }))

test('should never match a weak entity tag in If-Match (RFC 9110 compares strongly there)', () =>
  withEmulator(SMALL, async (em) => {
    const v1 = await uploadFile(em, randomFile(2000))
    const bytes = randomFile(2100)
    const { s, parts } = await versionOf(em, v1.id, bytes)
    assertBoxError(await commit(s, bytes, parts, { headers: { 'if-match': `W/"${v1.etag}"` } }), 412, 'precondition_failed')
    assert.is((await commit(s, bytes, parts, { headers: { 'if-match': `W/"${v1.etag}", "${v1.etag}"` } })).status, 201, 'a strong tag in the same list matches')
  }))

test('should answer 412 when If-None-Match matches the file etag (weakly, or `*`), and commit when it does not', () =>
  withEmulator(SMALL, async (em) => {
    const v1 = await uploadFile(em, randomFile(2000))
    const bytes = randomFile(2100)
    const { s, parts } = await versionOf(em, v1.id, bytes)
    for (const tag of [`"${v1.etag}"`, `W/"${v1.etag}"`, `"x", "${v1.etag}"`, '*']) {
      const r = await commit(s, bytes, parts, { headers: { 'if-none-match': tag } })
      assertBoxError(r, 412, 'precondition_failed')
      assertSchema('ClientError', r.json)
    }
    // If-Match is checked first (RFC 9110 §13.2.2), and both pass here.
    const both = await commit(s, bytes, parts, { headers: { 'if-match': `"${v1.etag}"`, 'if-none-match': `"${v1.etag}-old"` } })
    assert.is(both.status, 201, both.text)
    // The new version has a new etag: the old one no longer matches.
    const { s: s2, parts: parts2 } = await versionOf(em, v1.id, bytes)
    assert.is((await commit(s2, bytes, parts2, { headers: { 'if-none-match': `"${v1.etag}"` } })).status, 201)
  }))

test('should ignore If-Match and If-None-Match when committing a new file', () =>
  withEmulator(SMALL, async (em) => {
    const { bytes, s, parts } = await uploaded(em, 2000)
    assert.is((await commit(s, bytes, parts, { headers: { 'if-match': '"nothing"', 'if-none-match': '*' } })).status, 201)
  }))

test('should abort with 204 and an empty body; the session is then 404', () =>
  withEmulator(SMALL, async (em) => {
    const { bytes, s, parts } = await uploaded(em, 2000)
    const r = await abort(s)
    assert.is(r.status, 204)
    assert.is(r.text, '')
    assertBoxError(await status(s), 404, 'not_found')
    assertBoxError(await listParts(s), 404, 'not_found')
    assertBoxError(await putPart(s, bytes, 0), 404, 'not_found')
    assertBoxError(await commit(s, bytes, parts), 404, 'not_found')
  }))

test('should answer abort 204 after a commit too, and keep the committed file', () =>
  withEmulator(SMALL, async (em) => {
    const { bytes, s, parts } = await uploaded(em, 2000)
    const c = await commit(s, bytes, parts)
    assert.is(c.status, 201)
    const r = await abort(s)
    assert.is(r.status, 204)
    assert.is(r.text, '')
    assertBoxError(await status(s), 404, 'not_found')
    assertSameBytes((await download(em, c.json.entries[0].id)).bytes, bytes)
  }))

test('should answer a repeated commit of a committed session 201 with the same file (idempotent retry)', () =>
  withEmulator(SMALL, async (em) => {
    const { bytes, s, parts } = await uploaded(em, 1500)
    const first = await commit(s, bytes, parts)
    assert.is(first.status, 201, first.text)
    const again = await commit(s, bytes, parts)
    assert.is(again.status, 201, again.text)
    assert.is(again.json.entries[0].id, first.json.entries[0].id)
  }))

test('should finish processing by the clock option (no sleeping)', async () => {
  let now = Date.parse('2030-01-01T00:00:00Z')
  await withEmulator({ ...SMALL, processingDelayMs: 60_000, clock: () => now }, async (em) => {
    const { bytes, s, parts } = await uploaded(em, 2500)
    assert.is((await status(s)).json.num_parts_processed, 0)
    assert.is((await commit(s, bytes, parts)).status, 202)
    now += 60_000
    assert.is((await status(s)).json.num_parts_processed, 3)
    assert.is((await commit(s, bytes, parts)).status, 201)
  })
})

test('should refuse malformed commit attributes with 400 bad_request', () =>
  withEmulator(SMALL, async (em) => {
    const { bytes, s, parts } = await uploaded(em, 1500)
    for (const attributes of [{ content_modified_at: 'yesterday' }, { description: 5 }]) {
      assertBoxError(await commit(s, bytes, parts, { attributes }), 400, 'bad_request')
    }
    assertBoxError(await call('POST', s.session_endpoints.commit, { headers: { digest: `sha=${sha1Base64(bytes)}` }, json: { parts, attributes: [1] } }), 400, 'bad_request')
    assert.is((await commit(s, bytes, parts)).status, 201)
  }))

test('should accept as If-Match the quoted ETag header of GET /files/:id', () =>
  withEmulator(SMALL, async (em) => {
    const v1 = await uploadFile(em, randomFile(2000))
    const got = await call('GET', `${em.apiUrl}/files/${v1.id}`)
    const etag = got.headers.get('etag')
    assert.ok(etag !== null, 'GET /files/:id sends an ETag')
    const bytes = randomFile(2100)
    const { s, parts } = await versionOf(em, v1.id, bytes)
    const r = await commit(s, bytes, parts, { headers: { 'if-match': etag! } })
    assert.is(r.status, 201, r.text)
    // The etag changed with the new version: the old one no longer matches.
    const { s: s2, parts: parts2 } = await versionOf(em, v1.id, bytes)
    assertBoxError(await commit(s2, bytes, parts2, { headers: { 'if-match': etag! } }), 412, 'precondition_failed')
  }))

test('should name the stored part in context_info.stored_part when a commit entry differs from it', () =>
  withEmulator(SMALL, async (em) => {
    const { bytes, s, parts } = await uploaded(em, 2500)
    const r = await commit(s, bytes, [parts[0], { ...parts[1]!, part_id: 'ABCDEF01' }, parts[2]])
    assert.equal(assertBoxError(r, 400, 'invalid_parts').context_info.stored_part, parts[1])
  }))

test('should say which field of a commit entry differs from the stored part, with both values', () =>
  withEmulator(SMALL, async (em) => {
    const { bytes, s, parts } = await uploaded(em, 2500)
    const stored = parts[1]!
    // A client that sends each part's sha1 as base64, as its Digest was, rather than the hex the upload answered.
    const base64 = sha1Base64(bytes.subarray(stored.offset, stored.offset + stored.size))
    const sent = await commit(s, bytes, [parts[0], { ...stored, sha1: base64 }, parts[2]])
    assert.is(assertBoxError(sent, 400, 'invalid_parts').message,
      `parts[1] does not match the part stored at offset ${stored.offset}: sha1 "${base64}" is not the stored part's "${stored.sha1}" (the hex SHA-1 its upload answered)`)
    const both = await commit(s, bytes, [parts[0], { ...stored, part_id: 'ABCDEF01', size: stored.size - 1 }, parts[2]])
    assert.is(assertBoxError(both, 400, 'invalid_parts').message,
      `parts[1] does not match the part stored at offset ${stored.offset}: part_id "ABCDEF01" is not the stored part's "${stored.part_id}"; size ${stored.size - 1} is not the stored part's ${stored.size}`)
  }))

// The 202s of parts still processing are not taken from faults.commitAccepted: those come after.
test('should give the commitAccepted 202s after those of processing parts, not count one as the other', async () => {
  let now = Date.parse('2030-01-01T00:00:00Z')
  await withEmulator({ ...SMALL, processingDelayMs: 60_000, clock: () => now, faults: { commitAccepted: 1, retryAfterSeconds: 0 } }, async (em) => {
    const { bytes, s, parts } = await uploaded(em, 2500)
    assert.is((await commit(s, bytes, parts)).status, 202, 'processing')
    now += 60_000
    assert.is((await commit(s, bytes, parts)).status, 202, 'commitAccepted')
    assert.is((await commit(s, bytes, parts)).status, 201)
  })
})

// TS-GEN deletes the session after its commit (§3.6); a retry of the commit that follows still gets the file.
test('should keep a session committed when it is deleted after its commit: DELETE again 204, commit again 201', () =>
  withEmulator(SMALL, async (em) => {
    const { bytes, s, parts } = await uploaded(em, 2000)
    const c = await commit(s, bytes, parts)
    assert.is(c.status, 201, c.text)
    assert.is((await abort(s)).status, 204)
    assert.is((await abort(s)).status, 204)
    const again = await commit(s, bytes, parts)
    assert.is(again.status, 201, again.text)
    assert.is(again.json.entries[0].id, c.json.entries[0].id)
  }))

test.run()
