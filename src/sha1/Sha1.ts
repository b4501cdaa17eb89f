/**
 * The small interface every SHA-1 implementation sits behind, so the chunker runs unchanged on
 * Node, Deno, Bun, workerd and browsers while each uses the fastest SHA-1 it has. Which one is
 * used is chosen by package.json conditions (`#sha1` in source, `box-chunked-upload/sha1` in
 * dist), never by sniffing the runtime.
 */

// ---------------------------------------------------------------------------------------------
// model

/** Names of the implementations, so runtime tests can check which one is in use. */
export type Sha1Implementation =
  | 'node:crypto'
  | 'node:crypto+worker'
  | 'subtle+node:crypto'
  | 'subtle+digest-stream'
  | 'subtle+hash-wasm'
  | 'subtle+pure'
  | 'pure'

/** An incremental SHA-1 over a whole file. */
export interface Sha1Stream {
  /** Feeds bytes in file order. When it returns a promise, the bytes must stay unchanged until it settles. */
  readonly update: (bytes: Uint8Array<ArrayBuffer>) => void | Promise<void>
  /** The 20-byte digest of everything fed. Call once, after the last `update` settled. */
  readonly digest: () => Promise<Uint8Array>
}

/** A part's bytes after hashing: the same memory, possibly as a new view after a trip through another thread. */
export interface Hashed<Buffer extends ArrayBufferLike = ArrayBuffer> {
  readonly bytes: Uint8Array<Buffer>
  /** 20-byte SHA-1 of `bytes`. */
  readonly sha1: Uint8Array
}

/** Hashes one file part by part: each part on its own, and all of them, in call order, into the file's SHA-1. */
export interface FileHasher<Buffer extends ArrayBufferLike = ArrayBuffer> {
  /** Hashes a part and feeds it to the whole-file digest. The caller must not touch `bytes` until it resolves. */
  readonly part: (bytes: Uint8Array<Buffer>) => Promise<Hashed<Buffer>>
  /** The whole-file SHA-1, after every `part` resolved. */
  readonly digest: () => Promise<Uint8Array>
  /** Frees what the whole-file hash holds (a worker's hash context) when the file will never be finished. */
  readonly abandon?: (() => void) | undefined
}

/** A SHA-1 implementation, as the chunker uses it. */
export interface Sha1 {
  readonly implementation: Sha1Implementation
  /** How many parts may be hashing at once for the work to overlap (1 when hashing is synchronous). */
  readonly depth: number
  /** Starts hashing a new file. */
  readonly file: () => FileHasher
  /** SHA-1 of some bytes, in one go. */
  readonly digest: (bytes: Uint8Array<ArrayBuffer>) => Promise<Uint8Array>
  /** Part buffers in shared memory, where this implementation hashes on other threads (see `SharedParts`). */
  readonly shared?: SharedParts | undefined
}

/**
 * Hashing parts that sit in shared memory: the hashing threads read a part where it is, instead of
 * each taking it and giving it back (every such move makes a new `ArrayBuffer` on the receiving
 * thread, and under Node four moves per part cost ~0.7 CPU-s of garbage collection per GiB).
 * Meant for uploads: an implementation may spend fewer threads here than on plain parts, since the
 * network, not hashing, sets an upload's pace. Only for consumers that send parts as streams:
 * `fetch` and `crypto.subtle` refuse views of shared memory as they are.
 */
export interface SharedParts {
  /** A zeroed part buffer of `size` bytes: shared memory where that helps, a plain buffer otherwise (small parts). */
  readonly allocate: (size: number) => Uint8Array
  /**
   * The free part buffers of `size` bytes, one list for every chunker of the process (else each
   * chunker keeps its own): a released part's buffer goes there, and any file's next part may take
   * it. Under Node a hashing thread keeps memory it was sent alive until its heap is collected,
   * which it seldom is: fresh buffers for each upload would pile up while uploads follow each other.
   */
  readonly pool?: ((size: number) => Uint8Array[]) | undefined
  /** Starts hashing a new file whose parts are in buffers from `allocate`. */
  readonly file: () => FileHasher<ArrayBufferLike>
  /**
   * Copies `source` into a buffer from `allocate` at `at`, as `target.set(source, at)` does but
   * faster where the runtime's own copy into shared memory is slow (V8's: see `copyInto`).
   */
  readonly copy?: ((target: Uint8Array, at: number, source: Uint8Array) => void) | undefined
  /**
   * Starts the hashing threads now, ahead of the first part: `upload` calls it before it creates
   * the session, so that a thread's start (~40 ms under Node) overlaps that request.
   */
  readonly warm?: (() => void) | undefined
}

// ---------------------------------------------------------------------------------------------
// constructors

/**
 * A `Sha1` from a whole-file incremental hash and a one-shot part digest, run side by side: the
 * part digest may run on another thread (`crypto.subtle.digest`) while this one feeds the file's.
 */
export const combine = ({ stream, ...named }: {
  readonly implementation: Sha1Implementation
  readonly depth: number
  readonly stream: () => Sha1Stream
  readonly digest: (bytes: Uint8Array<ArrayBuffer>) => Promise<Uint8Array>
}): Sha1 => ({
  // The implementation's name, depth and part digest as given.
  ...named,
  file: () => {
    const whole = stream()
    return {
      part: (bytes) => Promise.all([named.digest(bytes), whole.update(bytes)]).then(([sha1]) => ({ bytes, sha1 })),
      digest: () => whole.digest(),
    }
  },
})

/** SHA-1 with `crypto.subtle.digest`: off the main thread where the platform does it so (Node, Deno, Bun, browsers). */
export const subtleDigest = (bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array> =>
  crypto.subtle.digest('SHA-1', bytes).then((digest) => new Uint8Array(digest))

// ---------------------------------------------------------------------------------------------
// helpers

/** Whether bytes are a view of shared memory (a `SharedArrayBuffer`, where the runtime has one). */
export const isShared = (bytes: Uint8Array): boolean =>
  typeof SharedArrayBuffer === 'function' && bytes.buffer instanceof SharedArrayBuffer

/** Base64 of a digest (the `Digest: sha=` header form). */
export const toBase64 = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes))

/** Lowercase hex of a digest (the form Box echoes back). */
export const toHex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')

/** Hex of a base64 digest, to compare Box's echo with a `Digest` header. */
export const base64ToHex = (base64: string): string => toHex(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)))

/**
 * Base64 of a hex SHA-1: Box's echoed `sha1` in the form of the `Digest` header. A server's answer may
 * hold any string: what is not 40 hex digits is no SHA-1, and is given as it is (its first 40
 * characters; never spread whole into `fromCharCode`, which throws for a long one).
 */
export const hexToBase64 = (hex: string): string =>
  /^[0-9a-f]{40}$/i.test(hex) ? toBase64(Uint8Array.from(hex.match(/../g)!, (pair) => parseInt(pair, 16))) : hex.slice(0, 40)
