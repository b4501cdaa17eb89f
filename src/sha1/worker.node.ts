/**
 * Node: the part digests on a worker thread, the whole-file digest on this one, both with
 * `node:crypto`. A part's buffer is transferred to the worker and back (no copy), so the two
 * SHA-1 passes run on two cores while this thread copies the next part: ~0.65 of single-pass
 * SHA-1 speed instead of ~0.4 with both passes here. One worker serves every chunker of the
 * process; it is referenced only while it has work, so it never keeps the process alive.
 */
import { createHash } from 'node:crypto'
import { Worker } from 'node:worker_threads'
import type { Hashed, Sha1 } from './Sha1.ts'
import { nodeDigest } from './nodeCrypto.node.ts'

// ---------------------------------------------------------------------------------------------
// model

interface Request {
  readonly id: number
  readonly bytes: Uint8Array<ArrayBuffer>
}

interface Reply {
  readonly id: number
  readonly bytes: Uint8Array<ArrayBuffer>
  readonly sha1: Uint8Array
}

// ---------------------------------------------------------------------------------------------
// constructors

/** `node:crypto` for the file on this thread, `node:crypto` for the parts on a worker thread. */
export const workerSha1: Sha1 = {
  implementation: 'node:crypto+worker',
  depth: 2,
  digest: nodeDigest,
  file: () => {
    const whole = createHash('sha1')
    return {
      part: (bytes) => {
        whole.update(bytes)
        // A round trip to the worker costs ~0.1 ms: not worth it for small parts (tests, tiny files).
        return bytes.length < 1024 * 1024 ? nodeDigest(bytes).then((sha1) => ({ bytes, sha1 })) : onWorker(bytes)
      },
      digest: () => Promise.resolve(new Uint8Array(whole.digest())),
    }
  },
}

// ---------------------------------------------------------------------------------------------
// helpers

/** The worker's code, as a CommonJS script: no file to resolve from source, dist or a bundle. */
const script = `
const { parentPort } = require('node:worker_threads')
const { createHash } = require('node:crypto')
parentPort.on('message', ({ id, bytes }) => {
  const sha1 = new Uint8Array(createHash('sha1').update(bytes).digest())
  parentPort.postMessage({ id, bytes, sha1 }, [bytes.buffer])
})
`

let worker: Worker | undefined
let nextId = 0
const pending = new Map<number, { readonly resolve: (hashed: Hashed) => void; readonly reject: (error: unknown) => void }>()

const started = (): Worker => {
  if (worker !== undefined) return worker
  const w = new Worker(script, { eval: true })
  w.on('message', ({ id, bytes, sha1 }: Reply) => {
    const waiting = pending.get(id)
    pending.delete(id)
    if (pending.size === 0) w.unref()
    waiting?.resolve({ bytes, sha1 })
  })
  const failAll = (error: unknown): void => {
    worker = undefined
    for (const waiting of pending.values()) waiting.reject(error)
    pending.clear()
  }
  w.on('error', failAll)
  w.on('exit', (code) => failAll(new Error(`the SHA-1 worker thread exited (code ${code})`)))
  w.unref()
  return (worker = w)
}

/** SHA-1 of a part on the worker; its buffer travels there and back, and is detached meanwhile. */
const onWorker = (bytes: Uint8Array<ArrayBuffer>): Promise<Hashed> =>
  new Promise<Hashed>((resolve, reject) => {
    const w = started()
    const id = nextId++
    pending.set(id, { resolve, reject })
    w.ref()
    w.postMessage({ id, bytes } satisfies Request, [bytes.buffer])
  })
