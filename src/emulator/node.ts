/**
 * Node adapter: serves the emulator over HTTP/1.1 with `node:http` on 127.0.0.1 (by default), using
 * `node:crypto`'s SHA-1 for speed. Part bodies are streamed to the handler (chunked transfer
 * encoding works: no Content-Length needed); the `reset` fault destroys the socket mid-body, and so
 * does a body idle for `bodyIdleTimeoutMs`. A body answered before it was read whole is drained, so
 * its connection serves the next request.
 */
import { createHash } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { networkInterfaces } from 'node:os'
import type { Duplex } from 'node:stream'
import { body, boxError, toResponse } from './BoxError.ts'
import { withCors } from './Cors.ts'
import { codeOf, makeEmulator, tell, type Emulator } from './Handler.ts'
import { hostProblem } from './Host.ts'
import type { EmulatorOptions } from './Options.ts'
import { isUnspecified, originOf } from './Origin.ts'
import { isReset, resetError } from './Reset.ts'
import type { Sha1Factory } from './Sha1.ts'
import { checkObject, refusal } from './Validate.ts'

/** Options of `serve`: the emulator's, and the adapter's own. */
export interface ServeOptions extends EmulatorOptions {
  /** Port to listen on (default 0: the OS picks). */
  readonly port?: number | undefined
  /** Address to listen on (default `127.0.0.1`; `0.0.0.0` or `::` for every interface). */
  readonly host?: string | undefined
  /**
   * How long a request's body may stop arriving before its connection is closed (default 60,000 ms, nginx's
   * `client_body_timeout`; `0` or `Infinity`: never): the request is then treated as a client gone mid-body.
   */
  readonly bodyIdleTimeoutMs?: number | undefined
}

/** A running emulator over HTTP. */
export interface Served {
  /**
   * Upload API base, e.g. `http://127.0.0.1:PORT/api/2.0` (like `https://upload.box.com/api/2.0`). On
   * every interface (`0.0.0.0`, `::`), it names the loopback address that reaches the server.
   */
  readonly url: string
  /** API base, e.g. `http://127.0.0.1:PORT/2.0` (like `https://api.box.com/2.0`). */
  readonly apiUrl: string
  /**
   * Whether it listens on every interface: `host` was `0.0.0.0`, `::` or another spelling of them, as the address it
   * bound tells. `url` then names a loopback address, and `session_endpoints` the host and port each client used.
   */
  readonly everyInterface: boolean
  /** Stops listening and closes every connection, keep-alive ones included. */
  readonly close: () => Promise<void>
  /** Replaces the access token `old` with `fresh` for the same user: see `Emulator.rotateToken`. */
  readonly rotateToken: Emulator['rotateToken']
}

/** `node:crypto`'s SHA-1 behind the emulator's `Sha1` interface. */
export const nodeSha1: Sha1Factory = () => {
  const h = createHash('sha1')
  return { update: (b) => void h.update(b), digest: () => new Uint8Array(h.digest()) }
}

/** Socket chunks queued ahead of the handler before the request is paused (~1 MiB at 64 KiB each). */
const queuedChunks = 16

/**
 * The request body as a web stream of the socket's own chunks. They come from `'data'` events, not
 * `read()`: in paused mode `read()` joins every buffered chunk into a new one, a copy of most of
 * the body whenever the handler is busy hashing (~2% of the emulator's CPU in an upload). The
 * request is paused while `queuedChunks` wait. Cancelling the stream (the handler refusing a body
 * that is too long) stops taking chunks; like any body not read whole, the rest is drained once
 * the answer is written (`serve`), instead of being buffered or the connection killed, so the
 * client still gets the error answer.
 */
