/**
 * Runtimes no package condition named: pick by feature detection. `crypto.DigestStream` (workerd
 * and look-alikes) first, since there WebAssembly cannot be compiled; otherwise hash-wasm, which
 * itself falls back to pure TypeScript when WASM is refused.
 */
import { sha1 as digestStream } from './digestStream.ts'
import { sha1 as hashWasm } from './hashWasm.ts'

/** The SHA-1 used where no package condition applies. */
export const sha1 = digestStream.implementation === 'subtle+digest-stream' ? digestStream : hashWasm
