/**
 * Node (and Deno, Bun through their `node:crypto`): OpenSSL's SHA-1, the fastest there is
 * (~1.5 GB/s with SHA-NI). Node-only: excluded from the web-only core tsconfig.
 */
import { createHash } from 'node:crypto'
import { combine, subtleDigest, type Sha1, type Sha1Stream } from './Sha1.ts'

// ---------------------------------------------------------------------------------------------
// constructors

/** An incremental SHA-1 with `node:crypto`, synchronous. */
export const nodeStream = (): Sha1Stream => {
  const hash = createHash('sha1')
  return {
    update: (bytes) => void hash.update(bytes),
    digest: () => Promise.resolve().then(() => new Uint8Array(hash.digest())),
  }
}

/** One-shot SHA-1 with `node:crypto`, on this thread. */
export const nodeDigest = (bytes: Uint8Array): Promise<Uint8Array> =>
  Promise.resolve(new Uint8Array(createHash('sha1').update(bytes).digest()))

/** Both digests with `node:crypto` on this thread. */
export const nodeCrypto: Sha1 = /* @__PURE__ */ combine({ implementation: 'node:crypto', depth: 1, stream: nodeStream, digest: nodeDigest })

/** `node:crypto` for the file on this thread, `crypto.subtle.digest` for the parts on the thread pool. */
export const subtleNodeCrypto: Sha1 = /* @__PURE__ */ combine({ implementation: 'subtle+node:crypto', depth: 2, stream: nodeStream, digest: subtleDigest })