const bodyOf = (req: IncomingMessage): ReadableStream<Uint8Array> => {
  const queue: Buffer[] = []
  let wake: (() => void) | undefined
  let ended = false
  let failure: unknown
  const onData = (chunk: Buffer): void => {
    queue.push(chunk)
    if (queue.length >= queuedChunks) req.pause()
    wake?.()
  }
  req.on('data', onData)
  req.on('end', () => { ended = true; wake?.() })
  // A client that goes away mid-body may give 'close' without 'end' or 'error': fail the read, so
  // the handler lets go of the request instead of waiting for its body for ever. Marked
  // as a reset, it is recorded like the `reset` fault (status 0, `connection_reset`), not as a 500.
  req.on('error', (e) => { failure = resetError(`the client's connection failed mid-body: ${String(e)}`); wake?.() })
  req.on('close', () => {
    if (!ended && !req.complete) failure ??= resetError('the client closed the connection mid-body')
    wake?.()
  })
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        const chunk = queue.shift()
        if (chunk) {
          if (queue.length < queuedChunks / 2 && req.isPaused()) req.resume()
          return controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))
        }
        if (failure) return controller.error(failure)
        if (ended) return controller.close()
        await new Promise<void>((resolve) => { wake = resolve })
        wake = undefined
      }
    },
    cancel() {
      req.off('data', onData)
      queue.length = 0
    },
  }, { highWaterMark: 0 })
}

/** HTTP/1.1 (RFC 9112 §6.3): a request with neither Content-Length nor Transfer-Encoding has no body (nor GET's or HEAD's, for a `Request`). */
const hasBody = (req: IncomingMessage): boolean =>
  !['GET', 'HEAD'].includes(req.method ?? 'GET') && (req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined)

/** Longest wait a Node timer takes: a longer one fires after 1 ms instead (with a warning), cutting every body at once. */
const maxTimerMs = 2_147_483_647

/** The body idle timeout in ms to arm, 0 for none; a value it cannot use throws a `TypeError`, as the emulator's options do. */
const bodyIdleMs = (value: unknown = 60_000): number => {
  if (value === Number.POSITIVE_INFINITY) return 0
  if (typeof value === 'number' && value >= 0 && value <= maxTimerMs) return value
  throw refusal('bodyIdleTimeoutMs', `a number of ms from 0 up to ${maxTimerMs}, or Infinity (0 and Infinity: no timeout)`, value)
}

/**
 * The port to listen on: a whole number a TCP port can be (0: any free one). Node takes a string that is no
 * number as a pipe's path (`url` then named port 0) and a numeric string as the number, so neither is taken.
 */
const portOf = (value: unknown = 0): number => {
  if (Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 65_535) return value as number
  throw refusal('port', 'a whole number from 0 to 65535 (0: any free port)', value)
}

/** The address to listen on, as Node takes it (any spelling of every interface too); a value that is no string is refused. */
const hostOf = (value: unknown = '127.0.0.1'): string => {
  if (typeof value === 'string') return value
  throw refusal('host', 'an address or host name to listen on (a string)', value)
}

/**
 * Closes the connection of `req` once no byte of its body came for `ms`, as servers do (nginx's
 * `client_body_timeout`, 60 s by default; Box's is undocumented): a body stalled on a dead link would
 * otherwise be waited for as long as the connection lives, and the bytes read of it kept. Its part is not
 * held meanwhile (Parts.ts): a retry is taken at once, the timeout or not.
 * The socket's own idle timer does it (Node restarts it on every read and write; its 'timeout', with
 * no listener, destroys the socket), and only while bytes of the body are awaited from the client:
 * armed when the request starts, stopped while the request is paused (its chunks queued ahead of the
 * handler, or the handler waiting on `latencyMs` or a `slow` part: the emulator is the one waiting, and
 * the client cannot send) and once the body has ended. After the answer the timer is Node's (its
 * keepAliveTimeout between requests, also over the drain of a body answered early), and left alone.
 * No 408 is written: the link is likely dead (nothing would read it); on a connection pipelined
 * requests share, an earlier answer may be on its way, and a status line cannot go into it; and a
 * client takes a connection closed mid-body for what it is, a network failure it may retry. The
 * destroyed socket fails the body's read as a client gone mid-body would (`bodyOf`): the part is not
 * stored, and the request is recorded as a reset.
 */
