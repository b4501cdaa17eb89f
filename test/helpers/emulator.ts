/**
 * The one way tests start an emulator: over real HTTP on 127.0.0.1, port 0.
 * Every runtime-portable test file uses this helper, so the runtime runners (Deno, Bun, Chromium,
 * workerd) can swap how the emulator is reached without touching the tests.
 */
import type { EmulatorOptions } from '../../src/emulator/Options.ts'
import { serve } from '../../src/emulator/node.ts'

export interface RunningEmulator {
  /** Upload API base, e.g. `http://127.0.0.1:PORT/api/2.0` (the equivalent of `https://upload.box.com/api/2.0`). */
  readonly url: string
  /** API base, e.g. `http://127.0.0.1:PORT/2.0` (the equivalent of `https://api.box.com/2.0`). */
  readonly apiUrl: string
  readonly close: () => Promise<void>
}

/** Starts an emulator on 127.0.0.1:0; the caller must `close()` it. */
export const startEmulator = (options: EmulatorOptions = {}): Promise<RunningEmulator> =>
  serve({ port: 0, ...options })
