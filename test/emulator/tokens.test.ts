/**
 * Access tokens replaced for the same user (`rotateToken`): what Box does every hour, when the access
 * token expires and the client gets a new one. The old token is then answered like any unknown one,
 * and the new one is the same user: its sessions, files and names (protocol §1, §13).
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { emulator } from '../../src/emulator/Handler.ts'
import { serve } from '../../src/emulator/node.ts'
import {
  SMALL, assertBoxError, assertSameBytes, call, commit, createSession, download, listParts, openSession, putPart,
  randomFile, sha1Base64, status, uniqueName, uploadFile, type Part,
} from '../helpers/box.ts'

const Rotate = suite('rotateToken')

const INVALID_TOKEN = 'Bearer realm="Service", error="invalid_token"'

Rotate('should answer the old token 401 invalid_token and let the new one go on with the same session, files and names', async () => {
  const em = await serve({ port: 0, ...SMALL, tokens: ['old-token', 'other-token'] })
  try {
    const old = { token: 'old-token' }
    const fresh = { token: 'fresh-token' }
    const earlier = await uploadFile(em, randomFile(1500), uniqueName('earlier'), old)
    const bytes = randomFile(3000)
    const session = await openSession(em, bytes.length, uniqueName(), old)
    const first = await putPart(session, bytes, 0, old)
    assert.is(first.status, 200, first.text)

    em.rotateToken('old-token', 'fresh-token')

    // The old token is refused everywhere, like an unknown one, with what Box says of an expired token.
    for (const [what, answer] of [
      ['status', await status(session, old)],
      ['part', await putPart(session, bytes, 1, old)],
      ['create', await createSession(em, { folder_id: '0', file_size: 10, file_name: uniqueName() }, old)],
      ['file', await call('GET', `${em.apiUrl}/files/${earlier.id}`, old)],
    ] as const) {
      assertBoxError(answer, 401, 'unauthorized')
      assert.is(answer.headers.get('www-authenticate'), INVALID_TOKEN, what)
      assert.not.ok(answer.text.includes('old-token'), `${what}: the token is not echoed`)
    }
    // The new token is the same user: the session goes on where it was, and commits.
    assert.is((await status(session, fresh)).status, 200)
    const rest: Array<Part> = [first.json.part]
    for (const i of [1, 2]) {
      const r = await putPart(session, bytes, i, fresh)
      assert.is(r.status, 200, r.text)
      rest.push(r.json.part)
    }
    assert.equal((await listParts(session, '', fresh)).json.entries, rest)
    const committed = await commit(session, bytes, rest, fresh)
    assert.is(committed.status, 201, committed.text)
    const file = committed.json.entries[0]
    assert.equal(file.owned_by, earlier.owned_by, 'the same user owns both files')
    assertSameBytes((await download(em, file.id, 'fresh-token')).bytes, bytes)
    // The file committed before the rotation is the new token's, and so is its name.
    assert.is((await call('GET', `${em.apiUrl}/files/${earlier.id}`, fresh)).status, 200)
    assertBoxError(await createSession(em, { folder_id: '0', file_size: 10, file_name: earlier.name }, fresh), 409, 'item_name_in_use')
    // Another user is still another user.
    assertBoxError(await status(session, { token: 'other-token' }), 404, 'not_found')
    assertBoxError(await call('GET', `${em.apiUrl}/files/${file.id}`, { token: 'other-token' }), 404, 'not_found')
  } finally {
    await em.close()
  }
})

Rotate('should still answer another user 403 on a session once that user\'s token was rotated', async () => {
  const em = await serve({ port: 0, ...SMALL, tokens: ['dev-token', 'other-token'] })
  try {
    const session = await openSession(em, 2000)
    assertBoxError(await status(session, { token: 'other-token' }), 403, 'forbidden')
    em.rotateToken('other-token', 'other-token-2')
    assertBoxError(await status(session, { token: 'other-token-2' }), 403, 'forbidden')
    assert.is((await status(session)).status, 200)
  } finally {
    await em.close()
  }
})

Rotate('should rotate a token more than once, in-process too', async () => {
  const box = emulator({ ...SMALL })
  const statusWith = async (url: string, token: string): Promise<number> =>
    (await box.fetch(url, { headers: { authorization: `Bearer ${token}` } })).status
  const created = await box.fetch('http://box.test/api/2.0/files/upload_sessions', {
    method: 'POST',
    headers: { authorization: 'Bearer dev-token', 'content-type': 'application/json' },
    body: JSON.stringify({ folder_id: '0', file_size: 100, file_name: uniqueName() }),
  })
  const url = (await created.json()).session_endpoints.status as string
  box.rotateToken('dev-token', 'second-token')
  box.rotateToken('second-token', 'third-token')
  assert.equal([await statusWith(url, 'dev-token'), await statusWith(url, 'second-token'), await statusWith(url, 'third-token')], [401, 401, 200])
})

Rotate('should finish a request that passed the token check before the rotation as its user', async () => {
  const box = emulator({ ...SMALL })
  const created = await box.fetch('http://box.test/api/2.0/files/upload_sessions', {
    method: 'POST',
    headers: { authorization: 'Bearer dev-token', 'content-type': 'application/json' },
    body: JSON.stringify({ folder_id: '0', file_size: 1024, file_name: uniqueName() }),
  })
  const session = await created.json()
  const bytes = randomFile(1024)
  // The part's body is read only once its request was let in: the token is rotated then, mid-request.
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      box.rotateToken('dev-token', 'next-token')
      controller.enqueue(bytes)
      controller.close()
    },
  }, { highWaterMark: 0 })
  const put = await box.fetch(session.session_endpoints.upload_part, {
    method: 'PUT', body, duplex: 'half',
    headers: { authorization: 'Bearer dev-token', 'content-range': 'bytes 0-1023/1024', digest: `sha=${sha1Base64(bytes)}` },
  } as RequestInit)
  assert.is(put.status, 200, await put.clone().text())
  const listed = await box.fetch(session.session_endpoints.list_parts, { headers: { authorization: 'Bearer next-token' } })
  assert.equal((await listed.json()).entries, [(await put.json()).part])
})

Rotate('should refuse, with a TypeError quoting neither token, a token not accepted now, and a new token that is none or someone\'s', () => {
  const box = emulator({ ...SMALL, tokens: ['alice-token', 'bob-token'] })
  box.rotateToken('alice-token', 'alice-token-2')
  for (const [old, fresh] of [
    ['never-given', 'whatever'], ['alice-token', 'alice-token-3'], // replaced already
    ['alice-token-2', 'bob-token'], ['alice-token-2', 'alice-token-2'], // someone's current token
    ['alice-token-2', ''], ['alice-token-2', 'with space'], ['alice-token-2', 42 as unknown as string],
  ] as const) {
    assert.throws(() => box.rotateToken(old, fresh), (e: unknown) =>
      e instanceof TypeError && e.message.startsWith('rotateToken: ') && !e.message.includes(old) && !(fresh !== '' && e.message.includes(String(fresh))),
      `${old} -> ${fresh}`)
  }
})

Rotate.run()
