import * as E from 'fp-ts/lib/Either.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { accessToken, client, defaultApiUrl, defaultUploadUrl, refreshToken, trust } from '../src/Client.ts'

const TOKEN = 'secret-token-0123456789'

const Client = suite('client')

Client('should default to Box hosts and trim trailing slashes', () => {
  const box = client({ token: TOKEN })
  assert.is(box.uploadUrl, defaultUploadUrl)
  assert.is(box.apiUrl, defaultApiUrl)
  assert.is(client({ token: TOKEN, uploadUrl: 'http://127.0.0.1:9/api/2.0/' }).uploadUrl, 'http://127.0.0.1:9/api/2.0')
})

Client('should never show the token in JSON or in its own properties', () => {
  for (const token of [TOKEN, () => Promise.resolve(TOKEN)]) {
    const box = client({ token })
    assert.not.ok(JSON.stringify(box).includes(TOKEN))
    assert.not.ok(Object.getOwnPropertyNames(box).some((key) => String((box as unknown as Record<string, unknown>)[key]).includes(TOKEN)))
  }
})

Client('should cache a token function and ask again only on refresh', async () => {
  let calls = 0
  const box = client({ token: async () => `token-${++calls}` })
  assert.equal(await accessToken(box)(), E.right('token-1'))
  assert.equal(await accessToken(box)(), E.right('token-1'))
  assert.is(calls, 1)
  assert.equal(await refreshToken(box)(), E.right(undefined))
  assert.equal(await accessToken(box)(), E.right('token-2'))
  assert.is(calls, 2)
  assert.ok(box.canRefresh)
  assert.not.ok(client({ token: TOKEN }).canRefresh)
})

Client('should share one refresh between concurrent callers', async () => {
  let calls = 0
  const box = client({ token: () => new Promise((resolve) => setTimeout(() => resolve(`token-${++calls}`), 10)) })
  await Promise.all([refreshToken(box)(), refreshToken(box)(), refreshToken(box)()])
  assert.is(calls, 1)
  assert.equal(await accessToken(box)(), E.right('token-1'))
})

Client('should turn a failing token function into InvalidInput and not cache the failure', async () => {
  let calls = 0
  const box = client({ token: async () => { if (++calls === 1) throw new Error('vault unreachable'); return TOKEN } })
  const first = await accessToken(box)()
  assert.ok(E.isLeft(first) && first.left._tag === 'InvalidInput' && first.left.message.includes('vault unreachable'))
  assert.equal(await accessToken(box)(), E.right(TOKEN))
})

Client('should ask again on a refresh for the token given last, and give the current one for a token a refresh replaced', async () => {
  let calls = 0
  const box = client({ token: async () => `token-${++calls}` })
  assert.equal(await accessToken(box)(), E.right('token-1'))
  // A request refused with token-1: the first refresh asks, the others (sent with token-1 too) get token-2.
  assert.equal(await Promise.all([accessToken(box, 'token-1')(), accessToken(box, 'token-1')()]), [E.right('token-2'), E.right('token-2')])
  assert.equal(await accessToken(box, 'token-1')(), E.right('token-2'))
  assert.is(calls, 2)
  // token-2 refused: asked again; `true` always asks.
  assert.equal(await accessToken(box, 'token-2')(), E.right('token-3'))
  assert.equal(await accessToken(box, true)(), E.right('token-4'))
  assert.is(calls, 4)
})

Client('should ask again after a refresh that failed, whatever token the next call names, not give the token it replaced', async () => {
  let calls = 0
  const box = client({ token: async () => { if (++calls === 2) throw new Error('refresh token already used'); return `token-${calls}` } })
  assert.equal(await accessToken(box)(), E.right('token-1'))
  const refused = await accessToken(box, 'token-1')()
  assert.ok(E.isLeft(refused) && refused.left._tag === 'InvalidInput' && refused.left.message.includes('refresh token already used'), JSON.stringify(refused))
  assert.equal(await accessToken(box, 'token-0')(), E.right('token-3'))
  assert.equal(await accessToken(box)(), E.right('token-3'))
  assert.is(calls, 3)
})

// An empty answer fails like a throw: the token it would replace is not given again.
Client('should ask again after a token function gave no token on a refresh', async () => {
  let calls = 0
  const box = client({ token: () => (++calls === 2 ? '  ' : `token-${calls}`) })
  assert.equal(await accessToken(box)(), E.right('token-1'))
  assert.is(E.isLeft(await accessToken(box, true)()), true)
  assert.equal(await accessToken(box)(), E.right('token-3'))
})

// Whatever it throws: an object without a prototype, which String cannot write, must not reject the task.
Client('should turn a token function throwing a text or any object into InvalidInput naming it', async () => {
  const cases: ReadonlyArray<readonly [unknown, string]> = [
    ['vault sealed', '(vault sealed)'], [Object.create(null), '(an object)'], [{ message: Object.create(null) }, '(an object)'], [[1, 2], '(an array)'],
  ]
  for (const [thrown, named] of cases) {
    const result = await accessToken(client({ token: () => { throw thrown } }))().catch((e: unknown) => `rejected: ${e instanceof Error ? e.message : 'other'}`)
    assert.ok(typeof result !== 'string' && E.isLeft(result) && result.left._tag === 'InvalidInput' && result.left.message.includes(named), JSON.stringify(result))
  }
})

