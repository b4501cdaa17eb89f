/** Node adapter of the emulator (being built). */
import { createServer } from 'node:http'
import type { EmulatorOptions } from './Options.ts'
import { emulator } from './Handler.ts'

/** A running emulator over HTTP. */
export interface Served {
  readonly url: string
  readonly apiUrl: string
  readonly close: () => Promise<void>
}

/** Starts the emulator on 127.0.0.1. */
export const serve = async (options: EmulatorOptions & { port?: number; host?: string } = {}): Promise<Served> => {
  const app = emulator(options)
  const server = createServer(async (req, res) => {
    const r = await app.fetch(new Request(`http://127.0.0.1${req.url}`, { method: req.method ?? 'GET' }))
    res.writeHead(r.status, Object.fromEntries(r.headers))
    res.end(Buffer.from(await r.arrayBuffer()))
  })
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  return {
    url: `http://127.0.0.1:${port}/api/2.0`,
    apiUrl: `http://127.0.0.1:${port}/2.0`,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }),
  }
}
