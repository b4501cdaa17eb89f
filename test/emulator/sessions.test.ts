/** Creating upload sessions (protocol §3.1, §3.2, §3.3, §4.1, §5, §6.1, §6.2, §13). */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import {
  SMALL, abort, assertBoxError, commit, createSession, createVersionSession, openSession, putPart, randomFile, status,
  uniqueName, uploadAll, uploadFile, withEmulator, type Session,
} from '../helpers/box.ts'
import { assertSchema } from '../helpers/openapi.ts'

const MiB = 1024 * 1024

/** The fields every client relies on (protocol §4.1, §10.16). */
const assertSessionShape = (s: Session, uploadBase: string, fileSize: number) => {
  assertSchema('UploadSession', s)
  assert.type(s.id, 'string')
  assert.ok(s.id.length > 0)
  assert.is(s.type, 'upload_session')
  assert.ok(Number.isInteger(s.part_size) && s.part_size > 0, 'part_size')
  assert.is(s.total_parts, Math.ceil(fileSize / s.part_size), 'total_parts = ceil(file_size / part_size)')
  assert.is(s.num_parts_processed, 0)
  assert.ok(s.part_size * s.total_parts >= fileSize)
  const expires = Date.parse(s.session_expires_at)
  assert.ok(Number.isFinite(expires) && expires > Date.now(), `session_expires_at in the future: ${s.session_expires_at}`)
  const e = s.session_endpoints
  const sessionUrl = `${uploadBase}/files/upload_sessions/${s.id}`
  assert.is(e.upload_part, sessionUrl)
  assert.is(e.status, sessionUrl)
  assert.is(e.abort, sessionUrl)
  assert.is(e.commit, `${sessionUrl}/commit`)
  assert.is(e.list_parts, `${sessionUrl}/parts`)
  assert.is(e.log_event, `${sessionUrl}/log`)
}

test('should create a session for a new file: 201 with a complete UploadSession', () =>
  withEmulator(SMALL, async (em) => {
    const r = await createSession(em, { folder_id: '0', file_size: 5000, file_name: uniqueName() })
    assert.is(r.status, 201, r.text)
    assert.match(r.headers.get('content-type') ?? '', /application\/json/)
    assertSessionShape(r.json, em.url, 5000)
    assert.is(r.json.part_size, 1024)
    assert.is(r.json.total_parts, 5)
  }))

test('should give distinct ids to distinct sessions', () =>
  withEmulator(SMALL, async (em) => {
    const a = await openSession(em, 10)
    const b = await openSession(em, 10)
    assert.is.not(a.id, b.id)
  }))

test('should count an exact multiple of part_size without an extra empty part', () =>
  withEmulator(SMALL, async (em) => {
    const s = await openSession(em, 3 * 1024)
    assert.is(s.total_parts, 3)
  }))

test('should use 8 MiB parts under 256 MiB and 32 MiB from 256 MiB by default (§13)', () =>
  withEmulator({}, async (em) => {
    const small = await openSession(em, 20_000_000)
    assert.is(small.part_size, 8 * MiB)
    assert.is(small.total_parts, 3)
    const below = await openSession(em, 256 * MiB - 1)
    assert.is(below.part_size, 8 * MiB)
    const big = await openSession(em, 256 * MiB)
    assert.is(big.part_size, 32 * MiB)
    assert.is(big.total_parts, 8)
  }))

test('should take partSize as a function of the file size', () =>
  withEmulator({ minFileSize: 1, partSize: (size) => (size > 10_000 ? 4096 : 512) }, async (em) => {
    assert.is((await openSession(em, 10_000)).part_size, 512)
    assert.is((await openSession(em, 10_001)).part_size, 4096)
  }))

