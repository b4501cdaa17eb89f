/**
 * The Node adapter listening on every interface (`host: '0.0.0.0'`, `'::'`): `session_endpoints` name the
 * host its client used (Host, or an absolute-form target), never the listen address, which no client on
 * another machine or in a container can connect to; `url` names a loopback address that connects.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { serve, type Served } from '../../src/emulator/node.ts'
import { TOKEN, putBytes, randomFile, type Session } from '../helpers/box.ts'
import { exchange } from '../helpers/rawHttp.ts'

/** Serves on `host`, port 0, runs `f`, always closes the server. */
const servedOn = async (host: string, f: (em: Served, port: number) => Promise<void>, uploadBaseUrl?: string): Promise<void> => {
  const em = await serve({ host, port: 0, minFileSize: 1, partSize: 1024, ...(uploadBaseUrl === undefined ? {} : { uploadBaseUrl }) })
  try {
    await f(em, Number(new URL(em.url).port))
  } finally {
    await em.close()
  }
}

/**
 * `POST target version` written on a socket to `em.url`'s address, with `hostLines` (none, one Host or
 * more) before its Authorization: the session answered, checked to be 201.
 */
const createWith = async (em: Served, target: string, version: string, hostLines: string): Promise<Session> => {
  const json = JSON.stringify({ folder_id: '0', file_size: 10, file_name: `every-${Math.random()}.bin` })
  const text = await exchange(em.url, `POST ${target} ${version}\r\n${hostLines}Authorization: Bearer ${TOKEN}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${json.length}\r\nConnection: close\r\n\r\n${json}`)
  assert.match(text, /^HTTP\/1\.1 201 /, text.slice(0, 300))
  return JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as Session
}

const path = '/api/2.0/files/upload_sessions'

/** The origin every `session_endpoints` URL of `s` is on (all of them, checked to agree). */
const endpointsOrigin = (s: Session): string => {
  const origins = new Set(Object.values(s.session_endpoints).map((u) => new URL(u).origin))
  assert.is(origins.size, 1, JSON.stringify(s.session_endpoints))
  return [...origins][0]!
}

/** A part PUT to `s`'s `upload_part` is taken: the endpoint reaches this server. */
const partTaken = async (s: Session): Promise<void> => {
  const r = await putBytes(s, randomFile(10), 0, 10)
  assert.is(r.status, 200, r.text)
}

test('should build session_endpoints on the Host a client used on 0.0.0.0, and a part PUT to them works', () =>
  servedOn('0.0.0.0', async (em, port) => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`]) {
      const s = await createWith(em, path, 'HTTP/1.1', `Host: ${host}\r\n`)
      assert.is(endpointsOrigin(s), `http://${host.toLowerCase()}`, host)
      await partTaken(s)
    }
    // What a client behind a port mapping or a proxy names (another port, none: 80) is what it gets back.
    const s = await createWith(em, path, 'HTTP/1.1', 'Host: box.test\r\n')
    assert.is(endpointsOrigin(s), 'http://box.test')
    const mapped = await createWith(em, path, 'HTTP/1.1', 'Host: [::1]:8080\r\n')
    assert.is(endpointsOrigin(mapped), 'http://[::1]:8080')
  }))

test('should take the authority of an absolute-form target over the Host header on 0.0.0.0 (RFC 9112 §3.2.2)', () =>
  servedOn('0.0.0.0', async (em, port) => {
    const s = await createWith(em, `http://localhost:${port}${path}`, 'HTTP/1.1', 'Host: elsewhere.test\r\n')
    assert.is(endpointsOrigin(s), `http://localhost:${port}`)
    await partTaken(s)
  }))

// A Host missing from HTTP/1.1, repeated or not `uri-host[:port]` is answered 400 (adapter.test.ts): only a valid
// one can name no origin here.
test('should fall back to url\'s loopback origin on 0.0.0.0 for HTTP/1.0 without Host and a valid Host naming no usable origin', () =>
  servedOn('0.0.0.0', async (em, port) => {
    const fallback = `http://127.0.0.1:${port}`
    assert.is(new URL(em.url).origin, fallback)
    const s = await createWith(em, path, 'HTTP/1.0', '')
    assert.is(endpointsOrigin(s), fallback, 'HTTP/1.0 without Host')
    await partTaken(s)
    for (const host of ['', 'box.test:99999', `:${port}`, 'a%20b', '[fe80::1%25eth0]']) {
      const unusable = await createWith(em, path, 'HTTP/1.1', `Host: ${host}\r\n`)
      assert.is(endpointsOrigin(unusable), fallback, JSON.stringify(host))
    }
  }))

