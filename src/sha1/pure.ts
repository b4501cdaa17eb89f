/**
 * SHA-1 in plain TypeScript (FIPS 180-4), for runtimes with neither a native incremental SHA-1
 * nor WebAssembly (for example a browser page whose CSP forbids compiling WASM). About 150 MB/s:
 * the last resort, not the fast path.
 */
import { combine, subtleDigest, type Sha1, type Sha1Stream } from './Sha1.ts'

// ---------------------------------------------------------------------------------------------
// constructors

/** An incremental SHA-1, synchronous, in plain TypeScript: `digest` gives the 20 bytes at once. */
export const pureHash = (): { readonly update: (bytes: Uint8Array) => void; readonly digest: () => Uint8Array } => {
  const h = new Int32Array([0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0])
  const w = new Int32Array(80)
  const block = new Uint8Array(64)
  let buffered = 0
  let length = 0
  const update = (bytes: Uint8Array): void => {
    length += bytes.length
    let i = 0
    if (buffered > 0) {
      const n = Math.min(64 - buffered, bytes.length)
      block.set(bytes.subarray(0, n), buffered)
      buffered += n
      i = n
      if (buffered < 64) return
      compress(h, w, block, 0)
      buffered = 0
    }
    for (; i + 64 <= bytes.length; i += 64) compress(h, w, bytes, i)
    block.set(bytes.subarray(i), 0)
    buffered = bytes.length - i
  }
  const digest = (): Uint8Array => {
    const tail = new Uint8Array((buffered < 56 ? 64 : 128) - buffered)
    tail[0] = 0x80
    // The length in bits, big-endian in the last 8 bytes.
    new DataView(tail.buffer).setBigUint64(tail.length - 8, BigInt(length) * 8n)
    update(tail)
    const out = new Uint8Array(20)
    const outView = new DataView(out.buffer)
    h.forEach((word, k) => outView.setInt32(k * 4, word))
    return out
  }
  return { update, digest }
}

/** The same as a `Sha1Stream` (its digest a promise); `pureHash` gives it at once. */
export const pureStream = (): Sha1Stream => {
  const hash = pureHash()
  return { update: hash.update, digest: () => Promise.resolve().then(hash.digest) }
}

// `combine` calls marked pure: a bundle that does not use an implementation drops it.

/** Pure TypeScript for everything: the fallback when `crypto.subtle` is missing too. */
export const pure: Sha1 = /* @__PURE__ */ combine({
  implementation: 'pure',
  depth: 1,
  stream: pureStream,
  digest: (bytes) => Promise.resolve().then(() => oneShot(bytes)),
})

/** Pure TypeScript for the whole file, `crypto.subtle.digest` for the parts. */
export const subtlePure: Sha1 = /* @__PURE__ */ combine({ implementation: 'subtle+pure', depth: 2, stream: pureStream, digest: subtleDigest })

// ---------------------------------------------------------------------------------------------
// helpers

const oneShot = (bytes: Uint8Array): Uint8Array => {
  const hash = pureHash()
  hash.update(bytes)
  return hash.digest()
}

/** One 64-byte block at `at` into the state `h`. */
const compress = (h: Int32Array, w: Int32Array, bytes: Uint8Array, at: number): void => {
  for (let t = 0; t < 16; t++) {
    const j = at + t * 4
    w[t] = (bytes[j]! << 24) | (bytes[j + 1]! << 16) | (bytes[j + 2]! << 8) | bytes[j + 3]!
  }
  for (let t = 16; t < 80; t++) {
    const x = w[t - 3]! ^ w[t - 8]! ^ w[t - 14]! ^ w[t - 16]!
    w[t] = (x << 1) | (x >>> 31)
  }
  let a = h[0]!, b = h[1]!, c = h[2]!, d = h[3]!, e = h[4]!
  for (let t = 0; t < 80; t++) {
    const f =
      t < 20 ? ((b & c) | (~b & d)) + 0x5a827999
      : t < 40 ? (b ^ c ^ d) + 0x6ed9eba1
      : t < 60 ? ((b & c) | (b & d) | (c & d)) + 0x8f1bbcdc
      : (b ^ c ^ d) + 0xca62c1d6
    const temp = (((a << 5) | (a >>> 27)) + f + e + w[t]!) | 0
    e = d
    d = c
    c = (b << 30) | (b >>> 2)
    b = a
    a = temp
  }
  // An Int32Array keeps the sums modulo 2^32, as SHA-1 adds.
  h[0]! += a
  h[1]! += b
  h[2]! += c
  h[3]! += d
  h[4]! += e
}
