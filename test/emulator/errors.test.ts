/** Authentication, ownership, unknown/expired sessions and bad requests (protocol §1, §4.5, §5, §10.20, §10.24, §13). */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import {
  SMALL, assertBoxError, call, createSession, openSession, randomFile, sha1Base64, sleep, uniqueName, uploadAll,
  withEmulator, type Reply, type Session,
} from '../helpers/box.ts'
import { retainedArrayBuffers } from '../helpers/memory.ts'
import { assertSchema } from '../helpers/openapi.ts'

const MiB = 1024 * 1024

/** One request against each session endpoint, with a given token. */
const everySessionEndpoint = (s: Session, file: Uint8Array<ArrayBuffer>, token: string | null): ReadonlyArray<readonly [string, () => Promise<Reply>]> => {
  const part = file.slice(0, Math.min(file.length, s.part_size))
  return [
    ['status', () => call('GET', s.session_endpoints.status, { token })],
    ['upload part', () => call('PUT', s.session_endpoints.upload_part, {
      token,
      body: part,
      headers: { 'content-range': `bytes 0-${part.length - 1}/${file.length}`, digest: `sha=${sha1Base64(part)}`, 'content-type': 'application/octet-stream' },
    })],
    ['list parts', () => call('GET', s.session_endpoints.list_parts, { token })],
    ['commit', () => call('POST', s.session_endpoints.commit, { token, headers: { digest: `sha=${sha1Base64(file)}` }, json: { parts: [] } })],
    ['abort', () => call('DELETE', s.session_endpoints.abort, { token })],
    ['log', () => call('POST', s.session_endpoints.log_event, { token, json: { event_type: 'x' } })],
  ]
}

/** A well-formed session id that no session has: the real one with one hex digit changed. */
const otherId = (id: string): string => id.slice(0, -1) + (id.endsWith('0') ? '1' : '0')

const withSessionUrl = (s: Session, id: string): Session => {
  const swap = (u: string) => u.replace(s.id, id)
  const e = s.session_endpoints
  return {
    ...s,
    id,
    session_endpoints: {
      upload_part: swap(e.upload_part), commit: swap(e.commit), abort: swap(e.abort),
      list_parts: swap(e.list_parts), status: swap(e.status), log_event: swap(e.log_event),
    },
  }
}

test('should answer 401 without a token, with a wrong token and with a non-Bearer scheme, everywhere', () =>
  withEmulator(SMALL, async (em) => {
    const bytes = randomFile(2000)
    const s = await openSession(em, bytes.length)
    for (const token of [null, 'not-a-token']) {
      for (const [what, send] of everySessionEndpoint(s, bytes, token)) {
        const r = await send()
        assertBoxError(r, 401, 'unauthorized')
        assertSchema('ClientError', r.json)
        assert.ok(!r.text.includes('not-a-token'), `${what}: the token is not echoed`)
      }
      assertBoxError(await createSession(em, { folder_id: '0', file_size: 10, file_name: uniqueName() }, { token }), 401)
    }
    const basic = await call('GET', s.session_endpoints.status, { token: null, headers: { authorization: 'Basic ZGV2LXRva2VuOg==' } })
    assertBoxError(basic, 401, 'unauthorized')
    assert.match(basic.headers.get('www-authenticate') ?? '', /^Bearer/)
    // Nothing was stored by the refused requests.
    assert.is((await call('GET', s.session_endpoints.list_parts)).json.entries.length, 0)
  }))

test('should answer 403 forbidden to another valid token on every session endpoint', () =>
  withEmulator({ ...SMALL, tokens: ['dev-token', 'other-token'] }, async (em) => {
    const bytes = randomFile(2000)
    const s = await openSession(em, bytes.length)
    for (const [what, send] of everySessionEndpoint(s, bytes, 'other-token')) {
      const r = await send()
      assertBoxError(r, 403, 'forbidden')
      assertSchema('ClientError', r.json)
      assert.ok(r.status === 403, what)
    }
    // The session still works for its creator (abort above was refused).
    assert.is((await call('GET', s.session_endpoints.status)).status, 200)
  }))

test('should accept every configured token for its own sessions', () =>
  withEmulator({ ...SMALL, tokens: ['a-token', 'b-token'] }, async (em) => {
    assertBoxError(await createSession(em, { folder_id: '0', file_size: 10, file_name: uniqueName() }), 401)
    const s = await openSession(em, 10, uniqueName(), { token: 'b-token' })
    assert.is((await call('GET', s.session_endpoints.status, { token: 'b-token' })).status, 200)
  }))

