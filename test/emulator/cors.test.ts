/** CORS: browser tests call the emulator from another origin (issue #2; runtimes.md). */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { SMALL, call, commit, openSession, putPart, randomFile, uploadAll, withEmulator } from '../helpers/box.ts'

const ORIGIN = 'http://localhost:5173'

const listed = (value: string | null): ReadonlyArray<string> =>
  (value ?? '').split(',').map((x) => x.trim().toLowerCase()).filter((x) => x !== '')

const preflight = (url: string, method: string, headers: string) =>
  fetch(url, {
    method: 'OPTIONS',
    headers: { origin: ORIGIN, 'access-control-request-method': method, 'access-control-request-headers': headers },
  })

const assertAllowed = (r: Response, method: string, headers: ReadonlyArray<string>) => {
  assert.ok(r.status >= 200 && r.status < 300, `preflight 2xx, got ${r.status}`)
  const origin = r.headers.get('access-control-allow-origin')
  assert.ok(origin === '*' || origin === ORIGIN, `allow-origin: ${origin}`)
  assert.ok(listed(r.headers.get('access-control-allow-methods')).includes(method.toLowerCase()), `allow-methods has ${method}`)
  // `*` does not cover Authorization (Fetch standard), so every header must be named.
  const allowed = listed(r.headers.get('access-control-allow-headers'))
  for (const h of headers) assert.ok(allowed.includes(h), `allow-headers has ${h}: ${allowed}`)
}

test('should answer a preflight for a part upload (authorization, content-range, digest) without a token', () =>
  withEmulator(SMALL, async (em) => {
    const s = await openSession(em, 3000)
    const headers = ['authorization', 'content-range', 'digest', 'content-type']
    assertAllowed(await preflight(s.session_endpoints.upload_part, 'PUT', headers.join(', ')), 'PUT', headers)
  }))

test('should answer preflights for session creation, commit, abort and the files endpoints', () =>
  withEmulator(SMALL, async (em) => {
    const s = await openSession(em, 3000)
    assertAllowed(await preflight(`${em.url}/files/upload_sessions`, 'POST', 'authorization, content-type'), 'POST', ['authorization', 'content-type'])
    assertAllowed(await preflight(s.session_endpoints.commit, 'POST', 'authorization, content-type, digest, if-match'), 'POST', ['authorization', 'content-type', 'digest', 'if-match'])
    assertAllowed(await preflight(s.session_endpoints.abort, 'DELETE', 'authorization'), 'DELETE', ['authorization'])
    assertAllowed(await preflight(`${em.apiUrl}/files/1/content`, 'GET', 'authorization'), 'GET', ['authorization'])
  }))

test('should allow the origin and expose Retry-After on answers, errors included', () =>
  withEmulator({ ...SMALL, faults: { commitAccepted: 1, retryAfterSeconds: 0, script: [{ part: 1, fault: 'rate_limit' }] } }, async (em) => {
    const bytes = randomFile(2000)
    const s = await openSession(em, bytes.length)
    const p0 = await putPart(s, bytes, 0)
    const limited = await putPart(s, bytes, 1, { headers: { origin: ORIGIN } })
    assert.is(limited.status, 429)
    const p1 = await putPart(s, bytes, 1)
    const accepted = await commit(s, bytes, [p0.json.part, p1.json.part], { headers: { origin: ORIGIN } })
    assert.is(accepted.status, 202, accepted.text)
    const checks = [
      await call('GET', s.session_endpoints.status, { headers: { origin: ORIGIN } }),
      limited,
      await call('GET', `${em.url}/nope`, { headers: { origin: ORIGIN } }),
      await call('GET', s.session_endpoints.status, { token: null, headers: { origin: ORIGIN } }),
    ]
    for (const r of [...checks, accepted]) {
      const origin = r.headers.get('access-control-allow-origin')
      assert.ok(origin === '*' || origin === ORIGIN, `allow-origin on ${r.status}: ${origin}`)
      assert.ok(listed(r.headers.get('access-control-expose-headers')).includes('retry-after'), `exposes Retry-After on ${r.status}`)
    }
  }))

// Cors.ts: requested headers are echoed, so a header the emulator does not list (a new X-Box-* one) passes too.
test('should allow in a preflight any header it is asked for, beyond the ones it lists', () =>
  withEmulator(SMALL, async (em) => {
    const s = await openSession(em, 3000)
    const headers = ['authorization', 'digest', 'x-box-new-telemetry']
    assertAllowed(await preflight(s.session_endpoints.upload_part, 'PUT', headers.join(', ')), 'PUT', headers)
  }))

// A browser reads the ETag for If-Match only when it is exposed: the commit's 201 and GET /files/:id carry it.
test('should send and expose ETag on the commit answer and on GET /files/:id', () =>
  withEmulator(SMALL, async (em) => {
    const bytes = randomFile(2000)
    const s = await openSession(em, bytes.length)
    const c = await commit(s, bytes, await uploadAll(s, bytes), { headers: { origin: ORIGIN } })
    assert.is(c.status, 201, c.text)
    const file = await call('GET', `${em.apiUrl}/files/${c.json.entries[0].id}`, { headers: { origin: ORIGIN } })
    for (const r of [c, file]) {
      assert.is(r.headers.get('etag'), `"${c.json.entries[0].etag}"`, `ETag on ${r.status}`)
      assert.ok(listed(r.headers.get('access-control-expose-headers')).includes('etag'), `exposes ETag on ${r.status}`)
    }
  }))

test.run()
