/**
 * Browsers: hash-wasm's incremental SHA-1 (WebAssembly, ~500 MB/s) for the whole file and
 * `crypto.subtle.digest` (off the main thread) for the parts. hash-wasm is bundled into the
 * browser build, not a runtime dependency. Falls back to pure TypeScript where WASM cannot be
 * compiled (a CSP without `wasm-unsafe-eval`).
 */
import { createSHA1 } from 'hash-wasm'
import { pureHash } from './pure.ts'
import { combine, subtleDigest, type Sha1, type Sha1Stream } from './Sha1.ts'

// ---------------------------------------------------------------------------------------------
// constructors

/** A synchronous incremental hash, as hash-wasm's `IHasher` is once created. */
export interface Incremental {
  readonly update: (bytes: Uint8Array<ArrayBuffer>) => unknown
  readonly digest: (format: 'binary') => Uint8Array
}

/**
 * An incremental SHA-1 over a hasher that is created asynchronously (WASM instantiation). Bytes
 * fed before it exists wait in a queue; later bytes go straight in only once that queue has
 * drained, so the file order holds even when creation resolves between two updates (it can, in
 * Chromium, within one microtask checkpoint of the stream pipe).
 */
export const whenReady = (create: () => Promise<Incremental>): Sha1Stream => {
  let ready: Incremental | undefined
  let queued = 0
  let chain = create()
  return {
    update: (bytes) => {
      if (ready !== undefined) {
        ready.update(bytes)
        return
      }
      queued++
      chain = chain.then((h) => {
        h.update(bytes)
        if (--queued === 0) ready = h
        return h
      })
      return chain.then(() => undefined)
    },
    digest: () => chain.then((h) => h.digest('binary')),
  }
}

/** An incremental SHA-1 with hash-wasm, or pure TypeScript if WASM cannot be compiled here. */
export const hashWasmStream = (): Sha1Stream =>
  whenReady(() =>
    createSHA1().then(
      (h): Incremental => h.init(),
      (): Incremental => pureHash(),
    ),
  )

/** hash-wasm for the file, `crypto.subtle.digest` for the parts. */
export const sha1: Sha1 = /* @__PURE__ */ combine({ implementation: 'subtle+hash-wasm', depth: 2, stream: hashWasmStream, digest: subtleDigest })
