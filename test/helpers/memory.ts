/** Retained memory, measured after a full garbage collection (for "keeps no bytes" claims). */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

/** Two full garbage collections, a turn of the event loop after each. */
export const collectGarbage = async (): Promise<void> => {
  for (let i = 0; i < 2; i++) {
    gc()
    await new Promise((resolve) => setImmediate(resolve))
  }
}

/**
 * Bytes held in ArrayBuffers (Buffers, Uint8Arrays) after full collections: the least of three measures 20 ms
 * apart, so that a buffer an I/O in flight still holds for a moment (a request's last write, under a loaded CI
 * machine) does not count as kept; memory that is kept stays in all three.
 */
export const retainedArrayBuffers = async (): Promise<number> => {
  let least = Number.POSITIVE_INFINITY
  for (let i = 0; i < 3; i++) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, 20))
    await collectGarbage()
    least = Math.min(least, process.memoryUsage().arrayBuffers)
  }
  return least
}
