/**
 * The README's way to upload through an HTTP proxy from Node (client section, "Behind a proxy"): the
 * client's `fetch` option with undici's `fetch` and a `ProxyAgent` dispatcher, and undici's
 * `setGlobalDispatcher`, which Node's own fetch (the client's default) follows. The emulator stands for a
 * host behind the proxy as `box.test`, a name only the test's CONNECT proxy resolves (to 127.0.0.1): an
 * upload that ends with the file went through the proxy.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { ProxyAgent, fetch, getGlobalDispatcher, setGlobalDispatcher } from 'undici'
import { client } from '../src/Client.ts'
import { upload } from '../src/Upload.ts'
import { type RunningEmulator, startEmulator } from './helpers/emulator.ts'
import { type ConnectProxy, startConnectProxy } from './helpers/connectProxy.ts'

const TOKEN = 'dev-token'
const bytes = new Uint8Array(300_000).map((_, i) => (i * 31) % 251)
const sha1 = async (data: Uint8Array<ArrayBuffer>): Promise<string> =>
  [...new Uint8Array(await crypto.subtle.digest('SHA-1', data))].map((b) => b.toString(16).padStart(2, '0')).join('')
const source = () => new ReadableStream<Uint8Array>({ start: (c) => { c.enqueue(bytes.slice()); c.close() } })

const Proxied = suite('upload through a proxy')

let box: RunningEmulator
let proxy: ConnectProxy
Proxied.before(async () => {
  box = await startEmulator({ tokens: [TOKEN], minFileSize: 1, partSize: 64 * 1024, uploadBaseUrl: 'http://box.test/api/2.0' })
  proxy = await startConnectProxy({ hosts: { 'box.test:80': Number(new URL(box.url).port) }, credentials: 'me:proxy-password' })
})
Proxied.after(async () => {
  await proxy.close()
  await box.close()
})

const where = { uploadUrl: 'http://box.test/api/2.0', apiUrl: 'http://box.test/2.0' }

Proxied('should upload with undici\'s fetch and a ProxyAgent as the client\'s fetch, as the README shows', async () => {
  const before = proxy.targets.length
  // The README's lines, with the test's proxy and hosts.
  const agent = new ProxyAgent('http://me:proxy-password@' + new URL(proxy.url).host)
  // undici's fetch has undici's types: the client calls it with a URL string and an init undici takes.
  const box = client({ token: TOKEN, ...where, fetch: (url, init) => fetch(String(url), { ...init, dispatcher: agent } as object) as unknown as Promise<Response> })
  try {
    const result = await upload(box)({ source: source(), folderId: '0', fileName: 'proxied.bin', fileSize: bytes.length }, { concurrency: 2 })()
    assert.is(result._tag, 'Right', JSON.stringify(result))
    if (result._tag === 'Right') assert.is(result.right.sha1, await sha1(bytes))
    assert.ok(proxy.targets.length > before)
    assert.equal([...new Set(proxy.targets.slice(before))], ['box.test:80'])
  } finally {
    await agent.close()
  }
})

Proxied('should upload through setGlobalDispatcher(new ProxyAgent(…)) with the client\'s default fetch, Node\'s own', async () => {
  const before = proxy.targets.length
  const previous = getGlobalDispatcher()
  const agent = new ProxyAgent('http://me:proxy-password@' + new URL(proxy.url).host)
  setGlobalDispatcher(agent)
  try {
    const result = await upload(client({ token: TOKEN, ...where }))({ source: source(), folderId: '0', fileName: 'global.bin', fileSize: bytes.length })()
    assert.is(result._tag, 'Right', JSON.stringify(result))
    assert.equal([...new Set(proxy.targets.slice(before))], ['box.test:80'])
  } finally {
    setGlobalDispatcher(previous)
    await agent.close()
  }
})

Proxied('should get no answer without the proxy: box.test is no host of its own', async () => {
  const before = proxy.targets.length
  const result = await upload(client({ token: TOKEN, ...where }))({ source: source(), folderId: '0', fileName: 'direct.bin', fileSize: bytes.length }, {
    retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1, timeoutMs: 10_000 },
  })()
  assert.is(result._tag === 'Left' ? result.left._tag : result._tag, 'NetworkError')
  assert.is(proxy.targets.length, before)
})

Proxied.run()
