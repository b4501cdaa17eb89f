/**
 * Stands in for the emulator's Node adapter (`src/emulator/node.ts`) in the browser and workerd bundles,
 * where nothing can listen on a port: `serve(options)` asks the runner's control server (Control.ts) to start
 * a real emulator on 127.0.0.1 and answers with its URLs, so tests reach it over real HTTP (cross-origin from
 * the page: the emulator's CORS is exercised too). The bundler substitutes this module for the Node adapter
 * only when `test/helpers/emulator.ts` imports it; tests are unchanged.
 */
import type { RequestRecord } from '../../src/emulator/Options.ts'
import { toRemote, type Forwarded, type RemoteEmulator, type RemoteRecords } from './RemoteOptions.ts'

/** Set by the bundle's entry: the control server's origin, e.g. `http://127.0.0.1:PORT`. */
export const CONTROL = '__RUNTIMES_CONTROL__'

const control = (): string => {
  const url = (globalThis as Record<string, unknown>)[CONTROL]
  if (typeof url !== 'string') throw new Error(`${CONTROL} is not set: this module only works in a runtime runner's bundle`)
  return url
}

const call = async (method: string, path: string, body?: unknown): Promise<Response> => {
  const res = await fetch(`${control()}${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  })
  if (!res.ok) throw new Error(`control ${method} ${path}: ${res.status} ${await res.text()}`)
  return res
}

/**
 * Same contract as the Node adapter's `serve`. With `onRequest` or `clock`, a long poll runs until `close`: each
 * answer's records are handed to `onRequest` before the next poll acks them, and each poll carries `clock()`;
 * the runner holds every emulator answer until its records are acked and, with a clock, every request until a
 * fresh poll (Records.ts), so a test reads the same records, and the emulator the same time, as in Node.
 */
export const serve = async (options: Forwarded & { port?: number; host?: string } = {}) => {
  const { port: _port, host: _host, ...rest } = options
  const remote = (await (await call('POST', '/emulators', toRemote(rest))).json()) as RemoteEmulator
  const { onRequest, clock } = options
  let delivered = 0
  let closed = false
  // Bounded by the emulator's life: the runner answers a waiting poll at close, and the loop stops.
  const poll = async (): Promise<void> => {
    while (!closed) {
      const now = clock === undefined ? '' : `&clock=${clock()}`
      const records = (await (await call('GET', `/emulators/${remote.id}/records?from=${delivered}${now}`)).json()) as RemoteRecords
      delivered += records.length
      records.forEach((record: RequestRecord) => onRequest?.(record))
    }
  }
  // A failed poll only delays answers (the runner lets them go after a while); the test sees missing records.
  const polling = onRequest === undefined && clock === undefined ? Promise.resolve() : poll().catch(() => undefined)
  return {
    url: remote.url,
    apiUrl: remote.apiUrl,
    close: async (): Promise<void> => {
      closed = true
      await call('DELETE', `/emulators/${remote.id}`)
      await polling
    },
  }
}
