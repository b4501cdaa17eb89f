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

/** Bytes held in ArrayBuffers (Buffers, Uint8Arrays) after two full collections. */
export const retainedArrayBuffers = async (): Promise<number> => {
  await collectGarbage()
  return process.memoryUsage().arrayBuffers
}
