/**
 * The `Digest` request header (RFC 3230) as Box uses it: `sha=<base64 SHA-1>`. The algorithm token is
 * case-insensitive (official SDKs send both `sha=` and `SHA=`, protocol §3.4 / gotcha 4). Box's web
 * uploader sent `sha-256=<base64 SHA-256>` for parts from 2017 to March 2024, so that is read too;
 * which algorithms a route accepts is the route's choice (parts: both, commit: SHA-1 only). Several
 * comma-separated instances may appear; the SHA-1 one is used, else the SHA-256 one.
 */
import { concat } from './Http.ts'
import { fromBase64, toBase64 } from './Sha1.ts'

/** What a `Digest` header holds. */
export type ParsedDigest =
  | { readonly _tag: 'Sha1'; readonly bytes: Uint8Array; readonly base64: string }
  | { readonly _tag: 'Sha256'; readonly bytes: Uint8Array; readonly base64: string }
  | { readonly _tag: 'Missing' }
  | { readonly _tag: 'Invalid'; readonly reason: string }

interface Algorithm {
  readonly tag: 'Sha1' | 'Sha256'
  readonly bytes: number
  readonly name: string
}

const SHA1: Algorithm = { tag: 'Sha1', bytes: 20, name: 'SHA-1' }

/** The algorithms read, by lower-case token (a Map: a token such as `constructor` must find nothing). */
const ALGORITHMS: ReadonlyMap<string, Algorithm> = new Map([
  ['sha', SHA1],
  ['sha-1', SHA1],
  ['sha-256', { tag: 'Sha256', bytes: 32, name: 'SHA-256' }],
])

/** Base64 length of `bytes` bytes (with padding). */
const base64Length = (bytes: number): number => 4 * Math.ceil(bytes / 3)

/**
 * One `algorithm=value` instance, read as `algorithm` (the tag is the algorithm's even when the value
 * is unreadable). The value must be canonical base64 with its padding (`atob` alone also takes it
 * unpadded, with spaces inside, or with other unused bits), so that a client's encoder that drops
 * the `=` (say Go's RawStdEncoding) fails here as it may at Box (protocol §3.4: 28 characters ending in `=`).
 */
const instance = (algorithm: Algorithm, encoded: string): { readonly tag: Algorithm['tag']; readonly digest: ParsedDigest } => {
  const bytes = fromBase64(encoded)
  if (bytes === undefined || bytes.length !== algorithm.bytes || toBase64(bytes) !== encoded) {
    const reason = `the ${algorithm.name} digest must be ${algorithm.bytes} bytes, base64-encoded (${base64Length(algorithm.bytes)} characters)`
    return { tag: algorithm.tag, digest: { _tag: 'Invalid', reason } }
  }
  return { tag: algorithm.tag, digest: { _tag: algorithm.tag, bytes, base64: encoded } }
}

/**
 * Parses a `Digest` header value. The first SHA-1 instance decides, else the first SHA-256 one
 * (valid or not); instances of other algorithms are ignored, as RFC 3230 lets a server do.
 */
export const parse = (value: string | null | undefined): ParsedDigest => {
  if (value === null || value === undefined || value.trim() === '') return { _tag: 'Missing' }
  const found = value.split(',').flatMap((item) => {
    const eq = item.indexOf('=')
    const algorithm = eq < 0 ? undefined : ALGORITHMS.get(item.slice(0, eq).trim().toLowerCase())
    return algorithm === undefined ? [] : [instance(algorithm, item.slice(eq + 1).trim())]
  })
  const chosen = found.find((f) => f.tag === 'Sha1') ?? found[0]
  return chosen?.digest ??
    { _tag: 'Invalid', reason: 'no "sha=<base64 SHA-1>" (or, for parts, "sha-256=<base64 SHA-256>") value found' }
}

/** Whether two digests are equal. */
export const equal = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i])

/** A digest of bytes given as chunks, by the platform's `crypto.subtle` (the bytes are copied once when in several chunks). */
export const subtle = async (algorithm: 'SHA-1' | 'SHA-256', chunks: ReadonlyArray<Uint8Array>, length: number): Promise<Uint8Array> =>
  new Uint8Array(await crypto.subtle.digest(algorithm, concat(chunks, length) as Uint8Array<ArrayBuffer>))

/** Whether this runtime has `crypto.subtle` (insecure browser contexts do not). */
export const hasSubtle = (): boolean => typeof crypto !== 'undefined' && crypto.subtle !== undefined
