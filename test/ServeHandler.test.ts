/**
 * The emulator's `fetch` as a server's handler, as it is: `Deno.serve(box.fetch)`, `Bun.serve({ fetch:
 * box.fetch })`, `export default { fetch: box.fetch }` in a Worker (README, "The Box upload-session
 * emulator"). Servers call their handler with the request and something of their own (Deno's `info`,
 * Bun's `server`, a Worker's `env` and `ctx`), which is no `RequestInit`: given to `new Request`, Bun's
 * `server` turned every request into a `GET /` (404 "No such endpoint"). In every runtime, the
 * emulator is called as each server calls it; where the runtime has a server (Deno, Bun), it also
 * serves over loopback HTTP.
 */
import * as E from 'fp-ts/lib/Either.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { client, type Fetch } from '../src/Client.ts'
import { upload } from '../src/Upload.ts'
import { emulator, type Emulator } from '../src/emulator/index.ts'
import { bytesOf, sameBytes, sourceOf } from './helpers/upload.ts'
import { uniqueName } from './helpers/sessions.ts'

const ServeHandler = suite('the emulator as a server handler')

const auth = { authorization: 'Bearer dev-token' }
const options = { minFileSize: 1, partSize: 1024 }

/** Uploads 2.5 KiB (three parts) to `base` through `fetch`, and checks the bytes the emulator gives back. */
const uploadsThrough = async (fetch: Fetch, base: string): Promise<void> => {
  const box = client({ token: 'dev-token', uploadUrl: `${base}/api/2.0`, apiUrl: `${base}/2.0`, fetch })
  const bytes = bytesOf(2560, 7)
  const result = await upload(box)({ source: sourceOf(bytes), folderId: '0', fileName: uniqueName('served'), fileSize: bytes.length })()
  assert.ok(E.isRight(result), JSON.stringify(result))
  if (E.isLeft(result)) return
  const content = await fetch(`${base}/2.0/files/${result.right.id}/content`, { headers: auth })
  assert.is(content.status, 200)
  sameBytes(new Uint8Array(await content.arrayBuffer()), bytes)
}

/** A `fetch` that calls `box.fetch` as a server calls its handler: the request, then the server's own arguments. */
const asServerCalls = (box: Emulator, ...context: ReadonlyArray<object>): Fetch => (input, init) =>
  (box.fetch as (request: Request, ...rest: ReadonlyArray<object>) => Promise<Response>)(new Request(input, init), ...context)

ServeHandler('should answer a request passed with what Deno.serve, Bun.serve and a Worker pass after it', async () => {
  const denoInfo = { remoteAddr: { transport: 'tcp', hostname: '127.0.0.1', port: 50000 }, completed: Promise.resolve() }
  // Bun's `server`: `url` among its members, which Bun's Request constructor reads from an init.
  const bunServer = { url: new URL('http://127.0.0.1:3000/'), port: 3000, hostname: '127.0.0.1', development: false, pendingRequests: 1, fetch: () => undefined, stop: () => undefined }
  const workerEnv = { BUCKET: {}, API_TOKEN: 'binding' }
  const workerCtx = { waitUntil: () => undefined, passThroughOnException: () => undefined }
  for (const context of [[denoInfo], [bunServer], [workerEnv, workerCtx]]) {
    await uploadsThrough(asServerCalls(emulator(options), ...context), 'http://box.test')
  }
})

ServeHandler('should still take a RequestInit as its second argument', async () => {
  const box = emulator(options)
  const created = await box.fetch('http://box.test/api/2.0/files/upload_sessions', {
    method: 'POST', headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ folder_id: '0', file_size: 10, file_name: uniqueName() }),
  })
  assert.is(created.status, 201, await created.clone().text())
  const request = new Request('http://box.test/api/2.0/files/upload_sessions', { method: 'POST' })
  const overridden = await box.fetch(request, { method: 'GET', headers: auth })
  assert.is(overridden.status, 405, 'the init given with a Request overrides its method, as in fetch')
})

interface DenoServer {
  readonly addr: { readonly port: number }
  readonly shutdown: () => Promise<void>
}
interface BunServer {
  readonly port: number
  readonly stop: (closeActiveConnections?: boolean) => unknown
}
const runtime = globalThis as {
  readonly Deno?: { readonly serve: (options: { port: number; hostname: string; onListen: () => void }, handler: Emulator['fetch']) => DenoServer }
  readonly Bun?: { readonly serve: (options: { port: number; hostname: string; fetch: Emulator['fetch'] }) => BunServer }
}

ServeHandler('should serve over HTTP where the runtime has a server (Deno.serve, Bun.serve)', async () => {
  const box = emulator(options)
  if (runtime.Deno !== undefined) {
    const server = runtime.Deno.serve({ port: 0, hostname: '127.0.0.1', onListen: () => undefined }, box.fetch)
    try {
      await uploadsThrough(globalThis.fetch, `http://127.0.0.1:${server.addr.port}`)
    } finally {
      await server.shutdown()
    }
  } else if (runtime.Bun !== undefined) {
    const server = runtime.Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: box.fetch })
    try {
      await uploadsThrough(globalThis.fetch, `http://127.0.0.1:${server.port}`)
    } finally {
      server.stop(true)
    }
  } else {
    // Node serves it through its adapter (`serve`, tested in test/emulator); browsers and Workers cannot listen.
    await uploadsThrough(box.fetch, 'http://box.test')
  }
})

ServeHandler.run()