const closeWhenIdle = (req: IncomingMessage, res: ServerResponse, ms: number): void => {
  const socket = req.socket
  const arm = (): void => { if (!req.complete && !res.writableFinished) socket.setTimeout(ms) }
  const disarm = (): void => { if (!res.writableFinished) socket.setTimeout(0) }
  arm()
  req.on('resume', arm).on('pause', disarm).once('end', disarm)
}

/**
 * The path and query of a request target. A server must accept the absolute form too
 * (`PUT http://host/path`, RFC 9112 §3.2.2), which proxies send: its path is this emulator's.
 */
const pathOf = (target: string): string => {
  if (target.startsWith('/')) return target
  try {
    const url = new URL(target)
    return url.pathname + url.search
  } catch {
    return target
  }
}

/** Every method some path of the emulator takes: the `Allow` of `OPTIONS *` and of a refused method. */
const serverMethods = 'GET, HEAD, POST, PUT, DELETE, OPTIONS'

/**
 * What the adapter answers itself, for requests a web `Request` cannot carry: `OPTIONS *` (the
 * server's own options, RFC 9110 §9.3.7) gets 204 with `Allow`; TRACE and TRACK, which `Request`
 * refuses, get 405 (CONNECT too, in 'connect'); a transfer coding other than chunked, which Node
 * does not decode, gets 501 (RFC 9112 §6.1) rather than its still-encoded bytes stored as a part.
 */
const refused = (req: IncomingMessage): Response | undefined => {
  const method = req.method ?? 'GET'
  if (req.url === '*') return method === 'OPTIONS' ? new Response(null, { status: 204, headers: { allow: serverMethods } }) : toResponse(boxError(400, 'bad_request', `${method} * is not a request this server takes`))
  if (['TRACE', 'TRACK'].includes(method)) return toResponse(boxError(405, 'method_not_allowed', `${method} is not allowed here`, undefined, { allow: serverMethods }))
  const coding = req.headers['transfer-encoding']?.trim().toLowerCase()
  if (coding !== undefined && coding !== 'chunked') return toResponse(boxError(501, 'not_implemented', `Transfer-Encoding ${coding} is not supported: send the body as it is, or chunked`))
  return undefined
}

/**
 * Tells `onRequest` of an answer the adapter gives itself (a refused Host, `OPTIONS *`, TRACE, CONNECT, a
 * transfer coding it does not decode, a target `Request` cannot take), as the handler tells of its own:
 * `--log` is to show every answer. What the observer throws is ignored, as there.
 */
const observed = (onRequest: EmulatorOptions['onRequest'], req: IncomingMessage, at: number) =>
  async (response: Response): Promise<void> => {
    if (onRequest === undefined) return
    const code = await codeOf(response)
    tell(onRequest, { method: req.method ?? 'GET', path: pathOf(req.url ?? '/'), status: response.status, code, range: req.headers['content-range'], fault: undefined, at })
  }

/**
 * An answer written straight to the socket (the request never became a `Request`), closing the
 * connection: still Box's error body and the CORS header every answer carries.
 */
const raw = (status: number, reason: string, code: string, message: string, extra = ''): string => {
  const text = JSON.stringify(body(boxError(status, code, message)))
  return `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\n` +
    `Access-Control-Allow-Origin: *\r\n${extra}Connection: close\r\n\r\n${text}`
}

/**
 * What is wrong with a request's Host (RFC 9112 §3.2), checked before anything else, in absolute form too
 * (whose Host is then ignored, but must still be sent, and be valid): only before HTTP/1.1 may it be left out.
 */
const wrongHost = (req: IncomingMessage): string | undefined =>
  hostProblem(req.rawHeaders, req.httpVersionMajor > 1 || (req.httpVersionMajor === 1 && req.httpVersionMinor >= 1))

/**
 * The authority a request names: its target's when that is in absolute form (RFC 9112 §3.2.2: the Host
 * header is then ignored), else its Host header; none when it has no Host (HTTP/1.0) or more than one
 * (refused before: `wrongHost`).
 */