test('should name a loopback address that connects in url for every spelling of every interface', async () => {
  const loopbacks = ['127.0.0.1', '[::1]']
  for (const host of ['0.0.0.0', '0', '::', '::0', '0:0:0:0:0:0:0:0', '::ffff:0.0.0.0', '']) {
    await servedOn(host, async (em) => {
      assert.ok(loopbacks.includes(new URL(em.url).hostname), `${JSON.stringify(host)}: ${em.url}`)
      assert.is(new URL(em.apiUrl).origin, new URL(em.url).origin)
      // Created through url itself (fetch sends its Host): the endpoints are on url's origin and take a part.
      const r = await fetch(`${em.url}/files/upload_sessions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ folder_id: '0', file_size: 10, file_name: `every-${Math.random()}.bin` }),
      })
      const s = await r.json() as Session
      assert.is(r.status, 201, JSON.stringify(s))
      assert.is(endpointsOrigin(s), new URL(em.url).origin, JSON.stringify(host))
      await partTaken(s)
    })
  }
})

// The CLI's banner says "on every interface" from it: the bound address tells, where the --host text would have to be
// parsed again (and was: `::ffff:0.0.0.0` read as no such address).
test('should say in everyInterface whether it listens on every interface, however that was spelled', async () => {
  const cases: ReadonlyArray<readonly [string, boolean]> = [
    ['127.0.0.1', false], ['localhost', false], ['0.0.0.0', true], ['0', true], ['::', true], ['::0', true], ['::ffff:0.0.0.0', true], ['', true],
  ]
  for (const [host, every] of cases) await servedOn(host, async (em) => assert.is(em.everyInterface, every, JSON.stringify(host)))
  const defaulted = await serve({ port: 0 })
  try {
    assert.is(defaulted.everyInterface, false, 'the default, 127.0.0.1')
  } finally {
    await defaulted.close()
  }
})

test('should reach :: over both IPv4 and IPv6 loopback where the machine has them, each named back', () =>
  servedOn('::', async (em, port) => {
    let reached = 0
    for (const host of [`127.0.0.1:${port}`, `[::1]:${port}`]) {
      const through = `http://${host}/api/2.0`
      // A system whose :: takes no IPv4 (or a machine without ::1) refuses one of them: not this adapter's doing.
      const reachable = await exchange(through, 'OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n').then(() => true, () => false)
      if (!reachable) continue
      reached++
      const s = await createWith({ ...em, url: through }, path, 'HTTP/1.1', `Host: ${host}\r\n`)
      assert.is(endpointsOrigin(s), `http://${host}`)
      await partTaken(s)
    }
    assert.ok(reached > 0, 'neither loopback address reached ::')
  }))

test('should keep a specific listen address in session_endpoints whatever Host says', () =>
  servedOn('127.0.0.1', async (em, port) => {
    assert.is(em.url, `http://127.0.0.1:${port}/api/2.0`)
    for (const host of [`localhost:${port}`, 'box.test', '']) {
      const s = await createWith(em, path, 'HTTP/1.1', `Host: ${host}\r\n`)
      assert.is(endpointsOrigin(s), `http://127.0.0.1:${port}`, JSON.stringify(host))
    }
  }))

test('should let a given uploadBaseUrl win over the Host on every interface', () =>
  servedOn('0.0.0.0', async (em, port) => {
    assert.is(em.url, `http://127.0.0.1:${port}/api/2.0`)
    for (const host of [`localhost:${port}`, 'box.test']) {
      const s = await createWith(em, path, 'HTTP/1.1', `Host: ${host}\r\n`)
      assert.is(endpointsOrigin(s), 'http://front.test:9000', host)
      assert.ok(s.session_endpoints.upload_part.startsWith('http://front.test:9000/base/api/2.0/files/upload_sessions/'))
    }
  }, 'http://front.test:9000/base/api/2.0'))

test.run()