// README: trimmed as String.prototype.trim does (the whitespace a header's value loses, and other Unicode spaces),
// so what is masked is what is sent.
Client('should trim the token of spaces, tabs, line breaks and other Unicode spaces, given as a string or by a function', async () => {
  const padded = '\u00a0\u2003 secret-token-0123456789\t\r\n\ufeff'
  for (const token of [padded, () => padded]) assert.equal(await accessToken(client({ token }))(), E.right(TOKEN))
})

Client('should refuse an empty token', async () => {
  const result = await accessToken(client({ token: () => '' }))()
  assert.is(E.isLeft(result) && result.left._tag, 'InvalidInput')
})

const Trust = suite('trust')

const cases: ReadonlyArray<readonly [string, { readonly uploadUrl?: string; readonly allowedHosts?: string[] }, string, string | true]> = [
  ['the upload host', {}, 'https://upload.box.com/api/2.0/files/upload_sessions/1', true],
  ['the API host', {}, 'https://api.box.com/2.0/files/1', true],
  ['another *.box.com host with the defaults', {}, 'https://upload-las.app.box.com/api/2.0/files/upload_sessions/1', true],
  ['http on a box.com host', {}, 'http://upload.box.com/api/2.0', 'http://upload.box.com'],
  ['a box.com host on another port', {}, 'https://upload.box.com:8443/api/2.0', 'https://upload.box.com:8443'],
  ['the apex box.com', {}, 'https://box.com/x', 'https://box.com'],
  ['a look-alike suffix', {}, 'https://evilbox.com/x', 'https://evilbox.com'],
  ['box.com as a subdomain of another host', {}, 'https://upload.box.com.evil.net/x', 'https://upload.box.com.evil.net'],
  ['box.com in user info', {}, 'https://upload.box.com@evil.net/x', 'https://evil.net'],
  ['box.com in the fragment', {}, 'https://evil.net/#.box.com', 'https://evil.net'],
  ['the emulator origin', { uploadUrl: 'http://127.0.0.1:4000/api/2.0' }, 'http://127.0.0.1:4000/api/2.0/files/upload_sessions/1', true],
  ['another port of the emulator host', { uploadUrl: 'http://127.0.0.1:4000/api/2.0' }, 'http://127.0.0.1:4001/api/2.0', 'http://127.0.0.1:4001'],
  ['*.box.com when the URLs are not Box', { uploadUrl: 'http://127.0.0.1:4000/api/2.0' }, 'https://upload.box.com/api/2.0', true],
  ['an allowed host name', { allowedHosts: ['Uploads.Example.com'] }, 'https://uploads.example.com/x', true],
  ['an allowed host name over http', { allowedHosts: ['uploads.example.com'] }, 'http://uploads.example.com/x', 'http://uploads.example.com'],
  ['an allowed host with a port', { allowedHosts: ['uploads.example.com:8443'] }, 'https://uploads.example.com:8443/x', true],
  ['an allowed host with a port over http', { allowedHosts: ['uploads.example.com:8443'] }, 'http://uploads.example.com:8443/x', 'http://uploads.example.com:8443'],
  ['an allowed host on another port', { allowedHosts: ['uploads.example.com'] }, 'https://uploads.example.com:8443/x', 'https://uploads.example.com:8443'],
  // README: a URL on the default port has no port, so `host:443` matches nothing.
  ['a URL on the default port by host:443', { allowedHosts: ['uploads.example.com:443'] }, 'https://uploads.example.com/x', 'https://uploads.example.com'],
  ['a wildcard subdomain', { allowedHosts: ['*.example.com'] }, 'https://a.b.example.com/x', true],
  ['a wildcard apex', { allowedHosts: ['*.example.com'] }, 'https://example.com/x', 'https://example.com'],
  ['a wildcard subdomain over http', { allowedHosts: ['*.example.com'] }, 'http://a.example.com/x', 'http://a.example.com'],
  ['a wildcard subdomain on another port', { allowedHosts: ['*.example.com'] }, 'https://a.example.com:8443/x', 'https://a.example.com:8443'],
  ['an allowed full origin', { allowedHosts: ['http://127.0.0.1:5000'] }, 'http://127.0.0.1:5000/api/2.0', true],
  ['another port than an allowed origin', { allowedHosts: ['http://127.0.0.1:5000'] }, 'http://127.0.0.1:5001/api/2.0', 'http://127.0.0.1:5001'],
]

for (const [name, options, url, expected] of cases) {
  Trust(`should ${expected === true ? 'trust' : 'refuse'} ${name}`, () => {
    const result = trust(client({ token: TOKEN, ...options }))(url)
    if (expected === true) assert.ok(E.isRight(result), url)
    else assert.equal(result, E.left({ _tag: 'UntrustedEndpoint', origin: expected }))
  })
}

