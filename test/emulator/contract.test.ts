/**
 * Contract: every kind of body the emulator answers with validates against Box's OpenAPI schemas
 * (shared/box-openapi-upload-sessions.json, protocol §14), and carries the fields clients rely on.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import {
  SMALL, abort, call, commit, createSession, createVersionSession, listParts, openSession, putPart, randomFile,
  sha1Base64, sha1Hex, status, uniqueName, uploadAll, withEmulator, type Reply,
} from '../helpers/box.ts'
import { assertSchema, schemaErrors, type SchemaName } from '../helpers/openapi.ts'

test('the schema loader rejects bodies of the wrong shape (the contract checks can fail)', () => {
  assert.ok(schemaErrors('UploadSession', { id: 5 }) !== '')
  assert.ok(schemaErrors('UploadSession', { type: 'file' }) !== '')
  assert.ok(schemaErrors('UploadedPart', { part: { offset: '0' } }) !== '')
  assert.ok(schemaErrors('UploadParts', { entries: [{ size: 'big' }] }) !== '')
  assert.ok(schemaErrors('Files', { total_count: 1, entries: [{ type: 'folder', id: '1' }] }) !== '')
  assert.ok(schemaErrors('ClientError', { type: 'error', status: '400' }) !== '')
  assert.ok(schemaErrors('File--Full', { type: 'file' }) !== '', 'File--Base requires id')
  assert.is(schemaErrors('ClientError', { type: 'error', status: 400, code: 'digest_mismatch', message: 'm', context_info: null, help_url: 'https://x', request_id: 'r' }), '')
})

const isHex40 = (x: unknown) => typeof x === 'string' && /^[0-9a-f]{40}$/i.test(x)

test('every body of a full upload validates and has the fields clients read', () =>
  withEmulator({ ...SMALL, tokens: ['dev-token', 'other'], faults: { retryAfterSeconds: 0, script: [{ part: 2, fault: 'rate_limit' }, { part: 3, fault: 'error_before' }] } }, async (em) => {
    const seen: Array<readonly [SchemaName, Reply]> = []
    const keep = (name: SchemaName, r: Reply): Reply => { seen.push([name, r]); return r }
    const bytes = randomFile(4 * 1024 + 100)
    const name = uniqueName('contract')

    const created = keep('UploadSession', await createSession(em, { folder_id: '0', file_size: bytes.length, file_name: name }))
    assert.is(created.status, 201)
    const s = created.json
    keep('UploadSession', await status(s))
    keep('UploadParts', await listParts(s))
    const parts = []
    for (let i = 0; i < s.total_parts; i++) {
      let r = await putPart(s, bytes, i)
      if (r.status !== 200) {
        keep('ClientError', r)
        r = await putPart(s, bytes, i)
      }
      keep('UploadedPart', r)
      const p = r.json.part
      assert.ok(typeof p.part_id === 'string' && p.part_id !== '', 'part_id')
      assert.is(p.offset, i * s.part_size)
      assert.is(p.size, Math.min(s.part_size, bytes.length - i * s.part_size))
      assert.ok(isHex40(p.sha1), 'part sha1 is hex')
      parts.push(p)
    }
    keep('ClientError', await putPart(s, bytes, 0))
    keep('ClientError', await putPart(s, bytes, 1, { digest: `sha=${sha1Base64(new Uint8Array(1))}` }))
    keep('ClientError', await putPart(s, bytes, 1, { range: 'bytes 1-2/3' }))
    keep('ClientError', await status(s, { token: 'other' }))
    keep('ClientError', await status(s, { token: 'nope' }))
    keep('ClientError', await listParts(s, '?offset=10001'))
    const listed = keep('UploadParts', await listParts(s))
    assert.is(listed.json.total_count, s.total_parts)
    keep('UploadParts', await listParts(s, '?offset=1&limit=2'))
    keep('ClientError', await commit(s, bytes, parts, { digest: `sha=${sha1Base64(new Uint8Array(2))}` }))
    keep('ClientError', await createSession(em, { folder_id: '0', file_size: bytes.length }))
    keep('ClientError', await call('GET', `${em.url}/files/upload_sessions/not-an-id!`))
    keep('ClientError', await call('GET', `${em.url}/nowhere`))
    const committed = keep('Files', await commit(s, bytes, parts))
    assert.is(committed.status, 201)
    const file = committed.json.entries[0]
    assert.is(committed.json.total_count, 1)
    assert.is(file.type, 'file')
    assert.is(file.name, name)
    assert.is(file.size, bytes.length)
    assert.is(file.sha1.toLowerCase(), sha1Hex(bytes))
    keep('ClientError', await createSession(em, { folder_id: '0', file_size: bytes.length, file_name: name }))
    keep('File--Full', await call('GET', `${em.apiUrl}/files/${file.id}`))
    keep('ClientError', await call('GET', `${em.apiUrl}/files/42`))
    const version = keep('UploadSession', await createVersionSession(em, file.id, { file_size: bytes.length }))
    keep('ClientError', await commit(version.json, bytes, parts, { headers: { 'if-match': 'nope' } }))
    assert.is((await abort(s)).status, 204)
    keep('ClientError', await status(s))

    assert.ok(seen.length >= 25, `checked ${seen.length} bodies`)
    for (const [schema, r] of seen) {
      assert.ok(r.json !== undefined, `${schema} answer ${r.status} has a JSON body: ${r.text}`)
      if (schema === 'ClientError') assert.ok(r.status >= 400, `error status ${r.status}`)
      else assert.ok(r.status < 300, `${schema}: status ${r.status}: ${r.text}`)
      assertSchema(schema, r.json)
    }
    for (const [schema, r] of seen) {
      if (schema !== 'ClientError') continue
      for (const key of ['type', 'status', 'code', 'message', 'context_info', 'help_url', 'request_id']) {
        assert.ok(key in r.json, `error ${r.status} ${r.json.code} has ${key}`)
      }
      assert.is(r.json.status, r.status)
    }
  }))

test.run()