test('should refuse files under 20,000,000 bytes by default with 400 file_size_too_small', () =>
  withEmulator({}, async (em) => {
    const r = await createSession(em, { folder_id: '0', file_size: 19_999_999, file_name: uniqueName() })
    assertBoxError(r, 400, 'file_size_too_small')
    assertSchema('ClientError', r.json)
    const ok = await createSession(em, { folder_id: '0', file_size: 20_000_000, file_name: uniqueName() })
    assert.is(ok.status, 201, ok.text)
  }))

test('should apply a configured minFileSize', () =>
  withEmulator({ minFileSize: 100, partSize: 64 }, async (em) => {
    assertBoxError(await createSession(em, { folder_id: '0', file_size: 99, file_name: uniqueName() }), 400, 'file_size_too_small')
    assert.is((await createSession(em, { folder_id: '0', file_size: 100, file_name: uniqueName() })).status, 201)
  }))

test('should refuse a file over maxFileSize with 403 file_size_limit_exceeded', () =>
  withEmulator({ ...SMALL, maxFileSize: 10_000 }, async (em) => {
    assertBoxError(await createSession(em, { folder_id: '0', file_size: 10_001, file_name: uniqueName() }), 403, 'file_size_limit_exceeded')
    assert.is((await createSession(em, { folder_id: '0', file_size: 10_000, file_name: uniqueName() })).status, 201)
  }))

/** Creation validation table (protocol §3.1, §5). */
const invalidBodies: ReadonlyArray<readonly [string, unknown, number, string]> = [
  ['no folder_id', { file_size: 100, file_name: 'a.bin' }, 400, 'missing_destination'],
  ['a folder_id that is not a folder id', { folder_id: 'not a folder', file_size: 100, file_name: 'a.bin' }, 400, 'invalid_folder_id'],
  ['a numeric folder_id (must be a string)', { folder_id: 0, file_size: 100, file_name: 'a.bin' }, 400, 'invalid_folder_id'],
  ['no file_size', { folder_id: '0', file_name: 'a.bin' }, 400, 'missing_file_size'],
  ['a negative file_size', { folder_id: '0', file_size: -1, file_name: 'a.bin' }, 400, 'invalid_file_size'],
  ['a fractional file_size', { folder_id: '0', file_size: 1.5, file_name: 'a.bin' }, 400, 'invalid_file_size'],
  ['a string file_size', { folder_id: '0', file_size: '100', file_name: 'a.bin' }, 400, 'invalid_file_size'],
  ['a file_size past 2^53', { folder_id: '0', file_size: 2 ** 53 + 2, file_name: 'a.bin' }, 400, 'invalid_file_size'],
  ['a zero file_size (below any minimum)', { folder_id: '0', file_size: 0, file_name: 'a.bin' }, 400, 'file_size_too_small'],
  ['no file_name', { folder_id: '0', file_size: 100 }, 400, 'missing_file_name'],
  ['a numeric file_name', { folder_id: '0', file_size: 100, file_name: 7 }, 400, 'item_name_invalid'],
]

for (const [what, body, code, boxCode] of invalidBodies) {
  test(`should refuse ${what} with ${code} ${boxCode}`, () =>
    withEmulator(SMALL, async (em) => {
      const r = await createSession(em, body)
      assertBoxError(r, code, boxCode)
      assertSchema('ClientError', r.json)
    }))
}

test('should refuse a folder_id of 21 digits, saying how many it may have (its digits are not the fault)', () =>
  withEmulator(SMALL, async (em) => {
    const r = await createSession(em, { folder_id: '1'.repeat(21), file_size: 100, file_name: uniqueName() })
    assertBoxError(r, 400, 'invalid_folder_id')
    assert.match(String((r.json as { message?: unknown }).message), '1 to 20 digits')
    assert.is((await createSession(em, { folder_id: '1'.repeat(20), file_size: 100, file_name: uniqueName() })).status, 404)
  }))

