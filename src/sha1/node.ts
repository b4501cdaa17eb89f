/** Node: what the `node` condition of `#sha1` selects, the part digests on a worker thread (see worker.node.ts). */
export { workerSha1 as sha1 } from './worker.node.ts'
