import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { pipe } from 'fp-ts/lib/function.js'
import * as t from 'io-ts'
import * as fc from 'fast-check'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { inspect } from 'node:util'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { client, stripUrl } from '../src/Client.ts'
import { discard, json, request, retryAfterMs } from '../src/Http.ts'
import { retryRequests } from '../src/Retry.ts'
import { createSession } from '../src/Session.ts'
import { upload } from '../src/Upload.ts'
import { type NetworkError, message } from '../src/UploadError.ts'
import { closedPort, fixedServer } from './helpers/fixedServer.ts'

const TOKEN = 'http-test-token-42'
const boxBody = (status: number, code: string, extra: object = {}) =>
  JSON.stringify({ type: 'error', status, code, message: `${code} happened`, request_id: 'req-77', help_url: 'https://developer.box.com/', ...extra })

const Request = suite('request')

Request('should send the bearer token, JSON body and headers, and return the 2xx response', async () => {
  const server = await fixedServer(() => ({ status: 201, headers: { 'content-type': 'application/json' }, body: '{"ok":true}' }))
  try {
    const box = client({ token: TOKEN, uploadUrl: `${server.origin}/api/2.0` })
    const result = await request(box)({ method: 'post', url: `${server.origin}/api/2.0/x?a=1`, json: { n: 1 }, headers: { 'X-Extra': 'yes' } })()
    assert.ok(E.isRight(result))
    assert.is(result.right.status, 201)
    assert.equal(await json(t.type({ ok: t.boolean }), 'answer')(result.right)(), E.right({ ok: true }))
    const [sent] = server.received
    assert.is(sent?.method, 'POST')
    assert.is(sent?.url, '/api/2.0/x?a=1')
    assert.is(sent?.headers.authorization, `Bearer ${TOKEN}`)
    assert.is(sent?.headers['content-type'], 'application/json')
    assert.is(sent?.headers['x-extra'], 'yes')
    assert.is(sent?.body, '{"n":1}')
  } finally {
    await server.close()
  }
})

Request('should map a Box error body to HttpError with code, message, request_id, context_info and Retry-After', async () => {
  const server = await fixedServer(() => ({ status: 429, headers: { 'content-type': 'application/json', 'RETRY-AFTER': '7' },
    body: boxBody(429, 'rate_limit_exceeded', { context_info: { limit: 240 } }) }))
  try {
    const box = client({ token: TOKEN, uploadUrl: server.origin })
    const result = await request(box)({ method: 'PUT', url: `${server.origin}/api/2.0/files/upload_sessions/S?secret=1#frag` })()
    assert.equal(result, E.left({ _tag: 'HttpError', status: 429, method: 'PUT', url: `${server.origin}/api/2.0/files/upload_sessions/S`,
      code: 'rate_limit_exceeded', message: 'rate_limit_exceeded happened', requestId: 'req-77', contextInfo: { limit: 240 }, retryAfterMs: 7000 }))
  } finally {
    await server.close()
  }
})

Request('should map an HTML 502 page to an HttpError 502 without a code, not a crash', async () => {
  const server = await fixedServer(() => ({ status: 502, headers: { 'content-type': 'text/html' }, body: '<html><body><h1>502 Bad Gateway</h1></body></html>' }))
  try {
    const result = await request(client({ token: TOKEN, uploadUrl: server.origin }))({ method: 'GET', url: `${server.origin}/x` })()
    assert.equal(result, E.left({ _tag: 'HttpError', status: 502, method: 'GET', url: `${server.origin}/x` }))
    assert.ok(E.isLeft(result) && message(result.left).includes('502'))
  } finally {
    await server.close()
  }
})

Request('should read OAuth-style bodies and WWW-Authenticate on a 401', async () => {
  let n = 0
  const server = await fixedServer(() => (++n === 1
    ? { status: 401, body: JSON.stringify({ error: 'invalid_grant', error_description: 'expired' }) }
    : n === 2
      ? { status: 401, headers: { 'WWW-Authenticate': 'Bearer realm="Service", error="invalid_token", error_description="The access token provided is invalid."' } }
      : { status: 401 }))
  try {
    const call = request(client({ token: TOKEN, uploadUrl: server.origin }))({ method: 'GET', url: `${server.origin}/x` })
    const first = await call()
    const second = await call()
    // Neither a body nor the header: no code or message, not words read from a missing header.
    const third = await call()
    assert.ok(E.isLeft(first) && first.left._tag === 'HttpError' && first.left.code === 'invalid_grant' && first.left.message === 'expired')
    assert.ok(E.isLeft(second) && second.left._tag === 'HttpError' && second.left.code === 'invalid_token')
    assert.equal(third, E.left({ _tag: 'HttpError', status: 401, method: 'GET', url: `${server.origin}/x` }))
  } finally {
    await server.close()
  }
})