test('should refuse an invalid file name with 400 item_name_invalid', () =>
  withEmulator(SMALL, async (em) => {
    // Box's name rules: 1-255 characters, no `/` or `\\`, no control characters, no surrounding spaces, not `.`/`..`.
    for (const name of ['', 'a/b.bin', 'a\\b.bin', '.', '..', 'x'.repeat(256), 'trailing ', 'bell\u0007', 'del\u007f.bin']) {
      assertBoxError(await createSession(em, { folder_id: '0', file_size: 100, file_name: name }), 400, 'item_name_invalid')
    }
  }))

test('should answer 404 for a folder that does not exist', () =>
  withEmulator(SMALL, async (em) => {
    // OAS: 404 `invalid_parameter` when the parent folder is missing (protocol §3.1).
    assertBoxError(await createSession(em, { folder_id: '987654321', file_size: 100, file_name: uniqueName() }), 404, 'invalid_parameter')
  }))

test('should answer 409 item_name_in_use with the committed file in context_info.conflicts', () =>
  withEmulator(SMALL, async (em) => {
    const name = uniqueName('taken')
    const file = await uploadFile(em, randomFile(2000), name)
    const r = await createSession(em, { folder_id: '0', file_size: 100, file_name: name })
    const e = assertBoxError(r, 409, 'item_name_in_use')
    assertSchema('ClientError', r.json)
    // A single object for file conflicts (protocol §3.1, §10.18: what UI-EL and Box's docs read).
    assert.is(e.context_info.conflicts.id, file.id)
    assert.is(e.context_info.conflicts.type, 'file')
    assert.is(e.context_info.conflicts.name, name)
    assert.is(e.context_info.conflicts.etag, file.etag)
    assert.is(e.context_info.conflicts.sha1, file.sha1)
  }))

test('should not count an open (uncommitted) session as a name in use', () =>
  withEmulator(SMALL, async (em) => {
    const name = uniqueName()
    await openSession(em, 100, name)
    assert.is((await createSession(em, { folder_id: '0', file_size: 100, file_name: name })).status, 201)
  }))

const conflicting = { ...SMALL, tokens: ['dev-token', 'other-token'], folders: ['5'], faults: { sessionConflict: true } }

test('should answer 409 session_conflict with the open session in context_info.session, with faults.sessionConflict', () =>
  withEmulator(conflicting, async (em) => {
    const name = uniqueName('again')
    const first = await openSession(em, 3000, name)
    await putPart(first, randomFile(3000), 0)
    for (const same of [name, name.toUpperCase()]) {
      const r = await createSession(em, { folder_id: '0', file_size: 3000, file_name: same })
      const e = assertBoxError(r, 409, 'session_conflict')
      assertSchema('ClientError', r.json)
      // The session as its status reads now (one part processed), so a client can go on with it.
      assert.equal(e.context_info.session, (await status(first)).json)
      assertSchema('UploadSession', e.context_info.session)
    }
    // Another name, another folder or another user is another file.
    assert.is((await createSession(em, { folder_id: '0', file_size: 3000, file_name: uniqueName() })).status, 201)
    assert.is((await createSession(em, { folder_id: '5', file_size: 3000, file_name: name })).status, 201)
    assert.is((await createSession(em, { folder_id: '0', file_size: 3000, file_name: name }, { token: 'other-token' })).status, 201)
  }))

test('should answer session_conflict only while the session is open: not once it is deleted or committed', () =>
  withEmulator(conflicting, async (em) => {
    const name = uniqueName('reopen')
    assert.is((await abort(await openSession(em, 1500, name))).status, 204)
    const bytes = randomFile(1500)
    const second = await openSession(em, bytes.length, name)
    const committed = await commit(second, bytes, await uploadAll(second, bytes))
    assert.is(committed.status, 201, committed.text)
    // The name is now a file's: a new session for it is a name clash.
    assertBoxError(await createSession(em, { folder_id: '0', file_size: 1500, file_name: name }), 409, 'item_name_in_use')
    // A committed new-version session does not stand in the way of the next version either.
    const fileId: string = committed.json.entries[0].id
    const v1 = await createVersionSession(em, fileId, { file_size: bytes.length })
    assert.is(v1.status, 201, v1.text)
    assert.is((await commit(v1.json, bytes, await uploadAll(v1.json, bytes))).status, 201)
    assert.is((await createVersionSession(em, fileId, { file_size: bytes.length })).status, 201)
  }))

