/** Deno and Bun: `node:crypto` for the whole file, `crypto.subtle.digest` (off-thread there) for the parts. */
export { subtleNodeCrypto as sha1 } from './nodeCrypto.node.ts'