Request('should refuse an untrusted URL before sending anything', async () => {
  const trusted = await fixedServer(() => ({ status: 200 }))
  const other = await fixedServer(() => ({ status: 200 }))
  try {
    const result = await request(client({ token: TOKEN, uploadUrl: trusted.origin }))({ method: 'PUT', url: `${other.origin}/api/2.0/x?token=1` })()
    assert.equal(result, E.left({ _tag: 'UntrustedEndpoint', origin: other.origin }))
    assert.is(other.received.length, 0)
  } finally {
    await trusted.close()
    await other.close()
  }
})

Request('should not follow a redirect, so the token never reaches the other host', async () => {
  const other = await fixedServer(() => ({ status: 200 }))
  const server = await fixedServer(() => ({ status: 307, headers: { location: `${other.origin}/steal` } }))
  try {
    const result = await request(client({ token: TOKEN, uploadUrl: server.origin }))({ method: 'GET', url: `${server.origin}/x` })()
    assert.equal(result, E.left({ _tag: 'HttpError', status: 307, method: 'GET', url: `${server.origin}/x` }))
    assert.ok(E.isLeft(result) && message(result.left).includes('redirect'))
    assert.is(other.received.length, 0)
  } finally {
    await server.close()
    await other.close()
  }
})

Request('should map a refused connection to NetworkError', async () => {
  const port = await closedPort()
  const origin = `http://127.0.0.1:${port}`
  const result = await request(client({ token: TOKEN, uploadUrl: origin }))({ method: 'GET', url: `${origin}/x?q=1` })()
  assert.ok(E.isLeft(result) && result.left._tag === 'NetworkError')
  assert.equal(E.isLeft(result) && result.left._tag === 'NetworkError' && [result.left.method, result.left.url], ['GET', `${origin}/x`])
})

Request('should answer Aborted for an aborted signal, before sending or in flight', async () => {
  const server = await fixedServer(() => ({ status: 200 }))
  const hanging = await fixedServer(() => ({ status: 200 }))
  try {
    const before = await request(client({ token: TOKEN, uploadUrl: server.origin }))({ method: 'GET', url: `${server.origin}/x`, signal: AbortSignal.abort('stop') })()
    assert.equal(before, E.left({ _tag: 'Aborted', reason: 'stop' }))
    assert.is(server.received.length, 0)
    const controller = new AbortController()
    // A fetch that never answers until aborted: the abort must still come back as Aborted.
    const never: typeof fetch = (_input, init) => new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))))
    const pending = request(client({ token: TOKEN, uploadUrl: hanging.origin, fetch: never }))({ method: 'GET', url: `${hanging.origin}/x`, signal: controller.signal })()
    controller.abort('user')
    assert.equal(await pending, E.left({ _tag: 'Aborted', reason: 'user' }))
  } finally {
    await server.close()
    await hanging.close()
  }
})

