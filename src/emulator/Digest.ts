/**
 * The `Digest` request header (RFC 3230) as Box uses it: `sha=<base64 SHA-1>`. The algorithm token is
 * case-insensitive (official SDKs send both `sha=` and `SHA=`, protocol §3.4 / gotcha 4). Several
 * comma-separated instances may appear; the SHA-1 one is used.
 */
import { fromBase64 } from './Sha1.ts'

/** What a `Digest` header holds. */
export type ParsedDigest =
  | { readonly _tag: 'Sha1'; readonly bytes: Uint8Array; readonly base64: string }
  | { readonly _tag: 'Missing' }
  | { readonly _tag: 'Invalid'; readonly reason: string }

/** Parses a `Digest` header value. */
export const parse = (value: string | null | undefined): ParsedDigest => {
  if (value === null || value === undefined || value.trim() === '') return { _tag: 'Missing' }
  for (const item of value.split(',')) {
    const eq = item.indexOf('=')
    if (eq < 0) continue
    const algorithm = item.slice(0, eq).trim().toLowerCase()
    const encoded = item.slice(eq + 1).trim()
    if (algorithm !== 'sha' && algorithm !== 'sha-1') continue
    const bytes = fromBase64(encoded)
    if (bytes === undefined || bytes.length !== 20) {
      return { _tag: 'Invalid', reason: 'the SHA-1 digest must be 20 bytes, base64-encoded (28 characters)' }
    }
    return { _tag: 'Sha1', bytes, base64: encoded }
  }
  return { _tag: 'Invalid', reason: 'no "sha=<base64 SHA-1>" value found (only SHA-1 is supported)' }
}

/** Whether two digests are equal. */
export const equal = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i])
