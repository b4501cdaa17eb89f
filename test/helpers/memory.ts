/** Retained memory, measured after a full garbage collection (for "keeps no bytes" claims). */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

/** Bytes held in ArrayBuffers (Buffers, Uint8Arrays) after two full collections. */
export const retainedArrayBuffers = async (): Promise<number> => {
  for (let i = 0; i < 2; i++) {
    gc()
    await new Promise((resolve) => setImmediate(resolve))
  }
  return process.memoryUsage().arrayBuffers
}