Request('should name the request that timed out: its method and URL, not a stand-in', async () => {
  // A server that takes the request and never answers.
  const silent = createServer(() => undefined)
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()))
  try {
    const origin = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`
    const box = client({ token: TOKEN, uploadUrl: origin })
    const result = await retryRequests(box, { retries: 0, baseDelayMs: 1, maxDelayMs: 1, timeoutMs: 100 })((signal) =>
      request(box)({ method: 'put', url: `${origin}/api/2.0/files/upload_sessions/S1?x=1`, signal }))()
    assert.ok(E.isLeft(result) && result.left._tag === 'NetworkError', JSON.stringify(result))
    const error = (result as E.Left<NetworkError>).left
    assert.equal([error.method, error.url], ['PUT', `${origin}/api/2.0/files/upload_sessions/S1`])
    assert.match(message(error), 'no answer within 100 ms')
  } finally {
    silent.closeAllConnections()
    await new Promise((resolve) => silent.close(resolve))
  }
})

// A Response made by hand (a mock, the emulator's own fetch) has no URL of its own: the request's is named.
Request('should name the request whose answer broke off while its body was read: its own method, not GET, and its URL', async () => {
  const broken = client({ token: TOKEN, uploadUrl: 'http://127.0.0.1:9', fetch: async () =>
    new Response(new ReadableStream({ pull: (c) => c.error(new Error('connection reset')) }), { status: 201 }) })
  for (const method of ['POST', 'PUT', 'DELETE']) {
    const read = await pipe(request(broken)({ method, url: 'http://127.0.0.1:9/api/x?q=1' }), TE.flatMap(json(t.unknown, 'answer')))()
    const dropped = await pipe(request(broken)({ method, url: 'http://127.0.0.1:9/api/x?q=1' }), TE.flatMap(discard))()
    for (const result of [read, dropped]) {
      assert.ok(E.isLeft(result) && result.left._tag === 'NetworkError', JSON.stringify(result))
      assert.equal([(result.left as NetworkError).method, (result.left as NetworkError).url], [method, 'http://127.0.0.1:9/api/x'])
      assert.ok(message(result.left).startsWith(`${method} http://127.0.0.1:9/api/x got no answer`), message(result.left))
    }
  }
})

Request('should turn a thrown value that cannot be read or made JSON into \'unreadable\', as a NetworkError', async () => {
  const thrown: ReadonlyArray<() => unknown> = [
    () => ({ get headers() { throw new Error('no') } }),
    () => ({ size: 10n }),
    () => Object.defineProperty(new Error('outer'), 'message', { get: () => { throw new Error('no') } }),
  ]
  for (const value of thrown) {
    const failing = client({ token: TOKEN, uploadUrl: 'http://127.0.0.1:9', fetch: () => Promise.reject(value()) })
    const result = await request(failing)({ method: 'GET', url: 'http://127.0.0.1:9/x' })()
    assert.ok(E.isLeft(result) && result.left._tag === 'NetworkError', JSON.stringify(result))
    assert.is((result.left as NetworkError).cause, 'unreadable')
  }
})

