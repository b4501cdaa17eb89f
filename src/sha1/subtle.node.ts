/** Deno (and Bun if asked for): `node:crypto` for the whole file, `crypto.subtle.digest` (off-thread there) for the parts. */
export { subtleNodeCrypto as sha1 } from './nodeCrypto.node.ts'