// The '*.box.com' rule only applies when a base URL is Box's: with the emulator URLs, box.com is not implied.
Trust('should not imply *.box.com when neither base URL is Box', () => {
  const box = client({ token: TOKEN, uploadUrl: 'http://127.0.0.1:4000/api/2.0', apiUrl: 'http://127.0.0.1:4000/2.0' })
  assert.equal(trust(box)('https://upload.box.com/api/2.0'), E.left({ _tag: 'UntrustedEndpoint', origin: 'https://upload.box.com' }))
})

// Every opaque origin is 'null': equal to any other, so a base or an allowed entry with one trusted them all.
Trust('should trust no URL of an opaque origin (data:, blob:, a custom scheme), even with such a base or allowed entry', () => {
  const box = client({ token: TOKEN, uploadUrl: 'custom:upload', apiUrl: 'https://api.box.com/2.0', allowedHosts: ['blob:x'] })
  for (const url of ['evil:steal', 'data:text/plain,hi', 'custom:upload/files']) {
    assert.equal(trust(box)(url), E.left({ _tag: 'UntrustedEndpoint', origin: 'null' }), url)
  }
  assert.ok(E.isRight(trust(box)('https://api.box.com/2.0/files/1')))
})

// A base URL that does not parse is no origin: it trusts nothing, and the other base still decides.
Trust('should trust nothing by a base URL that does not parse, and go by the other one', () => {
  const withBox = client({ token: TOKEN, uploadUrl: 'not a url', apiUrl: 'https://api.box.com/2.0' })
  assert.ok(E.isRight(trust(withBox)('https://api.box.com/2.0/files/1')))
  assert.ok(E.isRight(trust(withBox)('https://upload.box.com/api/2.0/files/upload_sessions/1')))
  assert.equal(trust(withBox)('https://example.com/x'), E.left({ _tag: 'UntrustedEndpoint', origin: 'https://example.com' }))
  const neither = client({ token: TOKEN, uploadUrl: 'not a url', apiUrl: 'http://127.0.0.1:4000/2.0' })
  assert.ok(E.isRight(trust(neither)('http://127.0.0.1:4000/2.0/files/1')))
  assert.equal(trust(neither)('https://upload.box.com/api/2.0'), E.left({ _tag: 'UntrustedEndpoint', origin: 'https://upload.box.com' }))
})

Trust('should refuse a URL that does not parse, quoting neither its query nor a user or password in it', () => {
  const result = trust(client({ token: TOKEN }))('not a url?token=x')
  assert.ok(E.isLeft(result) && result.left._tag === 'InvalidInput' && !JSON.stringify(result.left).includes('token=x'))
  // A port out of range, or a password holding '#' or '?' (the parser takes `user:pa` for host and port):
  // it does not parse, but may hold a password, in any spelling a parser would take for user info
  // (a '/', '?' or '#' in it, one slash or backslashes after the scheme). With an '@', nothing is shown.
  const refusedText = (url: string): string => {
    const refused = trust(client({ token: TOKEN }))(url)
    assert.ok(E.isLeft(refused) && refused.left._tag === 'InvalidInput', JSON.stringify(refused))
    return JSON.stringify(refused)
  }
  for (const bad of [
    'https://user:s3cret-PW@upload.box.com:99999/api/2.0/files/upload_sessions?q=a@b',
    'https://user:s3cret/PW@upload.box.com:99999/api/2.0/files/upload_sessions',
    'https:/user:s3cret-PW@upload.box.com:99999/api/2.0/files/upload_sessions',
    'https:\\\\user:s3cret-PW@upload.box.com:99999/api/2.0/files/upload_sessions',
    'https://user:pa#s3cret-PW@upload.box.com/api/2.0/files/upload_sessions',
    'https://user:Pa?s3cret-PW@upload.box.com/api/2.0/files/upload_sessions',
  ]) assert.not.ok(/s3cret|user|q=a|Pa|pa/.test(refusedText(bad)), refusedText(bad))
  const query = refusedText('https://upload.box.com:99999/api/2.0/files/upload_sessions?token=abc\ns3cret-PW')
  assert.not.ok(/s3cret|token=/.test(query), query)
  assert.match(query, 'https://upload.box.com:99999/api/2.0/files/upload_sessions')
})

// fetch refuses such a URL with a TypeError quoting it whole: a retried NetworkError with the password in it.
Trust('should refuse a URL with a user or password as InvalidInput, quoting neither', () => {
  const box = client({ token: TOKEN, uploadUrl: 'http://user:pass-w0rd@127.0.0.1:4000/api/2.0' })
  for (const url of ['http://user:pass-w0rd@127.0.0.1:4000/api/2.0/files/upload_sessions', 'http://pass-w0rd@127.0.0.1:4000/api/2.0/x']) {
    const result = trust(box)(url)
    assert.ok(E.isLeft(result) && result.left._tag === 'InvalidInput', JSON.stringify(result))
    assert.not.ok(JSON.stringify(result).includes('pass-w0rd'), JSON.stringify(result))
  }
})

Client.run()
Trust.run()
