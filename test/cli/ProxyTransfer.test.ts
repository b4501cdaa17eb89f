/**
 * `box-upload <file>` through an HTTP proxy (a child process, as users run it). The emulator stands for
 * a host behind the proxy under a name that is not loopback (`box.test`, RFC 2606: never a real host):
 * the client never resolves it, the test's CONNECT proxy does (test/helpers/connectProxy.ts), as a
 * company's proxy resolves Box's names. Over https, a TLS front with a certificate for that name stands
 * between the proxy and the emulator, and the child trusts it with NODE_EXTRA_CA_CERTS.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { type RunningEmulator, startEmulator } from '../helpers/emulator.ts'
import { type ConnectProxy, startConnectProxy } from '../helpers/connectProxy.ts'
import { type TlsFront, startTlsFront } from '../helpers/tlsFront.ts'
import { cleanEnv, run, tempDir, writeFileOf } from '../helpers/cli.ts'

const TOKEN = 'proxy-test-token-0123456789'
const USER = 'proxy-user'
const PASSWORD = 'pr0xy-p@ss/w:rd-secret'
const small = ['--min-file-size', '1']
/** No proxy variable of the test runner's own environment reaches a child unless a test sets it. */
const proxyVars = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy']
const env = (extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv => {
  const base = cleanEnv()
  for (const name of proxyVars) delete base[name]
  return { ...base, ...extra }
}
/** Every secret a run could leak: the token, and the proxy's user and password as given and as a URL carries them. */
const leaks = (text: string): ReadonlyArray<string> =>
  [TOKEN, PASSWORD, encodeURIComponent(PASSWORD), `${USER}:`].filter((secret) => text.includes(secret))

const Proxied = suite('box-upload through a proxy')

let dir: Awaited<ReturnType<typeof tempDir>>
let http: RunningEmulator
let https: RunningEmulator
let front: TlsFront
let proxy: ConnectProxy
Proxied.before(async () => {
  dir = await tempDir()
  const options = { tokens: [TOKEN], minFileSize: 1, partSize: 256 * 1024 }
  http = await startEmulator({ ...options, uploadBaseUrl: 'http://box.test/api/2.0' })
  https = await startEmulator({ ...options, uploadBaseUrl: 'https://box.test/api/2.0' })
  front = await startTlsFront('box.test', Number(new URL(https.url).port))
  proxy = await startConnectProxy({
    hosts: { 'box.test:80': Number(new URL(http.url).port), 'box.test:443': front.port },
    credentials: `${USER}:${PASSWORD}`,
  })
})
Proxied.after(async () => {
  await proxy.close()
  await front.close()
  await http.close()
  await https.close()
  await dir.remove()
})

/** The CONNECT targets the proxy is asked for while `f` runs. */
const connects = async (f: () => Promise<void>): Promise<ReadonlyArray<string>> => {
  const before = proxy.targets.length
  await f()
  return proxy.targets.slice(before)
}

Proxied('should upload to an https host through HTTPS_PROXY (user and password in it), the download check too, and print no secret', async () => {
  const path = join(dir.path, 'https.bin')
  const sha1 = await writeFileOf(path, 700_000, 3)
  let ran = { code: -1 as number | null, stdout: '', stderr: '' }
  const seen = await connects(async () => {
    ran = await run([path, ...small, '--upload-url', 'https://box.test/api/2.0', '--api-url', 'https://box.test/2.0', '--json'], {
      env: env({ BOX_TOKEN: TOKEN, HTTPS_PROXY: proxy.urlWith(USER, PASSWORD), HTTP_PROXY: 'http://127.0.0.1:1', NODE_EXTRA_CA_CERTS: front.certFile }),
      timeoutMs: 60_000,
    })
  })
  assert.is(ran.code, 0, ran.stderr)
  const result = JSON.parse(ran.stdout) as Record<string, unknown>
  assert.is(result['sha1'], sha1)
  assert.is(result['verified'], true)
  // Each request went through it (session, parts, commit, download): every tunnel to box.test:443.
  assert.ok(seen.length >= 2, `CONNECTs: ${seen.join(', ')}`)
  assert.equal([...new Set(seen)], ['box.test:443'])
  assert.equal(leaks(ran.stdout + ran.stderr), [])
})

Proxied('should upload through --proxy, which takes the place of HTTPS_PROXY and HTTP_PROXY (an http host tunnelled too)', async () => {
  const path = join(dir.path, 'flag.bin')
  const sha1 = await writeFileOf(path, 600_000, 4)
  let ran = { code: -1 as number | null, stdout: '', stderr: '' }
  const seen = await connects(async () => {
    ran = await run([path, ...small, '--upload-url', 'http://box.test/api/2.0', '--api-url', 'http://box.test/2.0', '--proxy', proxy.urlWith(USER, PASSWORD)], {
      env: env({ BOX_TOKEN: TOKEN, HTTPS_PROXY: 'http://127.0.0.1:1', HTTP_PROXY: 'http://127.0.0.1:1', http_proxy: 'http://127.0.0.1:1' }),
      timeoutMs: 60_000,
    })
  })
  assert.is(ran.code, 0, ran.stderr)
  assert.match(ran.stdout, `  check:    downloaded back: SHA-1 ${sha1} matches the local file\n`)
  assert.ok(seen.length >= 2, `CONNECTs: ${seen.join(', ')}`)
  assert.equal([...new Set(seen)], ['box.test:80'])
  assert.equal(leaks(ran.stdout + ran.stderr), [])
})

Proxied('should go direct to a host NO_PROXY lists (the proxy asked nothing), also with --proxy', async () => {
  const path = join(dir.path, 'noproxy.bin')
  await writeFileOf(path, 1000, 5)
  for (const [flags, vars] of [
    [[], { HTTP_PROXY: proxy.urlWith(USER, PASSWORD), NO_PROXY: 'example.org, .test' }],
    [['--proxy', proxy.urlWith(USER, PASSWORD)], { no_proxy: 'example.org,box.test:80' }],
  ] as const) {
    let ran = { code: -1 as number | null, stdout: '', stderr: '' }
    const seen = await connects(async () => {
      // Direct, box.test resolves nowhere (no proxy resolves it for us): the upload fails on the name, at once.
      ran = await run([path, ...small, '--upload-url', 'http://box.test/api/2.0', ...flags], { env: env({ BOX_TOKEN: TOKEN, ...vars }), timeoutMs: 60_000 })
    })
    assert.equal(seen, [], JSON.stringify(vars))
    assert.is(ran.code, 1, ran.stderr)
    assert.match(ran.stderr, /POST http:\/\/box\.test\/api\/2\.0\/files\/upload_sessions got no answer \(fetch failed (ENOTFOUND|EAI_AGAIN)\)/)
    assert.not.match(ran.stderr, 'proxy http')
  }
})

Proxied('should go direct to an address in a NO_PROXY range (0.0.0.0: not loopback to box-upload, this machine to Linux), through the proxy without it', async () => {
  // An IP address that box-upload does not take for loopback, yet reaches the emulator on 127.0.0.1 directly:
  // Linux connects 0.0.0.0 to 127.0.0.1 (an interface's own address would need a server listening beyond
  // 127.0.0.1). The proxy knows the emulator under that address too.
  // The session is made at 0.0.0.0; its parts go to the emulator's endpoints on 127.0.0.1, the --api-url
  // host (so the token may go there), loopback: direct either way.
  const local = await startEmulator({ minFileSize: 1 })
  const port = Number(new URL(local.url).port)
  const through = await startConnectProxy({ hosts: { [`0.0.0.0:${port}`]: port } })
  try {
    const path = join(dir.path, 'range.bin')
    const sha1 = await writeFileOf(path, 300_000, 9)
    for (const [noProxy, tunnels] of [['10.0.0.0/8', [`0.0.0.0:${port}`]], ['10.0.0.0/8, 0.0.0.0/8', []]] as const) {
      const before = through.targets.length
      const ran = await run([path, ...small, '--name', `${noProxy.length}.bin`, '--upload-url', `http://0.0.0.0:${port}/api/2.0`, '--api-url', local.apiUrl], {
        env: env({ HTTP_PROXY: through.url, NO_PROXY: noProxy }),
        timeoutMs: 60_000,
      })
      assert.is(ran.code, 0, ran.stderr)
      assert.match(ran.stdout, `  check:    downloaded back: SHA-1 ${sha1} matches the local file\n`)
      assert.equal([...new Set(through.targets.slice(before))], tunnels, noProxy)
    }
  } finally {
    await through.close()
    await local.close()
  }
})

Proxied('should never send loopback through the proxy: the embedded emulator (no token) and a server on 127.0.0.1, whatever the variables say (other loopback names: Proxy.test.ts)', async () => {
  const path = join(dir.path, 'loopback.bin')
  await writeFileOf(path, 300_000, 6)
  const everywhere = { HTTPS_PROXY: proxy.url, https_proxy: proxy.url, HTTP_PROXY: proxy.url, http_proxy: proxy.url }
  const local = await startEmulator({ minFileSize: 1 })
  try {
    const port = new URL(local.url).port
    for (const args of [
      [path, ...small, '--proxy', proxy.url],
      [path, ...small, '--name', 'a.bin', '--upload-url', `http://127.0.0.1:${port}/api/2.0`, '--api-url', `http://127.0.0.1:${port}/2.0`, '--proxy', proxy.url],
      [path, ...small, '--name', 'b.bin', '--upload-url', `http://127.0.0.1:${port}/api/2.0`],
    ]) {
      let ran = { code: -1 as number | null, stdout: '', stderr: '' }
      const seen = await connects(async () => {
        ran = await run(args, { env: env(everywhere), timeoutMs: 60_000 })
      })
      assert.is(ran.code, 0, ran.stderr)
      assert.equal(seen, [], args.join(' '))
    }
  } finally {
    await local.close()
  }
})

Proxied('should ask a proxy that answers 407 once, and fail at once and clearly, naming the proxy without its password nor the token', async () => {
  const path = join(dir.path, 'refused.bin')
  await writeFileOf(path, 1000, 7)
  let ran = { code: -1 as number | null, stdout: '', stderr: '' }
  let ended = 0
  const refusedBefore = proxy.refusedAt.length
  const seen = await connects(async () => {
    ran = await run([path, ...small, '--upload-url', 'http://box.test/api/2.0', '--json'], {
      env: env({ BOX_TOKEN: TOKEN, HTTP_PROXY: proxy.urlWith(USER, `${PASSWORD}-wrong`) }),
      timeoutMs: 90_000,
    })
    ended = performance.now()
  })
  assert.is(ran.code, 1, ran.stderr)
  // One CONNECT: each other would be one more failed login for the directory behind the proxy, which may lock the account.
  assert.equal(seen, ['box.test:80'])
  // And no wait: the library's 5 retries of a network error slept 0-15 s (7.75 s on average). A bound for a loaded machine.
  const refusedAt = proxy.refusedAt.slice(refusedBefore)
  assert.is(refusedAt.length, 1)
  assert.ok(ended - (refusedAt[0] ?? 0) < 3_000, `exited ${Math.round(ended - (refusedAt[0] ?? 0))} ms after the 407`)
  const { origin } = new URL(proxy.url)
  assert.match(ran.stderr, `box-upload: upload failed: POST http://box.test/api/2.0/files/upload_sessions got no answer (through the proxy ${origin} (HTTP_PROXY): it answered 407 Proxy Authentication Required to CONNECT box.test:80: check the user and password in HTTP_PROXY)`)
  const json = JSON.parse(ran.stdout) as { readonly message: string; readonly error: { readonly tag: string }; readonly state?: string }
  assert.match(json.message, 'it answered 407 Proxy Authentication Required')
  assert.is(json.error.tag, 'NetworkError')
  assert.is(json.state, undefined)
  assert.equal(leaks(ran.stdout + ran.stderr), [])
})

Proxied('should keep the session when the proxy refuses a tunnel mid-upload (its password changed), asking once, and resume it with the new password (once each with the old)', async () => {
  // The emulator's session endpoints name another host (parts.box.test, the --api-url host, so the token may go
  // there): the first part needs a tunnel of its own, the proxy's second, which it refuses once its first is open.
  const parts = await startEmulator({ tokens: [TOKEN], minFileSize: 1, partSize: 256 * 1024, uploadBaseUrl: 'http://parts.box.test/api/2.0' })
  const port = Number(new URL(parts.url).port)
  const changed = `${PASSWORD}-changed`
  const changing = await startConnectProxy({
    hosts: { 'box.test:80': port, 'parts.box.test:80': port },
    credentials: `${USER}:${PASSWORD}`,
    newCredentials: { afterTunnels: 1, credentials: `${USER}:${changed}` },
  })
  try {
    const path = join(dir.path, 'changed.bin')
    const sha1 = await writeFileOf(path, 1_000_000, 10)
    const state = join(dir.path, 'changed.state.json')
    const where = ['--upload-url', 'http://box.test/api/2.0', '--api-url', 'http://parts.box.test/2.0', '--state', state]
    const first = await run([path, ...small, '--concurrency', '1', ...where, '--json'], {
      env: env({ BOX_TOKEN: TOKEN, HTTP_PROXY: changing.urlWith(USER, PASSWORD) }),
      timeoutMs: 90_000,
    })
    assert.is(first.code, 1, first.stderr)
    // The session's tunnel, then the parts' one, refused and not asked again (nor for a DELETE of the session).
    assert.equal(changing.targets, ['box.test:80', 'parts.box.test:80'])
    assert.is(changing.refusedAt.length, 1)
    const { origin } = new URL(changing.url)
    assert.match(first.stderr, `box-upload: upload failed: PUT http://parts.box.test/api/2.0/files/upload_sessions/`)
    assert.match(first.stderr, ` got no answer (through the proxy ${origin} (HTTP_PROXY): it answered 407 Proxy Authentication Required to CONNECT parts.box.test:80: check the user and password in HTTP_PROXY)`)
    assert.match(first.stderr, `Continue with: box-upload ${path} --resume ${where.join(' ')}`)
    const json = JSON.parse(first.stdout) as { readonly error: { readonly tag: string }; readonly state?: string }
    assert.is(json.error.tag, 'NetworkError')
    assert.is(json.state, state)
    assert.equal(leaks(first.stdout + first.stderr + await readFile(state, 'utf8')), [])

    // A resume with the old password: its first request (the session's status) refused, and nothing more.
    const before = changing.targets.length
    const stale = await run([path, '--resume', ...where], { env: env({ BOX_TOKEN: TOKEN, HTTP_PROXY: changing.urlWith(USER, PASSWORD) }), timeoutMs: 90_000 })
    const staleEnded = performance.now()
    assert.is(stale.code, 1, stale.stderr)
    assert.equal(changing.targets.slice(before), ['parts.box.test:80'])
    assert.ok(staleEnded - (changing.refusedAt[1] ?? 0) < 3_000, `exited ${Math.round(staleEnded - (changing.refusedAt[1] ?? 0))} ms after the 407`)
    assert.match(stale.stderr, 'it answered 407 Proxy Authentication Required to CONNECT parts.box.test:80: check the user and password in HTTP_PROXY)')
    assert.match(stale.stderr, `Continue with: box-upload ${path} --resume ${where.join(' ')}`)
    assert.equal(leaks(stale.stdout + stale.stderr), [])

    const resumed = await run([path, '--resume', ...where], { env: env({ BOX_TOKEN: TOKEN, HTTP_PROXY: changing.urlWith(USER, changed) }), timeoutMs: 90_000 })
    assert.is(resumed.code, 0, resumed.stderr)
    assert.match(resumed.stdout, '(resumed)')
    assert.match(resumed.stdout, `  check:    downloaded back: SHA-1 ${sha1} matches the local file\n`)
    assert.is(changing.refusedAt.length, 2)
    assert.equal(leaks(resumed.stdout + resumed.stderr), [])
  } finally {
    await changing.close()
    await parts.close()
  }
})

Proxied('should fail clearly, after a bounded number of tries, when the proxy closes the connection it is asked to tunnel', async () => {
  const closing = await startConnectProxy({ refuse: 'close' })
  try {
    const path = join(dir.path, 'closed.bin')
    await writeFileOf(path, 1000, 8)
    const ran = await run([path, ...small, '--upload-url', 'https://box.test/api/2.0'], {
      env: env({ BOX_TOKEN: TOKEN, https_proxy: closing.urlWith(USER, PASSWORD), HTTPS_PROXY: 'http://127.0.0.1:1' }),
      timeoutMs: 90_000,
    })
    assert.is(ran.code, 1, ran.stderr)
    // undici 7 alone asks again at once, for ever (thousands of CONNECTs a second): one per try here.
    assert.ok(closing.targets.length >= 1 && closing.targets.length <= 6, `CONNECTs: ${closing.targets.length}`)
    assert.match(ran.stderr, `got no answer (through the proxy ${new URL(closing.url).origin} (https_proxy): it closed the connection when asked to CONNECT box.test:443)`)
    assert.equal(leaks(ran.stdout + ran.stderr), [])
  } finally {
    await closing.close()
  }
})

Proxied('should refuse an invalid --proxy or proxy variable with exit 2 and a clear line, never quoting a password', async () => {
  for (const [args, vars, line] of [
    [['--proxy', 'ftp://proxy.example.com:21'], {}, "box-upload: --proxy must be an http(s) proxy URL such as http://proxy.example.com:3128 (or http://user:password@host:port), not 'ftp://proxy.example.com:21'\n"],
    [['--proxy', `http://${USER}:${PASSWORD}@proxy.example.com:99999`], {}, 'box-upload: --proxy must be an http(s) proxy URL such as http://proxy.example.com:3128 (or http://user:password@host:port)\n'],
    [['--proxy', 'http://wpad.example.com/proxy.pac'], {}, "box-upload: --proxy must be an http(s) proxy URL such as http://proxy.example.com:3128 (or http://user:password@host:port), not 'http://wpad.example.com/proxy.pac'\n"],
    [[], { HTTPS_PROXY: 'http://proxy example:3128' }, "box-upload: HTTPS_PROXY must be an http(s) proxy URL such as http://proxy.example.com:3128 (or http://user:password@host:port), not 'http://proxy example:3128'\n"],
  ] as const) {
    const ran = await run(['absent.bin', '--token', TOKEN, ...args], { env: env(vars) })
    assert.is(ran.code, 2, ran.stderr)
    assert.is(ran.stderr, line)
    assert.equal(leaks(ran.stderr), [])
  }
})

Proxied.run()
