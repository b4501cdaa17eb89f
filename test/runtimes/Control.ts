/**
 * The Node side of the browser and workerd runs: a small HTTP server on 127.0.0.1 that serves the test page,
 * collects what the page prints, and starts emulators on demand for code that cannot open a port itself (a
 * page, a Worker).
 *
 *   POST   /emulators              RemoteOptions -> RemoteEmulator   (starts `serve` from the Node adapter;
 *                                   with records or a clock wanted, behind the proxy of Records.ts)
 *   GET    /emulators/:id/records?from=N[&clock=T] -> long poll: acks N, takes the caller's clock, answers the
 *                                   request records from index N on
 *   DELETE /emulators/:id          closes it
 *   POST   /output                 text the page printed (PageOutput.ts), handed to `print` in order of arrival
 *   GET    /<path>                 a static asset given at start (the page, the bundle)
 *
 * Every emulator still open when the control server closes is closed with it.
 */
import { createServer, type IncomingMessage } from 'node:http'
import { serve, type Served } from '../../src/emulator/node.ts'
import { proxy, records, type Proxy, type Records } from './Records.ts'
import { fromRemote, type RemoteEmulator, type RemoteOptions } from './RemoteOptions.ts'

export interface Asset {
  readonly type: string
  readonly body: string | Uint8Array
}

export interface Control {
  /** e.g. `http://127.0.0.1:PORT` */
  readonly url: string
  readonly close: () => Promise<void>
}

const cors = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS',
  'access-control-allow-headers': 'content-type',
}

const readBody = async (req: IncomingMessage): Promise<string> => {
  const chunks: Array<Buffer> = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

/** Starts the control server with the given static assets (path -> content); `print` gets the page's output. */
export const startControl = async (assets: Readonly<Record<string, Asset>> = {}, print: (text: string) => void = () => undefined): Promise<Control> => {
  interface Running {
    readonly served: Served
    readonly log: Records
    readonly proxy: Proxy | undefined
  }
  const emulators = new Map<string, Running>()
  const stop = async ({ served, log, proxy }: Running): Promise<void> => {
    log.close()
    await served.close()
    await proxy?.close()
  }
  let count = 0

  const handle = async (req: IncomingMessage): Promise<{ status: number; type?: string; body?: string | Uint8Array }> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const [, first, id, sub] = url.pathname.split('/')
    if (req.method === 'OPTIONS') return { status: 204 }
    if (first === 'output' && req.method === 'POST') {
      print(await readBody(req))
      return { status: 204 }
    }
    if (first === 'emulators' && req.method === 'POST' && id === undefined) {
      const remote = JSON.parse(await readBody(req)) as RemoteOptions
      const log = records(remote.clock)
      let upstream = 0
      const clocked = remote.clock !== undefined
      const front = remote.records || clocked ? await proxy(() => upstream, log, clocked) : undefined
      const options = fromRemote(remote, log.push, log.now)
      // Session endpoints go through the proxy too, unless the test names its own upload base (then that one).
      const served = await serve({ port: 0, ...(front === undefined ? {} : { uploadBaseUrl: `${front.origin}/api/2.0` }), ...options })
      upstream = Number(new URL(served.url).port)
      const key = String(++count)
      emulators.set(key, { served, log, proxy: front })
      const base = front?.origin ?? new URL(served.url).origin
      const answer: RemoteEmulator = { id: key, url: `${base}/api/2.0`, apiUrl: `${base}/2.0` }
      return { status: 201, type: 'application/json', body: JSON.stringify(answer) }
    }
    const emulator = first === 'emulators' && id !== undefined ? emulators.get(id) : undefined
    if (emulator !== undefined && req.method === 'GET' && sub === 'records') {
      const from = Number(url.searchParams.get('from') ?? 0)
      const clock = url.searchParams.get('clock')
      return { status: 200, type: 'application/json', body: JSON.stringify(await emulator.log.poll(from, clock === null ? undefined : Number(clock))) }
    }
    if (emulator !== undefined && req.method === 'DELETE' && sub === undefined) {
      emulators.delete(id!)
      await stop(emulator)
      return { status: 204 }
    }
    const asset = req.method === 'GET' ? assets[url.pathname] : undefined
    return asset === undefined ? { status: 404, type: 'text/plain', body: 'not found' } : { status: 200, ...asset }
  }

  const server = createServer((req, res) => {
    handle(req).then(
      ({ status, type, body }) => {
        res.writeHead(status, { ...cors, ...(type === undefined ? {} : { 'content-type': type }) })
        res.end(body)
      },
      (error: unknown) => {
        res.writeHead(500, { ...cors, 'content-type': 'text/plain' })
        res.end(String(error))
      },
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      await Promise.all([...emulators.values()].map(stop))
      emulators.clear()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