// No request can carry such a token, so nothing is retried: the upload ends at once, the token masked.
// README: a line break inside it or a NUL; the message is "Nothing was sent: " and the runtime's reason, the token masked.
Request('should refuse a token no header can carry as InvalidInput, sending nothing, and not retry it', async () => {
  let calls = 0
  const fetching = async () => { calls++; return new Response(null, { status: 500 }) }
  for (const token of ['abcdefgh-ijklmnop\nqrstuvwx', 'abcdefgh-ijklmnop\0qrstuvwx']) {
    const one = await request(client({ token, uploadUrl: 'http://127.0.0.1:9/api/2.0', fetch: fetching }))({ method: 'GET', url: 'http://127.0.0.1:9/api/2.0/x' })()
    assert.ok(E.isLeft(one) && one.left._tag === 'InvalidInput' && message(one.left).startsWith('Nothing was sent: '), JSON.stringify(one))
    assert.not.ok(JSON.stringify(one).includes('abcdefgh-ijklmnop'), JSON.stringify(one))
  }
  const box = client({ token: 'abcdefgh-ijklmnop\nqrstuvwx', uploadUrl: 'http://127.0.0.1:9/api/2.0', fetch: fetching })
  const started = Date.now()
  const whole = await upload(box)({ source: new Blob([new Uint8Array(10)]).stream(), folderId: '0', fileName: 'f.bin', fileSize: 10 })()
  assert.ok(E.isLeft(whole) && whole.left._tag === 'InvalidInput', JSON.stringify(whole))
  assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms`)
  assert.is(calls, 0)
})

Request('should send a ReadableStream body (half duplex)', async () => {
  const server = await fixedServer(() => ({ status: 200 }))
  try {
    const body = new ReadableStream<Uint8Array>({ start: (c) => { c.enqueue(new TextEncoder().encode('abc')); c.close() } })
    const result = await request(client({ token: TOKEN, uploadUrl: server.origin }))({ method: 'PUT', url: `${server.origin}/x`, body })()
    assert.ok(E.isRight(result))
    assert.is(server.received[0]?.body, 'abc')
  } finally {
    await server.close()
  }
})

const Json = suite('json')

Json('should give a DecodeError naming the field, and one for a body that is not JSON', async () => {
  const codec = t.type({ part_size: t.number })
  const bad = await json(codec, 'upload_session')(new Response('{"part_size":"8"}'))()
  assert.ok(E.isLeft(bad) && bad.left._tag === 'DecodeError' && message(bad.left).includes('part_size'))
  const html = await json(codec, 'upload_session')(new Response('<html>oops</html>'))()
  assert.ok(E.isLeft(html) && html.left._tag === 'DecodeError' && message(html.left).includes('not JSON'))
  const empty = await json(codec, 'upload_session')(new Response(''))()
  assert.ok(E.isLeft(empty) && empty.left._tag === 'DecodeError' && message(empty.left).includes('the body is not JSON: ""'), 'an empty body shown as ""')
  assert.equal(await discard(new Response('x'))(), E.right(undefined))
})

// A server sending without end must not fill the memory: a body is read up to 16 MiB.
Json('should stop reading an answer past 16 MiB, of a 2xx (a NetworkError, none of it kept) and of an error (its status)', async () => {
  let pulled = 0
  // Endless as far as the client can tell: it ends after 64 MiB only so that a client reading it all fails this test instead of hanging.
  // Of 3-byte characters: 16 MiB is ~5.6 M of them, so a limit on characters would read 48 MiB.
  const mebibyte = new TextEncoder().encode('\u20ac'.repeat(349_525))
  const endless = (status: number) => client({ token: TOKEN, uploadUrl: 'http://127.0.0.1:9', fetch: async () => new Response(new ReadableStream<Uint8Array>({
    pull: (c) => { if (++pulled > 64) return c.close(); c.enqueue(mebibyte.slice()) },
  }, { highWaterMark: 0 }), { status }) })
  const read = await pipe(request(endless(200))({ method: 'GET', url: 'http://127.0.0.1:9/api/x' }), TE.flatMap(json(t.unknown, 'list of parts')))()
  assert.ok(E.isLeft(read) && read.left._tag === 'NetworkError' && message(read.left).includes('longer than 16 MiB'), JSON.stringify(read).slice(0, 300))
  assert.ok(pulled <= 18, `${pulled} MiB read of a 2xx`)
  pulled = 0
  const refused = await request(endless(500))({ method: 'GET', url: 'http://127.0.0.1:9/api/x' })()
  assert.ok(E.isLeft(refused) && refused.left._tag === 'HttpError' && refused.left.status === 500, JSON.stringify(refused).slice(0, 300))
  assert.ok(pulled <= 18, `${pulled} MiB read of a 500`)
})

const RetryAfter = suite('retryAfterMs')

RetryAfter('should read seconds and HTTP dates, and nothing else', () => {
  const now = Date.parse('2026-01-01T00:00:00Z')
  const table: ReadonlyArray<readonly [string | undefined, number | undefined]> = [
    ['0', 0], ['3', 3000], ['1.5', 1500], [' 2 ', 2000], ['Thu, 01 Jan 2026 00:00:10 GMT', 10000],
    ['Wed, 31 Dec 2025 23:59:00 GMT', 0], ['soon', undefined], ['-1', undefined], ['', undefined], [undefined, undefined],
    // A day is a day; 400 nines is Infinity to Number, kept finite (JSON would write null).
    ['86400', 86_400_000], ['9'.repeat(400), 2 ** 31 - 1],
    // As much as a timer can wait (~24.8 days): a longer wait would fire at once.
    ['2592000', 2 ** 31 - 1], ['Fri, 31 Dec 9999 23:59:59 GMT', 2 ** 31 - 1],
  ]
  for (const [value, expected] of table) {
    const headers = new Headers(value === undefined ? {} : { 'Retry-After': value })
    assert.is(retryAfterMs(headers, now), expected, String(value))
  }
})

RetryAfter('should strip queries, fragments and user info from URLs', () => {
  assert.is(stripUrl('https://user:pw@upload.box.com/api/2.0/x?access_token=abc#f'), 'https://upload.box.com/api/2.0/x')
})

const Secret = suite('token never leaks')

/** Whether `text` is anywhere in `value`: its strings, and the own properties of its objects and errors (message, stack, cause). */
const holds = (value: unknown, text: string, seen = new Set<unknown>()): boolean => {
  if (typeof value === 'string') return value.includes(text)
  if (typeof value !== 'object' || value === null || seen.has(value)) return false
  seen.add(value)
  return Object.getOwnPropertyNames(value).some((key) => holds((value as Record<string, unknown>)[key], text, seen))
}

// Bearer tokens (RFC 6750 b64token, with its `=` padding), and strings a caller might pass as one
// with characters JSON escapes (`"`, `\`): an echo parsed from JSON, or an error as JSON, holds them escaped.
const b64token = fc.stringMatching(/^[A-Za-z0-9._~+/-]{16,64}={0,2}$/)
const tokens = fc.oneof(b64token, fc.tuple(b64token, b64token).map(([a, b]) => `${a}"\\${b}`))

// A server that echoes the request headers (the token included) in a Box-shaped error body.
Secret('should keep random tokens out of errors and messages, even when a server or fetch echoes them', async () => {
  const server = await fixedServer((req) => (req.url === '/ok'
    ? { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ part_size: String(req.headers.authorization) }) }
    : { status: 400, headers: { 'content-type': 'application/json' },
      body: boxBody(400, 'bad_request', { message: `got ${String(req.headers.authorization)}`, context_info: { headers: req.headers } }) }))
  const seed = 20260101
  try {
    await fc.assert(fc.asyncProperty(tokens, async (token) => {
      const box = client({ token, uploadUrl: server.origin })
      const throwing = client({ token, uploadUrl: server.origin, fetch: () => Promise.reject(new Error(`cannot send Bearer ${token}`)) })
      // The token only in the exception's cause, an object: there it is found in its JSON form.
      const hiding = client({ token, uploadUrl: server.origin, fetch: () => Promise.reject(new Error('cannot send', { cause: { headers: { authorization: `Bearer ${token}` } } })) })
      // ...only in an error that is the cause of the cause, or in an own property (what HTTP libraries attach).
      const nested = client({ token, uploadUrl: server.origin, fetch: () => Promise.reject(new TypeError('fetch failed', { cause: new Error('proxy', { cause: new Error(`refused Bearer ${token}`) }) })) })
      const attached = client({ token, uploadUrl: server.origin, fetch: () => Promise.reject(Object.assign(new Error('request failed'), { config: { headers: { Authorization: `Bearer ${token}` } } })) })
      const errors = [
        await request(box)({ method: 'POST', url: `${server.origin}/x` })(),
        await request(throwing)({ method: 'POST', url: `${server.origin}/x` })(),
        await request(hiding)({ method: 'POST', url: `${server.origin}/x` })(),
        await request(nested)({ method: 'POST', url: `${server.origin}/x` })(),
        await request(attached)({ method: 'POST', url: `${server.origin}/x` })(),
        await request(box)({ method: 'POST', url: 'https://evil.net/x' })(),
        await pipe(request(box)({ method: 'GET', url: `${server.origin}/ok` }), TE.flatMap(json(t.type({ part_size: t.number }), 'upload_session')))(),
      ]
      for (const result of errors) {
        assert.ok(E.isLeft(result))
        const error = result.left
        assert.not.ok(JSON.stringify(error).includes(token), JSON.stringify(error))
        assert.not.ok(message(error).includes(token), message(error))
        assert.not.ok(holds(error, token), `the token is reachable from ${JSON.stringify(error)}`)
      }
    }), { seed, numRuns: 25 }).catch((e: unknown) => { throw new Error(`fast-check seed ${seed}: ${String(e)}`) })
  } finally {
    await server.close()
  }
})

