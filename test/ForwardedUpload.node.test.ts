/**
 * A server that forwards its clients' uploads to Box: the README's recipe (the block after `<!-- recipe: forward -->`),
 * run as written, with `box-chunked-upload` importing this repository's source, as a `node:http` server in front of the
 * emulator. Its clients are `fetch` or raw sockets on loopback: files of one part, exact multiples and a short last
 * part, several at once; a client that goes away mid-body or sends no Content-Length; Box refusing the upload; a
 * client slower than the server's `requestTimeout`; Box slower than the client.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerOptions, type ServerResponse } from 'node:http'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type * as E from 'fp-ts/lib/Either.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { BoxFile } from '../src/BoxFile.ts'
import { type Client, client } from '../src/Client.ts'
import type { UploadFailure } from '../src/Upload.ts'
import { message } from '../src/UploadError.ts'
import { TOKEN, type TestBox, bytesOf, download, eventually, sameBytes, withBox, within } from './helpers/upload.ts'

const Forward = suite("the README's recipe: a server forwarding its clients' uploads (node)")

const root = resolve(import.meta.dirname, '..')
const KiB = 1024

type Result = E.Either<UploadFailure, BoxFile>
type Forward = (box: Client, folderId: string) => (req: IncomingMessage, res: ServerResponse) => Promise<Result | undefined>

/** The README's recipe, its import of the package pointed at the source; loaded once. */
const recipe: Promise<Forward> = (async () => {
  const readme = readFileSync(resolve(root, 'README.md'), 'utf8')
  const code = /<!-- recipe: forward -->\s*```ts\n([\s\S]*?)\n```/.exec(readme)?.[1]
  if (code === undefined) throw new Error('the README has no block after <!-- recipe: forward -->')
  const dir = mkdtempSync(join(tmpdir(), 'forward-recipe-'))
  try {
    const file = join(dir, 'forward.ts')
    writeFileSync(file, code.replace(/'box-chunked-upload'/g, JSON.stringify(pathToFileURL(resolve(root, 'src/index.ts')).href)))
    return ((await import(pathToFileURL(file).href)) as { readonly forward: Forward }).forward
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})()

/** The recipe served on 127.0.0.1:0, with the result of every upload it ran and the sockets of its clients. */
interface Forwarder {
  readonly url: (name: string) => string
  readonly port: number
  readonly results: Array<Result>
  readonly sockets: Array<Socket>
  /** Per request, whether the request's 'close' came before the answer was written. */
  readonly closedBeforeAnswer: Array<boolean>
  readonly close: () => Promise<void>
}

const startForwarder = async (box: Client, options: ServerOptions = {}): Promise<Forwarder> => {
  const handler = (await recipe)(box, '0')
  const results: Array<Result> = []
  const sockets: Array<Socket> = []
  const closedBeforeAnswer: Array<boolean> = []
  // The recipe's own advice, `requestTimeout: 0`, unless a test gives another.
  const server = createServer({ requestTimeout: 0, ...options }, (req, res) => {
    req.once('close', () => closedBeforeAnswer.push(!res.writableEnded))
    void handler(req, res).then((result) => void (result && results.push(result)))
  })
  server.on('connection', (socket) => sockets.push(socket))
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const { port } = server.address() as { readonly port: number }
  return {
    url: (name) => `http://127.0.0.1:${port}/?name=${encodeURIComponent(name)}`,
    port,
    results,
    sockets,
    closedBeforeAnswer,
    close: () => new Promise<void>((done) => { server.close(() => done()); server.closeAllConnections() }),
  }
}

/** A test run against a fresh emulator and the recipe in front of it, both closed afterwards; fails on any unhandled rejection or uncaught exception meanwhile. */
const withForwarder = (partSize: number, run: (box: TestBox, forwarder: Forwarder) => Promise<void>, faults = {}) =>
  withBox({ partSize, faults }, async (box) => {
    const unhandled: Array<unknown> = []
    const note = (reason: unknown): void => void unhandled.push(reason)
    process.on('unhandledRejection', note)
    process.on('uncaughtException', note)
    const forwarder = await startForwarder(box.client)
    try {
      await run(box, forwarder)
      assert.equal(unhandled, [], 'no unhandled rejection or uncaught exception')
    } finally {
      await forwarder.close()
      process.off('unhandledRejection', note)
      process.off('uncaughtException', note)
    }
  })

/** A raw HTTP/1.1 client on its own socket: what it was answered, and when its socket closed. */
const rawClient = async (port: number) => {
  const socket = connect(port, '127.0.0.1')
  await new Promise((done) => socket.once('connect', done))
  let answer = ''
  socket.on('data', (chunk) => { answer += String(chunk) })
  socket.on('error', () => undefined)
  const closed = new Promise((done) => socket.once('close', done))
  return { socket, answer: () => answer, closed }
}

/** A PUT of `bytes` by fetch: its status and answer, or the code of the network error it ended with. */
const put = async (url: string, body: BodyInit): Promise<{ readonly status: number | string; readonly text: string }> => {
  try {
    const response = await fetch(url, { method: 'PUT', body, duplex: 'half' } as RequestInit)
    return { status: response.status, text: await response.text() }
  } catch (error) {
    return { status: String((error as { cause?: { code?: string } }).cause?.code ?? error), text: '' }
  }
}

const requests = (box: TestBox, method: string, suffix = '') => box.records.filter((r) => r.method === method && r.path.endsWith(suffix))
const parts = (box: TestBox) => box.records.filter((r) => r.method === 'PUT' && r.status === 200)

Forward('should forward files of one part, exact multiples and a short last part, byte for byte, one by one and four at once', withForwarder(64 * KiB, async (box, forwarder) => {
  const P = 64 * KiB
  const check = async (size: number, seed: number): Promise<void> => {
    const bytes = bytesOf(size, seed)
    const { status, text } = await put(forwarder.url(`file-${size}-${seed}.bin`), bytes)
    assert.is(status, 201, `${size} bytes: ${text}`)
    const file = JSON.parse(text) as BoxFile
    assert.is(file.size, size)
    sameBytes(await download(box, file.id), bytes, `${size} bytes`)
  }
  for (const size of [1, P - 1, P, 3 * P, 3 * P + 123]) await within(20_000, `${size} bytes`, check(size, 1))
  await within(20_000, 'four at once', Promise.all([P + 1, 2 * P, 5 * P - 7, 7 * P].map((size, i) => check(size, i + 2))))
  assert.is(forwarder.results.filter((result) => result._tag === 'Right').length, 9)
  // What the recipe's comment says of Node: the request's 'close' comes once its body is read, before the answer
  // (the commit still to come), so it cannot tell a client gone.
  assert.equal(forwarder.closedBeforeAnswer, Array(9).fill(true))
}))

for (const [how, leave] of [
  ['destroys its socket', (socket: Socket) => void socket.destroy()],
  ['ends its side short of its Content-Length', (socket: Socket) => void socket.end()],
] as const) {
  Forward(`should end the upload as Aborted, delete its session and serve the next client, when a client ${how} mid-body`, withForwarder(64 * KiB, async (box, forwarder) => {
    const P = 64 * KiB
    const client = await rawClient(forwarder.port)
    client.socket.write(`PUT /?name=gone.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${8 * P}\r\n\r\n`)
    client.socket.write(bytesOf(3 * P, 5))
    // A part is stored: the session exists and the body is being forwarded.
    await eventually(() => parts(box).length > 0, 10_000)
    assert.ok(parts(box).length > 0, 'a part was stored')
    leave(client.socket)
    await within(10_000, 'the upload', eventually(() => forwarder.results.length > 0, 10_000))
    const [result] = forwarder.results
    assert.is(result?._tag, 'Left')
    const error = (result as E.Left<UploadFailure>).left
    assert.is(error._tag, 'Aborted', JSON.stringify(error))
    assert.match(message(error), 'the client went away')
    assert.equal(requests(box, 'DELETE').map((r) => r.status), [204], 'its session deleted')
    assert.equal(requests(box, 'POST', '/commit'), [], 'nothing committed')
    await within(5000, 'the client socket closes', client.closed)
    const next = await put(forwarder.url('next.bin'), bytesOf(2 * P + 1, 6))
    assert.is(next.status, 201, next.text)
  }))
}

Forward('should answer 411, sending nothing to Box, a body without a Content-Length (chunked) or an empty one', withForwarder(64 * KiB, async (box, forwarder) => {
  const chunked = new ReadableStream<Uint8Array>({ start: (controller) => { controller.enqueue(bytesOf(1000, 7)); controller.close() } })
  for (const body of [chunked, new Uint8Array(0)]) {
    const { status, text } = await within(10_000, 'the answer', put(forwarder.url('chunked.bin'), body))
    assert.is(status, 411, text)
  }
  assert.equal(box.records, [])
  assert.is((await put(forwarder.url('after.bin'), bytesOf(1000, 8))).status, 201)
}))

Forward("should answer Box's 409 item_name_in_use with 409 naming the file, read by every client though its body was not read (six on keep-alive connections)", withForwarder(64 * KiB, async (_box, forwarder) => {
  const first = await put(forwarder.url('taken.bin'), bytesOf(1000, 9))
  assert.is(first.status, 201, first.text)
  const { id } = JSON.parse(first.text) as BoxFile
  // 3 MiB: more than the socket takes before the server answers. Without `Connection: close`, every third such
  // answer was lost here: the client got ECONNRESET instead.
  const body = bytesOf(3 * 1024 * KiB, 10)
  for (let i = 0; i < 6; i++) {
    const { status, text } = await within(10_000, `request ${i}`, put(forwarder.url('taken.bin'), body))
    assert.is(status, 409, `request ${i}: ${text}`)
    assert.match(text, `item_name_in_use`)
    assert.match(text, `file ${id}`)
  }
  assert.equal(forwarder.results.map((result) => result._tag === 'Left' && result.left._tag === 'HttpError' && result.left.status), [false, 409, 409, 409, 409, 409, 409])
}))

Forward("should answer 502 when Box refuses the server's token (401), the token in no answer", withBox({ partSize: 64 * KiB }, async (box) => {
  const token = 'not-the-token-7d1f2c'
  const forwarder = await startForwarder(client({ token, uploadUrl: box.emulator.url, apiUrl: box.emulator.apiUrl }))
  try {
    const { status, text } = await within(10_000, 'the answer', put(forwarder.url('a.bin'), bytesOf(200 * KiB, 11)))
    assert.is(status, 502, text)
    assert.match(text, '401')
    assert.not.match(text, token)
  } finally {
    await forwarder.close()
  }
}))

Forward("should end an upload whose client is slower than the server's requestTimeout (Node's default: 5 min) with 408, its session deleted; with the recipe's requestTimeout: 0 it is uploaded", withBox({ partSize: 16 * KiB }, async (box) => {
  const chunk = bytesOf(4 * KiB, 12)
  const count = 30
  /** A client sending `count` chunks 50 ms apart (1.5 s in all): what it was answered. */
  const slowly = async (forwarder: Forwarder, name: string): Promise<string> => {
    const client = await rawClient(forwarder.port)
    client.socket.write(`PUT /?name=${name} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${count * chunk.length}\r\nConnection: close\r\n\r\n`)
    for (let i = 0; i < count && !client.socket.destroyed; i++) {
      client.socket.write(chunk)
      await new Promise((done) => setTimeout(done, 50))
    }
    await within(10_000, 'the answer', client.closed)
    return client.answer()
  }
  const timed = await startForwarder(box.client, { requestTimeout: 500, connectionsCheckingInterval: 50 })
  try {
    assert.match(await slowly(timed, 'slow.bin'), /^HTTP\/1\.1 408 /)
    await within(10_000, 'the upload', eventually(() => timed.results.length > 0, 10_000))
    assert.is(timed.results[0]?._tag, 'Left')
    await eventually(() => requests(box, 'DELETE').length > 0)
    assert.equal(requests(box, 'DELETE').map((r) => r.status), [204], 'its session deleted')
  } finally {
    await timed.close()
  }
  const recipe = await startForwarder(box.client)
  try {
    assert.match(await slowly(recipe, 'slow.bin'), /^HTTP\/1\.1 201 /)
  } finally {
    await recipe.close()
  }
}))

Forward('should hold no more of a fast client\'s body than the parts in flight and one more while Box is slow (backpressure to the client)', withForwarder(256 * KiB, async (box, forwarder) => {
  const P = 256 * KiB
  const size = 48 * P
  const client = await rawClient(forwarder.port)
  client.socket.write(`PUT /?name=big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${size}\r\nConnection: close\r\n\r\n`)
  // What the server read from its client's socket and Box has not stored yet, sampled while the client sends as fast as it may.
  let held = 0
  const sample = setInterval(() => { held = Math.max(held, (forwarder.sockets[0]?.bytesRead ?? 0) - parts(box).length * P) }, 5)
  try {
    const bytes = bytesOf(size, 13)
    for (let at = 0; at < size && !client.socket.destroyed; at += 64 * KiB) {
      if (!client.socket.write(bytes.subarray(at, at + 64 * KiB))) await new Promise((done) => client.socket.once('drain', done))
    }
    await within(30_000, 'the answer', client.closed)
  } finally {
    clearInterval(sample)
  }
  assert.match(client.answer(), /^HTTP\/1\.1 201 /)
  // Default concurrency 4: 5 parts (4 in flight, 1 filling), plus what the streams between the socket and the
  // chunker queue (a socket chunk or two of 64 KiB: 5 parts + 134 to 179 KiB measured); without backpressure, most of the body.
  assert.ok(held <= 5 * P + 256 * KiB, `held ${held} bytes of ${size}: more than 5 parts and 256 KiB (${5 * P + 256 * KiB})`)
}, { latencyMs: 100 }))

Forward.run()
