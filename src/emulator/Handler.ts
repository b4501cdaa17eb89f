/** The emulator as one web handler: `Request -> Promise<Response>` (placeholder, being built). */
import type { EmulatorOptions } from './Options.ts'

/** A running emulator: a fetch-shaped handler. */
export interface Emulator {
  readonly fetch: (request: Request) => Promise<Response>
}

/** Creates an in-process emulator. */
export const emulator = (_options: EmulatorOptions = {}): Emulator => ({
  fetch: async () => new Response(JSON.stringify({ type: 'error', status: 501, code: 'not_implemented' }), { status: 501 }),
})