/** Every way an error could still show `token`: its JSON, `message()`, and Node's inspection of everything (hidden and symbol keys, maps). */
const shows = (error: unknown, token: string): ReadonlyArray<string> =>
  [
    ['JSON', safeJson(error)],
    ['message', typeof error === 'object' && error !== null && '_tag' in error ? message(error as Parameters<typeof message>[0]) : ''],
    ['inspect', inspect(error, { depth: Infinity, showHidden: true })],
  ].filter(([, text]) => text!.includes(token)).map(([where]) => where!)

const safeJson = (value: unknown): string => {
  try {
    return JSON.stringify(value) ?? ''
  } catch {
    return ''
  }
}

Secret('should keep the token out of errors however a fetch, a body or a server carries it', async () => {
  const token = 'SECRET-token-0123456789abcdefghij'
  // A session answer: total_parts 9 does not fit 1000 bytes; `endpoint` is every URL it hands out.
  const session = (totalParts: number, endpoint: string, extra: object = {}) => ({ status: 201, headers: { 'content-type': 'application/json' }, body: JSON.stringify({
    type: 'upload_session', id: 'S1', part_size: 1024, total_parts: totalParts, num_parts_processed: 0, session_expires_at: '2030-01-01T00:00:00Z', ...extra,
    session_endpoints: Object.fromEntries(['upload_part', 'commit', 'abort', 'list_parts', 'status', 'log_event'].map((k) => [k, endpoint])) }) })
  const server = await fixedServer((req) => (req.url === '/not-json'
    ? { status: 200, body: `not json: ${token}` }
    : req.url === '/not-json-escaped'
      // JSON cut short, holding the token as JSON writes it (escaped), not as it is.
      ? { status: 200, body: `{"echo":${JSON.stringify(`${token}"\\`)}` }
      : req.url === '/echo'
        ? { status: 400, headers: { 'content-type': 'application/json' }, body: boxBody(400, 'bad_request', { message: `got ${String(req.headers.authorization)}` }) }
        // The token echoed in a field of its own; in a host name (shown lowercased); in a URL that does not parse.
        : req.url === '/files/upload_sessions' && req.headers['x-case'] === 'fit' ? session(9, 'http://127.0.0.1/x', { echo: token })
        : req.url === '/files/upload_sessions' && req.headers['x-case'] === 'host' ? session(1, `https://${token}.evil.example/p`)
        : req.url === '/files/upload_sessions' && req.headers['x-case'] === 'url' ? session(1, `http://[${token}/p`)
        : req.url === '/files/upload_sessions' && req.headers['x-case'] === 'query' ? session(1, `${server.origin}/p?access_token=${token}`)
        : { status: 204 }))
  try {
    const throwing = (thrown: () => unknown) => client({ token, uploadUrl: server.origin, fetch: () => Promise.reject(thrown()) })
    // A fetch that names the session answer to give (the server reads it from a header).
    const withCase = (which: string): typeof fetch => (input, init) => fetch(input, { ...init, headers: { ...Object.fromEntries(new Headers(init?.headers)), 'x-case': which } })
    const deep = (depth: number): Error => (depth === 0 ? new Error(`Bearer ${token}`) : new Error('wrapped', { cause: deep(depth - 1) }))
    const nested = (depth: number): object => (depth === 0 ? { authorization: `Bearer ${token}` } : { inner: nested(depth - 1) })
    // A body that fails while it is read, saying the token.
    const unreadable = client({ token, uploadUrl: server.origin, fetch: async () => new Response(new ReadableStream({ pull: (c) => c.error(new Error(`reset after Bearer ${token}`)) }), { status: 200 }) })
    const cases: ReadonlyArray<readonly [string, Promise<E.Either<unknown, unknown>>]> = [
      // A token with a line break: building the header throws, quoting it.
      ['line break', request(client({ token: `${token}\nsecond-line`, uploadUrl: server.origin }))({ method: 'GET', url: `${server.origin}/x` })()],
      ['NUL', request(client({ token: `${token}\u0000`, uploadUrl: server.origin }))({ method: 'GET', url: `${server.origin}/x` })()],
      ['cause 8 deep', request(throwing(() => deep(8)))({ method: 'GET', url: `${server.origin}/x` })()],
      ['object 8 deep', request(throwing(() => nested(8)))({ method: 'GET', url: `${server.origin}/x` })()],
      ['AggregateError', request(throwing(() => new AggregateError([new Error(`Bearer ${token}`)], 'all failed')))({ method: 'GET', url: `${server.origin}/x` })()],
      ['symbol key', request(throwing(() => Object.assign(new Error('failed'), { [Symbol('headers')]: { authorization: token } })))({ method: 'GET', url: `${server.origin}/x` })()],
      ['map', request(throwing(() => Object.assign(new Error('failed'), { headers: new Map([['authorization', token]]) })))({ method: 'GET', url: `${server.origin}/x` })()],
      ['unreadable body', pipe(request(unreadable)({ method: 'DELETE', url: `${server.origin}/x` }), TE.flatMap(discard))()],
      // A server that put the token into a URL it hands out, valid or not.
      ['echoed path', request(throwing(() => new TypeError('fetch failed')))({ method: 'PUT', url: `${server.origin}/x/${token}` })()],
      ['echoed bad URL', request(client({ token, uploadUrl: server.origin }))({ method: 'PUT', url: `echo ${token}` })()],
      // A body not JSON, cut short in the message: no part of the token may show.
      ['cut body', pipe(request(client({ token, uploadUrl: server.origin }))({ method: 'GET', url: `${server.origin}/not-json` }), TE.flatMap(json(t.unknown, 'x')))()],
      ['not JSON, escaped', pipe(request(client({ token, uploadUrl: server.origin }))({ method: 'GET', url: `${server.origin}/not-json-escaped` }), TE.flatMap(json(t.unknown, 'x')))()],
      ...['fit', 'host', 'url'].map((which) => [`session (${which})`, createSession(client({ token, uploadUrl: server.origin, fetch: withCase(which) }))({ folderId: '0', fileName: 'f', fileSize: 1000 })()] as const),
      // A token read from a file with its newline: the header trims it, so the echo holds the trimmed token.
      ['trailing newline', request(client({ token: `${token}\n`, uploadUrl: server.origin }))({ method: 'POST', url: `${server.origin}/echo` })()],
      // Exceptions that cannot be read, or not turned into JSON.
      ['throwing getter', request(throwing(() => Object.defineProperty(new Error(`Bearer ${token}`), 'message', { get: () => { throw new Error(`getter ${token}`) } })))({ method: 'GET', url: `${server.origin}/x` })()],
      ['revoked proxy', request(throwing(() => { const { proxy, revoke } = Proxy.revocable(new Error(token), {}); revoke(); return proxy }))({ method: 'GET', url: `${server.origin}/x` })()],
      ['BigInt name', request(throwing(() => Object.assign(new Error(`Bearer ${token}`), { name: 10n })))({ method: 'GET', url: `${server.origin}/x` })()],
    ]
    for (const [what, pending] of cases) {
      const result = await pending
      assert.ok(E.isLeft(result), `${what}: a Left, not a throw or a success`)
      const error = (result as E.Left<unknown>).left
      assert.equal(shows(error, token), [], `${what}: ${safeJson(error)}`)
      assert.equal(shows(error, token.slice(0, 16)), [], `${what}: part of the token`)
      assert.equal(shows(error, token.toLowerCase()), [], `${what}: the token lowercased (a host name)`)
    }
    // A session that works, handing out URLs that hold the token: what is kept of it (for a resume, a
    // state file, an error with keepSessionOnError) holds the mask instead.
    const kept = await createSession(client({ token, uploadUrl: server.origin, fetch: withCase('query') }))({ folderId: '0', fileName: 'f', fileSize: 1000 })()
    assert.ok(E.isRight(kept), safeJson(kept))
    assert.ok(!safeJson(kept).includes(token) && safeJson(kept).includes('access_token=[token]'), safeJson(kept))
  } finally {
    await server.close()
  }
})

// A token that is also a number (or `true`, `null`): masked in strings and keys, where an error or
// an answer holds it, it may not break their JSON or their numbers.
Secret('should mask a token made of digits in strings and keys only, never in numbers', async () => {
  const token = '12345678'
  const server = await fixedServer((req) => (req.url === '/ok'
    ? { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ size: 123456789, name: `file-${token}` }) }
    : { status: 400, headers: { 'content-type': 'application/json' },
      body: boxBody(400, 'bad_request', { message: `got ${String(req.headers.authorization)}`, context_info: { size: 123456789, [token]: token } }) }))
  try {
    const box = client({ token, uploadUrl: server.origin })
    const failed = await request(box)({ method: 'POST', url: `${server.origin}/x` })()
    assert.ok(E.isLeft(failed) && failed.left._tag === 'HttpError', JSON.stringify(failed))
    assert.equal(failed.left.contextInfo, { size: 123456789, '[token]': '[token]' })
    assert.is(failed.left.message, 'got Bearer [token]')
    const ok = await pipe(request(box)({ method: 'GET', url: `${server.origin}/ok` }), TE.flatMap(json(t.type({ size: t.number, name: t.string }), 'answer')))()
    assert.equal(ok, E.right({ size: 123456789, name: 'file-[token]' }))
  } finally {
    await server.close()
  }
})

Request.run()
Json.run()
RetryAfter.run()
Secret.run()
