/**
 * Stands in for the emulator's Node adapter (`src/emulator/node.ts`) in the Chromium and workerd bundles,
 * where nothing can listen on a port: `serve(options)` asks the runner's control server (Control.ts) to start
 * a real emulator on 127.0.0.1 and answers with its URLs, so tests reach it over real HTTP (cross-origin from
 * the page: the emulator's CORS is exercised too). The bundler substitutes this module for the Node adapter
 * only when `test/helpers/emulator.ts` imports it; tests are unchanged.
 */
import type { EmulatorOptions, RequestRecord } from '../../src/emulator/Options.ts'
import { toRemote, type RemoteEmulator, type RemoteRecords } from './RemoteOptions.ts'

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

/** Same contract as the Node adapter's `serve`; `onRequest` records are polled every few ms and flushed on `close`. */
export const serve = async (options: EmulatorOptions & { port?: number; host?: string } = {}) => {
  const { port: _port, host: _host, ...rest } = options
  const remote = (await (await call('POST', '/emulators', toRemote(rest))).json()) as RemoteEmulator
  const onRequest = options.onRequest
  let delivered = 0
  let closed = false
  const pull = async (): Promise<void> => {
    if (onRequest === undefined) return
    const records = (await (await call('GET', `/emulators/${remote.id}/records?from=${delivered}`)).json()) as RemoteRecords
    delivered += records.length
    records.forEach((record: RequestRecord) => onRequest(record))
  }
  // Bounded by the emulator's life: stops at close.
  const poll = async (): Promise<void> => {
    while (!closed) {
      await pull()
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  }
  // A failed poll surfaces at close, which pulls again.
  const polling = onRequest === undefined ? Promise.resolve() : poll().catch(() => undefined)
  return {
    url: remote.url,
    apiUrl: remote.apiUrl,
    close: async (): Promise<void> => {
      closed = true
      await polling
      await pull()
      await call('DELETE', `/emulators/${remote.id}`)
    },
  }
}
