/**
 * `proxied`, in this process, through the test's CONNECT proxy on 127.0.0.1 (test/helpers/connectProxy.ts):
 * what a refused tunnel does to the requests after it. No target behind the proxy is needed: each request
 * fails at its CONNECT.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { Proxies } from '../../src/cli/Proxy.ts'
import { type Proxied, proxied } from '../../src/cli/ProxyFetch.ts'
import type { UploadError } from '../../src/UploadError.ts'
import { startConnectProxy } from '../helpers/connectProxy.ts'

const PASSWORD = 'pr0xy-p@ss-secret'

/** What `fetch` rejected with: its message (undefined when it resolved). */
const rejection = (fetching: Promise<Response>): Promise<string | undefined> =>
  fetching.then(() => undefined, (error: unknown) => String((error as Error).message))

/** `proxied(settings)`, which names a proxy here. */
const through = (settings: Proxies): Proxied => {
  const made = proxied(settings)
  if (made === undefined) throw new Error('no proxy in the settings')
  return made
}

const Fetch = suite('proxied')

Fetch('should not ask a proxy again with credentials it answered 407 to, and signal the refused request', async () => {
  const proxy = await startConnectProxy({ credentials: `user:${PASSWORD}` })
  const proxying = through({ http: { url: proxy.urlWith('user', `${PASSWORD}-wrong`), from: 'HTTP_PROXY' }, noProxy: '' })
  try {
    const { origin } = new URL(proxy.url)
    assert.is(proxying.refused.aborted, false)
    assert.is(
      await rejection(proxying.fetch('http://box.test/api/2.0/files/upload_sessions?x=1', { method: 'POST' })),
      `through the proxy ${origin} (HTTP_PROXY): it answered 407 Proxy Authentication Required to CONNECT box.test:80: check the user and password in HTTP_PROXY`,
    )
    // The request as the library reports a network error: method, URL without its query, the proxy's words.
    const reason = proxying.refused.reason as UploadError
    assert.equal({ ...reason, cause: String((reason as { cause?: unknown }).cause) }, {
      _tag: 'NetworkError',
      method: 'POST',
      url: 'http://box.test/api/2.0/files/upload_sessions',
      cause: `ProxyError: through the proxy ${origin} (HTTP_PROXY): it answered 407 Proxy Authentication Required to CONNECT box.test:80: check the user and password in HTTP_PROXY`,
    })
    // Later requests through it fail at once, its DELETE or another host's alike: the proxy is asked nothing more.
    for (const [url, target] of [['http://box.test/api/2.0/files/upload_sessions/1', 'box.test:80'], ['http://other.test/', 'other.test:80']]) {
      assert.is(
        await rejection(proxying.fetch(url as string, { method: 'DELETE' })),
        `through the proxy ${origin} (HTTP_PROXY): not asked to CONNECT ${target as string}: it answered 407 Proxy Authentication Required earlier in this run, and these credentials are not sent again: check the user and password in HTTP_PROXY`,
      )
    }
    assert.equal(proxy.targets, ['box.test:80'])
  } finally {
    await proxying.close()
    await proxy.close()
  }
})

Fetch('should ask a proxy again after another refusal (502 here), and signal nothing', async () => {
  const proxy = await startConnectProxy()
  const proxying = through({ https: { url: proxy.url, from: 'HTTPS_PROXY' }, noProxy: '' })
  try {
    for (let i = 0; i < 2; i++) {
      assert.is(await rejection(proxying.fetch('https://box.test/')), `through the proxy ${new URL(proxy.url).origin} (HTTPS_PROXY): it answered 502 to CONNECT box.test:443`)
    }
    assert.equal(proxy.targets, ['box.test:443', 'box.test:443'])
    assert.is(proxying.refused.aborted, false)
  } finally {
    await proxying.close()
    await proxy.close()
  }
})

Fetch.run()
