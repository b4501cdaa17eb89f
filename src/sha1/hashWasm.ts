/**
 * Browsers: hash-wasm's incremental SHA-1 (WebAssembly, ~500 MB/s) for the whole file and
 * `crypto.subtle.digest` (off the main thread) for the parts. hash-wasm is bundled into the
 * browser build, not a runtime dependency. Falls back to pure TypeScript where WASM cannot be
 * compiled (a CSP without `wasm-unsafe-eval`).
 */
import { createSHA1 } from 'hash-wasm'
import { pureStream } from './pure.ts'
import { combine, subtleDigest, type Sha1, type Sha1Stream } from './Sha1.ts'

// ---------------------------------------------------------------------------------------------
// constructors

/** An incremental SHA-1 with hash-wasm; bytes fed before the WASM is ready wait, in order. */
export const hashWasmStream = (): Sha1Stream => {
  type Incremental = { update: (bytes: Uint8Array<ArrayBuffer>) => unknown; digest: (format: 'binary') => Uint8Array }
  let ready: Incremental | undefined
  let chain: Promise<Incremental> = createSHA1().then(
    (h): Incremental => h.init(),
    (): Incremental => {
      const p = pureStream()
      return { update: p.update, digest: () => p.digestSync() }
    },
  ).then((h) => (ready = h))
  return {
    update: (bytes) => {
      if (ready !== undefined) {
        ready.update(bytes)
        return
      }
      chain = chain.then((h) => (h.update(bytes), h))
      return chain.then(() => undefined)
    },
    digest: () => chain.then((h) => h.digest('binary')),
  }
}

/** hash-wasm for the file, `crypto.subtle.digest` for the parts. */
export const sha1: Sha1 = combine({ implementation: 'subtle+hash-wasm', depth: 2, stream: hashWasmStream, digest: subtleDigest })
