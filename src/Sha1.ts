/**
 * SHA-1 as the chunker uses it: the implementation this runtime gets (chosen by package.json
 * conditions, see `#sha1` in package.json), the interface, and the digest encodings.
 */
import { sha1 as platform } from '#sha1'
import type { Sha1 } from './sha1/Sha1.ts'

export type { FileHasher, Hashed, SharedParts, Sha1, Sha1Implementation, Sha1Stream } from './sha1/Sha1.ts'
export { base64ToHex, toBase64, toHex } from './sha1/Sha1.ts'

/** The fastest SHA-1 this runtime has, as selected by the `node`/`deno`/`bun`/`workerd`/`browser`/`default` conditions. */
export const defaultSha1: Sha1 = platform

/** Which implementation `defaultSha1` is, e.g. `node:crypto+worker` under Node or `subtle+digest-stream` on workerd. */
// A call marked pure, unlike a property read, lets a bundler drop it when nothing imports it.
export const sha1Implementation: Sha1['implementation'] = /* @__PURE__ */ (() => platform.implementation)()
