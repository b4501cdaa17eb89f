/**
 * Requests `fetch` cannot make: bodies streamed with `node:http`, sent with
 * `Transfer-Encoding: chunked` (no Content-Length), as Box's SDK does on Node (protocol §3.4, §10.6),
 * bodies the server may refuse before they are all sent, and raw bytes on a socket (`exchange`, `createdVia`).
 */
import { request } from 'node:http'
import { connect } from 'node:net'
import { type Json, uniqueName } from './box.ts'

export interface StreamedReply {
  readonly status: number
  readonly headers: Record<string, string | string[] | undefined>
  readonly text: string
  readonly json: Json
  /** Body bytes handed to the socket when the answer's status line arrived (all of them if it came after the end). */
  readonly sentWhenAnswered: number
  /** Body bytes the sender meant to send. */
  readonly planned: number
}

export interface StreamOptions {
  readonly method?: string
  readonly headers?: Record<string, string>
  /** The body, as chunks written one after the other with backpressure. */
  readonly chunks: Iterable<Uint8Array>
  /** Give up after this long (default 10 s). */
  readonly timeoutMs?: number
  /** Milliseconds to wait after the k-th chunk is written: `pauses[k % pauses.length]` (default none). */
  readonly pauses?: ReadonlyArray<number>
  /** Told the body bytes handed to the socket so far, after each chunk. */
  readonly onSent?: (sent: number) => void
}

/**
 * Sends `chunks` with `Transfer-Encoding: chunked` (unless a Content-Length header is given) and
 * stops writing as soon as an answer arrives. Rejects on a network error before any answer.
 */
export const streamRequest = (url: string, options: StreamOptions): Promise<StreamedReply> =>
  new Promise((resolve, reject) => {
    let sent = 0
    let planned = 0
    let answered = false
    let sentWhenAnswered = 0
    const req = request(url, { method: options.method ?? 'PUT', headers: options.headers })
    const timer = setTimeout(() => { req.destroy(new Error('streamRequest timed out')) }, options.timeoutMs ?? 10_000)
    const fail = (e: Error) => { clearTimeout(timer); reject(e) }
    req.on('error', (e) => { if (!answered) fail(e) })
    req.on('response', (res) => {
      answered = true
      sentWhenAnswered = sent
      const body: Buffer[] = []
      res.on('data', (c: Buffer) => body.push(c))
      res.on('error', fail)
      res.on('end', () => {
        clearTimeout(timer)
        const text = Buffer.concat(body).toString('utf8')
        let json: Json = undefined
        try { json = text === '' ? undefined : JSON.parse(text) } catch { json = undefined }
        // Do not keep sending the rest of a refused body.
        req.destroy()
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json, sentWhenAnswered, planned })
      })
    })
    const chunks = [...options.chunks]
    for (const c of chunks) planned += c.length
    const pauses = options.pauses ?? []
    const write = async () => {
      for (const [k, c] of chunks.entries()) {
        if (answered || req.destroyed) return
        sent += c.length
        const flowing = req.write(c)
        options.onSent?.(sent)
        if (!flowing) {
          await new Promise<void>((ok) => {
            const done = () => { req.off('drain', done); req.off('close', done); ok() }
            req.on('drain', done)
            req.on('close', done)
          })
        }
        const pause = pauses.length > 0 ? pauses[k % pauses.length]! : 0
        if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause))
      }
      if (!answered && !req.destroyed) req.end()
    }
    write().catch(fail)
  })

/** `n` chunks of `size` bytes each, reusing one buffer (no memory for a "100 MB" body). */
export const repeatedChunks = function* (size: number, n: number): Iterable<Uint8Array> {
  const chunk = new Uint8Array(size).fill(7)
  for (let i = 0; i < n; i++) yield chunk
}

/** `bytes` cut into chunks of at most `size` bytes. */
export const sliced = function* (bytes: Uint8Array, size: number): Iterable<Uint8Array> {
  for (let o = 0; o < bytes.length; o += size) yield bytes.subarray(o, Math.min(bytes.length, o + size))
}

/**
 * Writes `bytes` on a fresh connection to `url`'s host and port and resolves to everything the server
 * sent until it closed (or `ms` passed): requests no HTTP client sends (a malformed Host, none at all).
 */
export const exchange = (url: string, bytes: Uint8Array | string, ms = 3000): Promise<string> =>
  new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url)
    // An IPv6 host is bracketed in a URL, not in a socket address.
    const socket = connect(Number(port), hostname.replace(/^\[(.*)\]$/, '$1'))
    let text = ''
    const timer = setTimeout(() => { socket.destroy(); resolve(text) }, ms)
    socket.on('data', (chunk: Buffer) => { text += chunk.toString('latin1') })
    socket.on('close', () => { clearTimeout(timer); resolve(text) })
    socket.on('error', (e) => { clearTimeout(timer); reject(e) })
    socket.end(typeof bytes === 'string' ? bytes : Buffer.from(bytes))
  })

/** A raw connection to `url`'s server: what it sent back, and when it closed (ms after `write`'s latest write). */
export const rawConnection = async (url: string) => {
  const { hostname, port } = new URL(url)
  const socket = connect(Number(port), hostname)
  socket.on('error', () => undefined)
  await new Promise((resolve) => socket.once('connect', resolve))
  let text = ''
  socket.on('data', (chunk: Buffer) => { text += chunk.toString('latin1') })
  let writtenAt = Date.now()
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - writtenAt)))
  return {
    write: (bytes: string | Uint8Array) => { writtenAt = Date.now(); socket.write(bytes) },
    text: () => text,
    isOpen: () => !socket.destroyed && !socket.readableEnded,
    closed,
    destroy: () => socket.destroy(),
  }
}

/** Resolves to `promise`'s value, or `undefined` after `ms` (its timer cleared once settled, so it holds no process open). */
export const within = async <A>(promise: Promise<A>, ms: number): Promise<A | undefined> => {
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    return await Promise.race([promise, new Promise<undefined>((resolve) => { timer = setTimeout(() => resolve(undefined), ms) })])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Sends a session creation to the upload API `url` whose body stops after 2 of its 100 bytes, and resolves
 * with the ms until the server closed the connection (its `bodyIdleTimeoutMs`), or `undefined` once `ms` passed.
 */
export const stalledBody = async (url: string, ms: number): Promise<number | undefined> => {
  const connection = await rawConnection(url)
  connection.write(`POST ${new URL(url).pathname}/files/upload_sessions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer dev-token\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"`)
  const closed = await within(connection.closed, ms)
  connection.destroy()
  return closed
}

/**
 * A session of 10 bytes in `folder` at the emulator whose upload API is `url`, created over a socket of its own with
 * `Host: host` (as a client elsewhere names the server): the answer's status and body.
 */
export const createdVia = async (url: string, host: string, folder: string): Promise<{ readonly status: number; readonly json: { session_endpoints?: { upload_part: string } } }> => {
  const json = JSON.stringify({ folder_id: folder, file_size: 10, file_name: uniqueName() })
  const text = await exchange(url, `POST /api/2.0/files/upload_sessions HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer dev-token\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${json.length}\r\nConnection: close\r\n\r\n${json}`)
  return { status: Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1]), json: JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) }
}