const authorityOf = (req: IncomingMessage): string | undefined => {
  const target = req.url ?? '/'
  if (!target.startsWith('/')) return URL.canParse(target) ? new URL(target).host : undefined
  const hosts = req.headersDistinct['host']
  return hosts?.length === 1 ? hosts[0] : undefined
}

/**
 * The loopback address that reaches a server bound to the unspecified `address`: `::1` for `::` where
 * the machine has it (on a system whose `::` takes no IPv4, 127.0.0.1 would not connect), else 127.0.0.1
 * (a container without IPv6 still binds `::`, taking IPv4 only). `networkInterfaces` throws where the
 * system will not list them (Android): then 127.0.0.1, which a dual-stack `::` takes.
 */
const loopbackFor = (address: string): string => {
  try {
    if (address === '::' && Object.values(networkInterfaces()).some((nets) => nets?.some((net) => net.address === '::1'))) return '[::1]'
  } catch {}
  return '127.0.0.1'
}

const toRequest = (origin: string, req: IncomingMessage, signal: AbortSignal): Request => {
  const headers = new Headers()
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!)
  return new Request(origin + pathOf(req.url ?? '/'), {
    method: req.method ?? 'GET',
    headers,
    signal,
    ...(hasBody(req) ? { body: bodyOf(req), duplex: 'half' } : {}),
  } as RequestInit)
}

/**
 * Writes a web `Response`. Bodies of unknown length (JSON, empty 202/204) are small: they are sent
 * whole with a `Content-Length`; a body with a known length (file content) is streamed.
 */
const write = async (response: Response, res: ServerResponse): Promise<void> => {
  const headers: Record<string, string> = {}
  response.headers.forEach((value, key) => { headers[key] = value })
  if (!response.body || headers['content-length'] === undefined) {
    const bytes = response.body ? new Uint8Array(await response.arrayBuffer()) : new Uint8Array(0)
    // A HEAD's answer has no body but says the length GET's would have (the handler sets it).
    if (response.status !== 204 && response.status !== 304) headers['content-length'] ??= String(bytes.length)
    res.writeHead(response.status, headers)
    return void res.end(bytes)
  }
  res.writeHead(response.status, headers)
  const reader = response.body.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    if (!res.write(value)) await new Promise((resolve) => res.once('drain', resolve))
  }
  res.end()
}

/**
 * Starts the emulator on `host` (default 127.0.0.1) and `port` (default 0: the OS picks).
 *
 * On a specific `host`, `session_endpoints` and `url` name that host. On every interface (`0.0.0.0`,
 * `::` or another spelling of them), `session_endpoints` name the host and port each request's client
 * used (its Host header, or its target in absolute form), so that a client on another machine or in a
 * container can reach them; a request without a usable one (HTTP/1.0 without Host, or a valid Host that
 * names no origin: empty, port 99999) gets the loopback address `url` names: 127.0.0.1, or ::1 for `::`
 * where the machine has it. A given `uploadBaseUrl` wins over all of this. On any address, a request with
 * two Host lines or a Host that is not `host[:port]` (a path, userinfo, a space), and an HTTP/1.1 request
 * without Host, are answered 400 `bad_request` and their connection closed (RFC 9112 §3.2).
 * @example
 * const box = await serve({ port: 0, minFileSize: 1 })
 * // box.url === 'http://127.0.0.1:PORT/api/2.0'; box.apiUrl === 'http://127.0.0.1:PORT/2.0'
 * await box.close()
 */
