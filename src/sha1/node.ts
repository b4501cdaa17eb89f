/** Node and Bun: what the `node` and `bun` conditions of `#sha1` select: both SHA-1 passes on worker threads (see worker.node.ts). */
export { workerSha1 as sha1 } from './worker.node.ts'