test('should answer 404 not_found for an unknown session on every session endpoint', () =>
  withEmulator(SMALL, async (em) => {
    const bytes = randomFile(2000)
    const s = await openSession(em, bytes.length)
    const ghost = withSessionUrl(s, otherId(s.id))
    for (const [what, send] of everySessionEndpoint(ghost, bytes, 'dev-token')) {
      const r = await send()
      assertBoxError(r, 404, 'not_found')
      assert.ok(r.status === 404, what)
    }
  }))

test('should answer 400 invalid_upload_session_id for a malformed session id', () =>
  withEmulator(SMALL, async (em) => {
    const bytes = randomFile(2000)
    const s = await openSession(em, bytes.length)
    for (const bad of ['not-a-session!', 'abc', 'x'.repeat(200)]) {
      const r = await call('GET', `${em.url}/files/upload_sessions/${bad}`)
      assertBoxError(r, 400, 'invalid_upload_session_id')
      assertSchema('ClientError', r.json)
    }
    const malformed = withSessionUrl(s, 'not-a-session!')
    for (const [, send] of everySessionEndpoint(malformed, bytes, 'dev-token')) assertBoxError(await send(), 400, 'invalid_upload_session_id')
  }))

test('should answer 410 session_expired after sessionTtlMs, and give session_expires_at accordingly', () =>
  withEmulator({ ...SMALL, sessionTtlMs: 150 }, async (em) => {
    const bytes = randomFile(2000)
    const before = Date.now()
    const s = await openSession(em, bytes.length)
    const expires = Date.parse(s.session_expires_at)
    assert.ok(expires >= before + 150 - 1000 && expires <= Date.now() + 150 + 1000, `session_expires_at ≈ now + ttl: ${s.session_expires_at}`)
    await sleep(250)
    for (const [what, send] of everySessionEndpoint(s, bytes, 'dev-token')) {
      const r = await send()
      assertBoxError(r, 410, 'session_expired')
      assert.ok(r.status === 410, what)
    }
  }))

test('should answer malformed JSON with a 400 Box error', () =>
  withEmulator(SMALL, async (em) => {
    for (const body of ['{"folder_id": "0",', 'not json', '', '[1,2]', 'null', '"text"']) {
      const r = await call('POST', `${em.url}/files/upload_sessions`, { headers: { 'content-type': 'application/json' }, body })
      assertBoxError(r, 400, 'bad_request')
      assertSchema('ClientError', r.json)
    }
  }))

test('should answer a JSON endpoint called with another content type with a 4xx Box error', () =>
  withEmulator(SMALL, async (em) => {
    const body = JSON.stringify({ folder_id: '0', file_size: 10, file_name: uniqueName() })
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/octet-stream']) {
      const r = await call('POST', `${em.url}/files/upload_sessions`, { headers: { 'content-type': type }, body })
      assertBoxError(r, 415, 'unsupported_media_type')
    }
  }))

test('should answer unknown paths with 404 not_found and unsupported methods with 405, both Box-shaped', () =>
  withEmulator(SMALL, async (em) => {
    const origin = new URL(em.url).origin
    for (const path of ['/', '/nope', '/api/2.0/nope', '/api/2.0/files', '/2.0/folders/0', '/api/2.1/files/upload_sessions']) {
      const r = await call('GET', `${origin}${path}`)
      assertBoxError(r, 404, 'not_found')
      assertSchema('ClientError', r.json)
    }
    const s = await openSession(em, 10)
    for (const [method, url] of [['PATCH', s.session_endpoints.status], ['GET', s.session_endpoints.commit], ['PUT', `${em.url}/files/upload_sessions`]] as const) {
      const r = await call(method, url)
      assertBoxError(r, 405, 'method_not_allowed')
      assert.ok((r.headers.get('allow') ?? '') !== '', `${method} ${url}: Allow header`)
    }
  }))

