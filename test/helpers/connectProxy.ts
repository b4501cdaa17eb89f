/**
 * A small HTTP proxy for tests, as a company's would be: it takes CONNECT requests (undici tunnels every
 * proxied request with one, http targets too), checks the Proxy-Authorization when given credentials (which
 * may change after some tunnels), and pipes the connection to the target. It resolves names itself, as a real
 * proxy does: `hosts` maps a target (`box.test:443`) to a port on 127.0.0.1, so a client sees a name that is not
 * loopback while every byte stays on this machine. It records each CONNECT target it was asked for, and when
 * it refused one. Listens on 127.0.0.1, port 0; `close()` ends it and every connection it holds.
 */
import { type IncomingMessage, createServer } from 'node:http'
import { type AddressInfo, type Socket, connect } from 'node:net'
import type { Duplex } from 'node:stream'

export interface ConnectProxyOptions {
  /** CONNECT target (`host:port`) -> port on 127.0.0.1 to tunnel to; any other target gets 502. */
  readonly hosts?: Readonly<Record<string, number>>
  /** `user:password` the proxy requires (407 otherwise). */
  readonly credentials?: string
  /** `'close'`: close each connection asked to CONNECT, without an answer. */
  readonly refuse?: 'close'
  /**
   * The password changed: once `afterTunnels` tunnels are open, these `user:password` are required instead
   * of `credentials` (the tunnels open go on, as with a company proxy when the directory changes a password).
   */
  readonly newCredentials?: { readonly afterTunnels: number; readonly credentials: string }
}

export interface ConnectProxy {
  /** `http://127.0.0.1:PORT`, without credentials. */
  readonly url: string
  /** `http://user:password@127.0.0.1:PORT` with the given credentials in it (percent-encoded). */
  readonly urlWith: (user: string, password: string) => string
  /** Every CONNECT target asked for, in order. */
  readonly targets: ReadonlyArray<string>
  /** When (`performance.now()`) each CONNECT answered 407 was answered, in order. */
  readonly refusedAt: ReadonlyArray<number>
  readonly close: () => Promise<void>
}

/** Starts the proxy; the caller must `close()` it. */
export const startConnectProxy = async (options: ConnectProxyOptions = {}): Promise<ConnectProxy> => {
  const targets: string[] = []
  const refusedAt: number[] = []
  let tunnels = 0
  const open = new Set<Duplex>()
  const server = createServer((_req, res) => {
    // Not a proxy of plain requests: undici sends none (it tunnels), so one here is a test's mistake.
    res.writeHead(405).end()
  })
  const basic = (credentials: string | undefined): string | undefined => credentials === undefined ? undefined : `Basic ${Buffer.from(credentials).toString('base64')}`
  const { newCredentials } = options
  server.on('connect', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    open.add(socket)
    socket.once('close', () => open.delete(socket))
    socket.on('error', () => socket.destroy())
    const target = req.url ?? ''
    targets.push(target)
    if (options.refuse === 'close') return void socket.destroy()
    const expected = basic(newCredentials !== undefined && tunnels >= newCredentials.afterTunnels ? newCredentials.credentials : options.credentials)
    if (expected !== undefined && req.headers['proxy-authorization'] !== expected) {
      refusedAt.push(performance.now())
      return void socket.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n')
    }
    const port = options.hosts?.[target]
    if (port === undefined) return void socket.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n')
    tunnels += 1
    const upstream: Socket = connect(port, '127.0.0.1', () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      if (head.length > 0) upstream.write(head)
      upstream.pipe(socket)
      socket.pipe(upstream)
    })
    open.add(upstream)
    upstream.once('close', () => {
      open.delete(upstream)
      socket.destroy()
    })
    upstream.on('error', () => upstream.destroy())
    socket.once('close', () => upstream.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    urlWith: (user, password) => `http://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}`,
    targets,
    refusedAt,
    close: () => new Promise<void>((resolve) => {
      for (const socket of open) socket.destroy()
      server.close(() => resolve())
      server.closeAllConnections()
    }),
  }
}