test('should not answer session_conflict for a session past its lifetime', () => {
  let now = Date.now()
  return withEmulator({ ...conflicting, sessionTtlMs: 1000, clock: () => now }, async (em) => {
    const name = uniqueName('expired')
    await openSession(em, 100, name)
    now += 999
    assertBoxError(await createSession(em, { folder_id: '0', file_size: 100, file_name: name }), 409, 'session_conflict')
    now += 1
    assert.is((await createSession(em, { folder_id: '0', file_size: 100, file_name: name })).status, 201)
  })
})

// OAS: a new version's file_name is "the optional new name": null names none, as absent does.
test('should open a new-version session whose file_name is null, keeping the file\'s name', () =>
  withEmulator(SMALL, async (em) => {
    const bytes = randomFile(2000)
    const file = await uploadFile(em, bytes)
    const v = await createVersionSession(em, file.id, { file_size: bytes.length, file_name: null })
    assert.is(v.status, 201, v.text)
    const committed = await commit(v.json, bytes, await uploadAll(v.json, bytes))
    assert.is(committed.status, 201, committed.text)
    assert.is(committed.json.entries[0].name, file.name)
  }))

test('should answer session_conflict to a second new-version session of the same file', () =>
  withEmulator(conflicting, async (em) => {
    const file = await uploadFile(em, randomFile(2000))
    const first = await createVersionSession(em, file.id, { file_size: 3000 })
    assert.is(first.status, 201, first.text)
    const r = await createVersionSession(em, file.id, { file_size: 3000, file_name: uniqueName('renamed') })
    assert.is(assertBoxError(r, 409, 'session_conflict').context_info.session.id, first.json.id)
  }))

test('should open any number of sessions for one name by default (no session_conflict)', () =>
  withEmulator(SMALL, async (em) => {
    const name = uniqueName('twice')
    const a = await openSession(em, 100, name)
    const b = await openSession(em, 100, name)
    assert.not.equal(a.id, b.id)
  }))

test('should answer 409 item_name_in_use at commit when the name was taken meanwhile (§10.18)', () =>
  withEmulator(SMALL, async (em) => {
    const name = uniqueName('race')
    const bytes = randomFile(1500)
    const first = await openSession(em, bytes.length, name)
    const second = await openSession(em, bytes.length, name)
    const parts1 = await uploadAll(first, bytes)
    const parts2 = await uploadAll(second, bytes)
    assert.is((await commit(first, bytes, parts1)).status, 201)
    const r = await commit(second, bytes, parts2)
    assertBoxError(r, 409, 'item_name_in_use')
  }))

test('should create a session for a new version of a committed file', () =>
  withEmulator(SMALL, async (em) => {
    const file = await uploadFile(em, randomFile(2000))
    const r = await createVersionSession(em, file.id, { file_size: 3000 })
    assert.is(r.status, 201, r.text)
    assertSessionShape(r.json, em.url, 3000)
  }))

test('should accept a new name in a new-version session', () =>
  withEmulator(SMALL, async (em) => {
    const file = await uploadFile(em, randomFile(2000))
    const r = await createVersionSession(em, file.id, { file_size: 3000, file_name: uniqueName('renamed') })
    assert.is(r.status, 201, r.text)
  }))

test('should validate a new-version session: missing or invalid file_size, file too small, unknown file', () =>
  withEmulator({ minFileSize: 100, partSize: 64 }, async (em) => {
    const file = await uploadFile(em, randomFile(200))
    assertBoxError(await createVersionSession(em, file.id, {}), 400, 'missing_file_size')
    assertBoxError(await createVersionSession(em, file.id, { file_size: -5 }), 400, 'invalid_file_size')
    assertBoxError(await createVersionSession(em, file.id, { file_size: 50 }), 400, 'file_size_too_small')
    assertBoxError(await createVersionSession(em, '999999999', { file_size: 200 }), 404, 'not_found')
  }))

