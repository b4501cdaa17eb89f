/**
 * SHA-1 for the emulator, written here on purpose: the emulator checks the client's digests, so it
 * must not share the client's hashing code (a shared bug would go unnoticed). Pure TypeScript,
 * incremental; the Node adapter swaps in `node:crypto` through `EmulatorOptions.sha1` for speed.
 */

/** An incremental SHA-1: feed bytes in order, then take the 20-byte digest once. */
export interface Sha1 {
  readonly update: (bytes: Uint8Array) => void
  readonly digest: () => Uint8Array
}

/** Makes a fresh SHA-1 hasher. */
export type Sha1Factory = () => Sha1

/** The pure-TypeScript SHA-1 (FIPS 180-4). */
export const sha1: Sha1Factory = () => {
  const h = new Int32Array([0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0])
  const w = new Int32Array(80)
  const block = new Uint8Array(64)
  let filled = 0
  let length = 0

  // Four 20-round loops instead of one with branches: the hot loop of every byte the emulator checks.
  const compress = (b: Uint8Array, at: number): void => {
    for (let i = 0, j = at; i < 16; i++, j += 4) w[i] = (b[j]! << 24) | (b[j + 1]! << 16) | (b[j + 2]! << 8) | b[j + 3]!
    for (let i = 16; i < 80; i++) {
      const x = w[i - 3]! ^ w[i - 8]! ^ w[i - 14]! ^ w[i - 16]!
      w[i] = (x << 1) | (x >>> 31)
    }
    let a = h[0]!, bb = h[1]!, c = h[2]!, d = h[3]!, e = h[4]!, t = 0
    for (let i = 0; i < 20; i++) {
      t = (((a << 5) | (a >>> 27)) + ((bb & c) | (~bb & d)) + e + w[i]! + 0x5a827999) | 0
      e = d; d = c; c = (bb << 30) | (bb >>> 2); bb = a; a = t
    }
    for (let i = 20; i < 40; i++) {
      t = (((a << 5) | (a >>> 27)) + (bb ^ c ^ d) + e + w[i]! + 0x6ed9eba1) | 0
      e = d; d = c; c = (bb << 30) | (bb >>> 2); bb = a; a = t
    }
    for (let i = 40; i < 60; i++) {
      t = (((a << 5) | (a >>> 27)) + ((bb & c) | (bb & d) | (c & d)) + e + w[i]! - 0x70e44324) | 0
      e = d; d = c; c = (bb << 30) | (bb >>> 2); bb = a; a = t
    }
    for (let i = 60; i < 80; i++) {
      t = (((a << 5) | (a >>> 27)) + (bb ^ c ^ d) + e + w[i]! - 0x359d3e2a) | 0
      e = d; d = c; c = (bb << 30) | (bb >>> 2); bb = a; a = t
    }
    h[0] = h[0]! + a; h[1] = h[1]! + bb; h[2] = h[2]! + c; h[3] = h[3]! + d; h[4] = h[4]! + e
  }

  const update = (bytes: Uint8Array): void => {
    length += bytes.length
    let i = 0
    if (filled > 0) {
      const take = Math.min(64 - filled, bytes.length)
      block.set(bytes.subarray(0, take), filled)
      filled += take
      i = take
      if (filled < 64) return
      compress(block, 0)
      filled = 0
    }
    for (; i + 64 <= bytes.length; i += 64) compress(bytes, i)
    block.set(bytes.subarray(i), 0)
    filled = bytes.length - i
  }

  const digest = (): Uint8Array => {
    const bits = length * 8
    const tail = new Uint8Array(filled < 56 ? 64 - filled : 128 - filled)
    tail[0] = 0x80
    const view = new DataView(tail.buffer)
    view.setUint32(tail.length - 8, Math.floor(bits / 0x100000000))
    view.setUint32(tail.length - 4, bits >>> 0)
    update(tail)
    const out = new Uint8Array(20)
    const outView = new DataView(out.buffer)
    for (let i = 0; i < 5; i++) outView.setInt32(i * 4, h[i]!)
    return out
  }

  return { update, digest }
}

/** Lower-case hex of bytes (Box's `sha1` fields). */
export const toHex = (bytes: Uint8Array): string =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')

/** Base64 of bytes (the `Digest` header's form). */
export const toBase64 = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes))

/** Bytes of a base64 string, or `undefined` when it is not base64. */
export const fromBase64 = (text: string): Uint8Array | undefined => {
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0))
  } catch {
    return undefined
  }
}