export const serve = async (given: ServeOptions = {}): Promise<Served> => {
  // Checked before anything listens (the emulator's own options once it does: a refusal then closes it again).
  checkObject(given)
  const { port: wanted, host: named, bodyIdleTimeoutMs, ...options } = given
  const asked = portOf(wanted)
  const host = hostOf(named)
  const idleMs = bodyIdleMs(bodyIdleTimeoutMs)
  // No limit on how long a request's body takes to arrive (Node's own is 5 minutes, then 408): Box takes a part as
  // long as it takes (a 32 MiB part at 0.5 Mbit/s is ~9 minutes, within the library's 10-minute attempt), as long
  // as its bytes keep coming (`closeWhenIdle`). The headers keep Node's 60 s, said here: Node's default for them is
  // the smaller of 60 s and `requestTimeout`, so with that 0 they would have no limit either.
  // Node's own answer to an HTTP/1.1 request without Host is a bare 400 with no body: `wrongHost` answers it instead.
  const server = createServer({ requestTimeout: 0, headersTimeout: 60_000, requireHostHeader: false })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(asked, host, () => resolve())
  })
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  // The address bound, not the one given: every spelling of "every interface" (`0`, `::0`, '') is one of a few.
  const everywhere = typeof address === 'object' && address !== null && isUnspecified(address.address)
  const origin = `http://${everywhere ? loopbackFor(address.address) : host.includes(':') ? `[${host}]` : host}:${port}`
  // On every interface the listen address names no host a client can use: each request's origin is the one
  // its client named, and the handler builds `session_endpoints` on it. On a specific address, Host is not trusted.
  const originFor = everywhere ? (req: IncomingMessage) => originOf(authorityOf(req)) ?? origin : () => origin
  // Socket chunks are fresh buffers nobody else holds: the emulator may keep them without copying.
  // Options it refuses must not leave a server listening with nothing to answer (nor its port taken).
  const app = await Promise.resolve()
    .then(() => makeEmulator({ sha1: nodeSha1, ...(everywhere ? {} : { uploadBaseUrl: `${origin}/api/2.0` }), ...options }, true))
    .catch(async (error: unknown) => {
      await new Promise((resolve) => server.close(resolve))
      throw error
    })
  // The request being answered on each connection: see 'clientError'.
  const answering = new WeakMap<Duplex, { readonly req: IncomingMessage; readonly res: ServerResponse }>()
  // The answer of the latest request on each connection, which the next one pipelined waits for.
  const turns = new WeakMap<Duplex, Promise<void>>()
  // Connections closed after a Host refused: the requests pipelined behind it are not taken (see 'request').
  const closing = new WeakSet<Duplex>()
  // A request the parser refuses after a complete one on the same connection (bytes past its body,
  // anything after `Connection: close`, RFC 9112 §9.6) must not lose that one's answer: Node's own
  // handler writes a bare 400 and destroys the socket at once, while the answer is still on its way.
  // Here a complete request's answer is written first. Then, as Node does, the connection gets the
  // error's status (431 for headers too large, 408 for a timeout, 400 otherwise; none after
  // `Connection: close`) and is closed. A request whose body did not arrive whole never will: its
  // connection is closed at once, and the handler sees a reset.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    const answer = error.code === 'HPE_HEADER_OVERFLOW' ? raw(431, 'Request Header Fields Too Large', 'request_header_fields_too_large', 'The request headers are too large')
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? raw(408, 'Request Timeout', 'request_timeout', 'The request did not arrive in time')
      : raw(400, 'Bad Request', 'bad_request', `The request could not be parsed (${error.code ?? 'malformed'})`)
    const pending = answering.get(socket)
    const close = (): void => {
      // No status line inside an answer already begun (Node's own rule): the connection just ends.
      const begun = pending !== undefined && pending.res.headersSent && !pending.res.writableFinished
      if (!socket.writable || begun) return void socket.destroy()
      socket.end(error.code === 'HPE_CLOSED_CONNECTION' ? '' : answer, () => socket.destroy())
    }
    if (pending === undefined || pending.res.writableFinished || !pending.req.complete) return close()
    pending.res.once('finish', close).once('close', close)
  })
  // Node hands CONNECT to this event, not to 'request' (and without a listener drops the connection
  // unanswered): this server is no proxy, so 405.
  server.on('connect', (req: IncomingMessage, socket: Duplex) => {
    // Node gives this socket no 'error' listener: a client's reset must not become an uncaught exception.
    socket.on('error', () => socket.destroy())
    const message = 'CONNECT is not allowed here: this server is no proxy'
    // Told before it is written, as the handler's answers are: whoever saw the answer finds it recorded.
    void observed(options.onRequest, req, Date.now())(toResponse(boxError(405, 'method_not_allowed', message)))
      .then(() => socket.end(raw(405, 'Method Not Allowed', 'method_not_allowed', message, `Allow: ${serverMethods}\r\n`), () => socket.destroy()))
  })
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    // Node parses and hands over what was pipelined behind a request answered with `Connection: close`: it
    // must not be taken (a part stored that nobody hears of). Unanswered, the client knows to send it again.
    if (closing.has(req.socket)) return
    const observe = observed(options.onRequest, req, Date.now())
    // A bad Host gets 400 (RFC 9112 §3.2) and the connection is closed after it, as Node's own answer did and
    // nginx does after any 400. Its framing is sound (Node's parser read it), so the connection could stay open,
    // the body drained; but a client whose Host is missing, doubled or malformed is broken or hostile (a doubled
    // Host is how a request slips past a proxy that read the other one), and what it pipelined behind has
    // nothing better vouching for it. Closing costs such a client one new connection, and the rest of a body
    // still on its way (the 400 comes first); other connections go on.
    const badHost = wrongHost(req)
    if (badHost !== undefined) closing.add(req.socket)
    answering.set(req.socket, { req, res })
    if (idleMs > 0 && hasBody(req)) closeWhenIdle(req, res, idleMs)
    // The request's signal aborts when its connection closes before the answer is written (the client
    // went away, or `close()`): the waits of `latencyMs` and `slow` then no longer keep the process alive.
    const gone = new AbortController()
    res.once('close', () => { if (!res.writableFinished) gone.abort() })
    // An answer given without reading the whole body (a 401, a refused part) must not leave the
    // rest in a paused socket: the sender could never finish, and its kept-alive connection would
    // serve nothing more. Node's own `_dump` skips a request that was read from, so drain it here.
    res.once('finish', () => {
      if (req.complete) return
      req.removeAllListeners('data')
      req.resume()
    })
    // Requests pipelined on one connection are taken in turn, each once the one before it is answered:
    // a server may work on them at once only when all are safe (RFC 9112 §9.3.2), and a GET of the parts
    // after a PUT must see that part. `toRequest` throws on a request line `Request` cannot take (e.g. an
    // absolute-form URL): never a crash.
    // The `Request` (and so its body's listeners) is made now, not at its turn: a pipelined request waits
    // with its body unread, and a connection closed meanwhile destroys it, its 'close' and 'end' gone by the time
    // it is read (the handler then waited for ever for its body).
    const taken = Promise.resolve().then(() => badHost !== undefined
      ? toResponse(boxError(400, 'bad_request', badHost, undefined, { connection: 'close' }))
      : refused(req) ?? toRequest(originFor(req), req, gone.signal))
    taken.catch(() => undefined)
    // The handler tells `onRequest` of the answers it gives; the adapter, of those it gives itself.
    let handled = false
    const answered = (turns.get(req.socket) ?? Promise.resolve()).then(() => taken)
      .then(async (made) => {
        if (made instanceof Request) {
          handled = true
          return app.fetch(made)
        }
        await observe(made)
        return withCors(made)
      })
    turns.set(req.socket, answered.then(() => undefined, () => undefined))
    answered
      .then((response) => write(response, res))
      .catch(async (e: unknown) => {
        if (isReset(e)) return void req.socket.destroy()
        if (res.headersSent) return void res.end()
        const unreadable = boxError(400, 'bad_request', `Unreadable request: ${String(e).slice(0, 200)}`)
        if (!handled) await observe(toResponse(unreadable))
        const text = JSON.stringify(body(unreadable))
        res.writeHead(400, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), 'access-control-allow-origin': '*' })
        res.end(text)
      })
  })
  return {
    url: `${origin}/api/2.0`,
    apiUrl: `${origin}/2.0`,
    everyInterface: everywhere,
    rotateToken: app.rotateToken,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    }),
  }
}