test('should answer GET status with the current UploadSession', () =>
  withEmulator(SMALL, async (em) => {
    const s = await openSession(em, 3000)
    const r = await status(s)
    assert.is(r.status, 200, r.text)
    assertSchema('UploadSession', r.json)
    assert.equal(r.json, s)
  }))

test('should count processed parts in num_parts_processed', () =>
  withEmulator(SMALL, async (em) => {
    const bytes = randomFile(3000)
    const s = await openSession(em, bytes.length)
    assert.is((await putPart(s, bytes, 1)).status, 200)
    assert.is((await status(s)).json.num_parts_processed, 1)
    assert.is((await putPart(s, bytes, 0)).status, 200)
    assert.is((await status(s)).json.num_parts_processed, 2)
  }))

test('should compare names case-insensitively for item_name_in_use', () =>
  withEmulator(SMALL, async (em) => {
    const name = uniqueName('Case')
    await uploadFile(em, randomFile(100), name)
    assertBoxError(await createSession(em, { folder_id: '0', file_size: 100, file_name: name.toUpperCase() }), 409, 'item_name_in_use')
  }))

test('should scope names to their folder, and know only the configured folders', () =>
  withEmulator({ ...SMALL, folders: ['123'] }, async (em) => {
    const name = uniqueName('folder')
    await uploadFile(em, randomFile(100), name)
    const r = await createSession(em, { folder_id: '123', file_size: 100, file_name: name })
    assert.is(r.status, 201, r.text)
    assertBoxError(await createSession(em, { folder_id: '124', file_size: 100, file_name: name }), 404, 'invalid_parameter')
  }))

test("should accept any all-digits folder with folders: 'any'", () =>
  withEmulator({ ...SMALL, folders: 'any' }, async (em) => {
    assert.is((await createSession(em, { folder_id: '987654321', file_size: 100, file_name: uniqueName() })).status, 201)
  }))

test('should answer 409 item_name_in_use when a new version is renamed to a taken name', () =>
  withEmulator(SMALL, async (em) => {
    const taken = uniqueName('taken')
    const other = await uploadFile(em, randomFile(100), taken)
    const file = await uploadFile(em, randomFile(100))
    const e = assertBoxError(await createVersionSession(em, file.id, { file_size: 100, file_name: taken }), 409, 'item_name_in_use')
    assert.is(e.context_info.conflicts.id, other.id)
    // Keeping its own name is no conflict.
    assert.is((await createVersionSession(em, file.id, { file_size: 100, file_name: file.name })).status, 201)
  }))

// Config.ts: trailing slashes are dropped, or every endpoint would have a `//files` path no route takes.
test('should build session_endpoints on uploadBaseUrl when given, its trailing slashes dropped', async () => {
  for (const uploadBaseUrl of ['https://upload.example.test/api/2.0', 'https://upload.example.test/api/2.0//']) {
    await withEmulator({ ...SMALL, uploadBaseUrl }, async (em) => {
      const r = await createSession(em, { folder_id: '0', file_size: 100, file_name: uniqueName() })
      assert.is(r.status, 201, r.text)
      assert.is(r.json.session_endpoints.upload_part, `https://upload.example.test/api/2.0/files/upload_sessions/${r.json.id}`, uploadBaseUrl)
    })
  }
})

test('should accept a 255-character name, unknown body fields and a charset on the content type', () =>
  withEmulator(SMALL, async (em) => {
    const body = { folder_id: '0', file_size: 100, file_name: 'n'.repeat(251) + '.bin', extra: { x: 1 } }
    const r = await createSession(em, body, { headers: { 'content-type': 'application/json; charset=utf-8' } })
    assert.is(r.status, 201, r.text)
  }))

test.run()
