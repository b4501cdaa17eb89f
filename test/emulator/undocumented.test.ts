/**
 * The answers of the README's "Answers Box's documents do not name" (its emulator section) that no other file
 * tests: the emulator's choices where Box's OpenAPI and docs/box-protocol.md name no status for a request. The
 * other rows are tested with their routes: errors (404 paths, 405, 415 at creation), parts (416 ranges, 409 under a
 * slow part, a committed or aborted session's 404), sessions and files (new versions, the files API), adapter and
 * strictness (HEAD, OPTIONS *, 501, Host and parse 400s).
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import {
  SMALL, TOKEN, assertBoxError, call, commit, contentRange, createVersionSession, openSession, randomFile, sha1Base64,
  status, uniqueName, uploadAll, uploadFile, withEmulator, type Session,
} from '../helpers/box.ts'
import { runModule } from '../helpers/childModule.ts'
import { exchange, rawConnection } from '../helpers/rawHttp.ts'

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** The status and Box error body of a raw answer, and whether it carries the CORS header every answer has. */
const parsed = (text: string) => ({
  status: Number(text.slice(9, 12)),
  json: JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4) || 'null'),
  cors: /\r\naccess-control-allow-origin: \*\r\n/i.test(text),
})

test('should answer 415 unsupported_media_type to a new version\'s creation and to a commit whose body is not JSON, taking neither', () =>
  withEmulator(SMALL, async (em) => {
    const bytes = randomFile(1500)
    const file = await uploadFile(em, bytes)
    for (const type of ['application/x-www-form-urlencoded', 'text/plain']) {
      assertBoxError(await createVersionSession(em, file.id, { file_size: 1500 }, { headers: { 'content-type': type } }), 415, 'unsupported_media_type')
    }
    const s = await openSession(em, bytes.length)
    const parts = await uploadAll(s, bytes)
    assertBoxError(await commit(s, bytes, parts, { headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415, 'unsupported_media_type')
    assert.is((await status(s)).status, 200, 'not committed: the session is open')
    assert.is((await commit(s, bytes, parts)).status, 201)
  }))

test('should answer 404 not_found to a part whose session was committed while its body arrived, storing nothing', () =>
  withEmulator(SMALL, async (em) => {
    const bytes = randomFile(1024)
    const s: Session = await openSession(em, bytes.length)
    const late = await rawConnection(em.url)
    late.write(Buffer.concat([Buffer.from(`PUT ${new URL(s.session_endpoints.upload_part).pathname} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\n` +
      `Content-Range: ${contentRange(0, 1023, 1024)}\r\nDigest: sha=${sha1Base64(bytes)}\r\nContent-Length: 1024\r\n\r\n`, 'latin1'), bytes.subarray(0, 512)]))
    await pause(200)
    const parts = await uploadAll(s, bytes)
    const committed = await commit(s, bytes, parts)
    assert.is(committed.status, 201, committed.text)
    late.write(bytes.subarray(512))
    const deadline = Date.now() + 3000
    while (!late.text().endsWith('}') && Date.now() < deadline) await pause(20)
    const answer = parsed(late.text())
    assert.equal([answer.status, answer.json?.code], [404, 'not_found'], late.text())
    assert.match(answer.json.message, 'was committed during the upload')
    late.destroy()
    assert.equal((await call('GET', `${em.apiUrl}/files/${committed.json.entries[0].id}`)).json.file_version.id, committed.json.entries[0].file_version.id)
  }))

test('should answer a new version\'s creation with a new file\'s codes: item_name_invalid, and 403 over maxFileSize', () =>
  withEmulator({ ...SMALL, maxFileSize: 2000 }, async (em) => {
    const file = await uploadFile(em, randomFile(1500))
    for (const file_name of ['a/b', ' spaced', '..', '']) {
      assertBoxError(await createVersionSession(em, file.id, { file_size: 1500, file_name }), 400, 'item_name_invalid')
    }
    assertBoxError(await createVersionSession(em, file.id, { file_size: 2001 }), 403, 'file_size_limit_exceeded')
    assert.is((await createVersionSession(em, file.id, { file_size: 2000, file_name: uniqueName('v') })).status, 201)
  }))

test('should answer a CORS preflight 204, on the upload base and the API base', () =>
  withEmulator(SMALL, async (em) => {
    for (const url of [`${em.url}/files/upload_sessions`, `${em.apiUrl}/files/1/content`]) {
      const r = await fetch(url, { method: 'OPTIONS', headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST' } })
      assert.is(r.status, 204, url)
    }
  }))

test('should answer 400 bad_request to a target Request cannot take and to * with a method but OPTIONS, 431 to headers over 16 KiB', () =>
  withEmulator(SMALL, async (em) => {
    for (const [request, status, code, says] of [
      ['GET * HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'bad_request', 'GET * is not a request this server takes'],
      // An absolute-form target whose port no URL takes: Node's parser passes it, the web `Request` does not.
      ['GET http://box.test:99999/api/2.0/files/upload_sessions HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'bad_request', 'Unreadable request'],
      [`GET /api/2.0/files/upload_sessions HTTP/1.1\r\nHost: x\r\nX-Padding: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'request_header_fields_too_large', 'too large'],
    ] as const) {
      const text = await exchange(em.url, request)
      const answer = parsed(text)
      assert.equal([answer.status, answer.json?.code, answer.cors], [status, code, true], text.slice(0, 300))
      assert.equal([answer.json.type, answer.json.status], ['error', status])
      assert.match(answer.json.message, says)
    }
    assert.is((await openSession(em, 10)).type, 'upload_session', 'the emulator serves on')
  }))

// The adapter's headersTimeout (60 s, Node's, which its requestTimeout 0 would otherwise turn off) scaled down 120
// times, to 0.5 s, in a process of its own, as the adapter's body-time test does: none set, none scaled.
test('should answer 408 request_timeout, in Box\'s error body, to headers that do not come within Node\'s headersTimeout', async () => {
  const script = `
    import http from 'node:http'
    import { syncBuiltinESMExports } from 'node:module'
    import { connect } from 'node:net'
    const original = http.createServer
    let asked
    http.createServer = (options, listener) => {
      asked = options.headersTimeout
      return original({ ...options, headersTimeout: (options.headersTimeout ?? 0) / 120, connectionsCheckingInterval: 50 }, listener)
    }
    syncBuiltinESMExports()
    const { serve } = await import('./src/emulator/node.ts')
    const served = await serve({ port: 0, minFileSize: 1 })
    const { port } = new URL(served.url)
    const started = Date.now()
    const text = await new Promise((resolve) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.write('GET /api/2.0/files/upload_sessions HTTP/1.1\\r\\nHost: x\\r\\n'))
      let got = ''
      socket.on('data', (chunk) => { got += chunk.toString('latin1') })
      socket.on('close', () => resolve(got))
      socket.on('error', () => undefined)
      setTimeout(() => socket.destroy(), 5000)
    })
    await served.close()
    console.log(JSON.stringify({ text, ms: Date.now() - started, asked }))
  `
  const out = JSON.parse(await runModule(script, 20_000)) as { text: string; ms: number; asked?: number }
  // The 60 s itself: scaled, twice it would still answer within the bound below.
  assert.is(out.asked, 60_000, 'the headersTimeout the adapter sets')
  const answer = parsed(out.text)
  assert.equal([answer.status, answer.json?.code, answer.cors], [408, 'request_timeout', true], out.text.slice(0, 300))
  assert.ok(out.ms >= 400 && out.ms < 4000, `answered after ${out.ms} ms`)
})

test.run()
