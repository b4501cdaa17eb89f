/**
 * A tiny loopback HTTP server answering what a test scripts: for the answers the faithful emulator
 * never gives (HTML 502 pages, malformed bodies, servers echoing headers). It records every request.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http'

export interface Answer {
  readonly status: number
  readonly headers?: Record<string, string>
  readonly body?: string
}

export interface Received {
  readonly method: string
  readonly url: string
  readonly headers: IncomingHttpHeaders
  readonly body: string
}

export interface FixedServer {
  /** `http://127.0.0.1:PORT` */
  readonly origin: string
  readonly received: Received[]
  readonly close: () => Promise<void>
}

/** Starts a server on 127.0.0.1:0 answering `answer(request)`; the caller must `close()` it. */
export const fixedServer = async (answer: (request: Received) => Answer): Promise<FixedServer> => {
  const received: Received[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const request = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') }
      received.push(request)
      const { status, headers = {}, body = '' } = answer(request)
      res.writeHead(status, headers)
      res.end(body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  return {
    origin: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }),
  }
}

/** A port nothing listens on (a server is opened and closed to find it). */
export const closedPort = async (): Promise<number> => {
  const server = await fixedServer(() => ({ status: 200 }))
  const port = Number(new URL(server.origin).port)
  await server.close()
  return port
}