test('should point an upload-session path that misses /api/2.0 (Box\'s docs sample for a part) to where it belongs', () =>
  withEmulator(SMALL, async (em) => {
    const origin = new URL(em.url).origin
    const s = await openSession(em, 10)
    const cases = [
      ['PUT', `/2.0/files/upload_sessions/${s.id}`, `/api/2.0/files/upload_sessions/${s.id}`],
      // The API URL taken for the upload URL: a session created there, which `GET /files/:id` must not answer 405.
      ['POST', '/2.0/files/upload_sessions', '/api/2.0/files/upload_sessions'],
      ['POST', '/api/2.1/files/upload_sessions', '/api/2.0/files/upload_sessions'],
      ['POST', `/files/upload_sessions/${s.id}/commit`, `/api/2.0/files/upload_sessions/${s.id}/commit`],
    ] as const
    for (const [method, path, belongs] of cases) {
      assert.is(assertBoxError(await call(method, `${origin}${path}`), 404, 'not_found').message,
        `No such endpoint: ${method} ${path}; upload sessions are under /api/2.0 (${belongs}): send each request to the URL its session's session_endpoints name`)
    }
    // Other unknown paths, and the API base's own, get no such hint.
    assert.is(assertBoxError(await call('GET', `${origin}/2.0/folders/0`), 404, 'not_found').message, 'No such endpoint: GET /2.0/folders/0')
    assert.is(assertBoxError(await call('GET', `${em.url}/files/upload_sessions/${s.id}/nope`), 404, 'not_found').message,
      `No such endpoint: GET /api/2.0/files/upload_sessions/${s.id}/nope`)
  }))

test('should give each error its own request_id', () =>
  withEmulator(SMALL, async (em) => {
    const ids = new Set<string>()
    for (let i = 0; i < 5; i++) ids.add(assertBoxError(await call('GET', `${em.url}/nope`), 404).request_id)
    assert.is(ids.size, 5)
  }))

test('should keep serving after bad requests (no crash)', () =>
  withEmulator(SMALL, async (em) => {
    await call('POST', `${em.url}/files/upload_sessions`, { headers: { 'content-type': 'application/json' }, body: '{' })
    await call('PUT', `${em.url}/files/upload_sessions/${'A'.repeat(32)}`, { body: 'x' })
    await call('GET', `${em.url}/files/upload_sessions/%ZZ`)
    const bytes = randomFile(1500)
    const s = await openSession(em, bytes.length)
    assert.is((await uploadAll(s, bytes)).length, 2)
  }))

test('should expire sessions by the clock option: 410 session_expired at session_expires_at', async () => {
  let now = Date.parse('2030-01-01T00:00:00Z')
  await withEmulator({ ...SMALL, sessionTtlMs: 1000, clock: () => now }, async (em) => {
    const s = await openSession(em, 100)
    assert.is(Date.parse(s.session_expires_at), now + 1000)
    now += 999
    assert.is((await call('GET', s.session_endpoints.status)).status, 200)
    now += 1
    assertBoxError(await call('GET', s.session_endpoints.status), 410, 'session_expired')
  })
})

test('should drop the parts of expired sessions, so a long-running emulator does not keep their bytes', async () => {
  let now = Date.parse('2030-01-01T00:00:00Z')
  await withEmulator({ minFileSize: 1, partSize: 4 * MiB, storage: 'memory', sessionTtlMs: 1000, clock: () => now }, async (em) => {
    const size = 24 * MiB
    const bytes = randomFile(size)
    const before = await retainedArrayBuffers()
    // Two sessions, all parts stored, never committed nor deleted.
    for (const name of ['a', 'b']) assert.is((await uploadAll(await openSession(em, size, uniqueName(name)), bytes)).length, 6)
    const held = (await retainedArrayBuffers()) - before
    assert.ok(held >= 40 * MiB, `the parts are held while the sessions live: ${(held / MiB).toFixed(1)} MiB (the measure works)`)
    now += 1000
    // A new session frees the expired ones' parts, though nobody asked for them again.
    await openSession(em, 100)
    const left = (await retainedArrayBuffers()) - before
    assert.ok(left < 8 * MiB, `expired sessions still hold ${(left / MiB).toFixed(1)} MiB`)
  })
})

test('should default sessions to a 7-day lifetime', () =>
  withEmulator(SMALL, async (em) => {
    const before = Date.now()
    const s = await openSession(em, 100)
    const ttl = Date.parse(s.session_expires_at) - before
    const week = 7 * 24 * 3600 * 1000
    assert.ok(Math.abs(ttl - week) < 5000, `ttl ${ttl} ms`)
  }))

test.run()
