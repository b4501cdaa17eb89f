/**
 * Node: both SHA-1 passes with `node:crypto`, on two worker threads, while this thread only cuts
 * parts. A part's buffer is transferred (not copied) to the part-digest worker, then to the
 * whole-file worker, then back: this thread copies the next part meanwhile. The work is bound by
 * the two cores, not by one thread doing copy + two hashes (~0.4 of single-pass speed). The workers
 * serve every chunker of the process and are referenced only while they have work, so they never
 * keep the process alive. Small parts (under 1 MiB: tests, tiny files) are hashed here, and so is
 * everything where worker threads cannot be started.
 */
import { createHash } from 'node:crypto'
import { Worker } from 'node:worker_threads'
import type { Hashed, Sha1 } from './Sha1.ts'
import { nodeDigest } from './nodeCrypto.node.ts'

// ---------------------------------------------------------------------------------------------
// model

type Request =
  | { readonly op: 'part'; readonly id: number; readonly bytes: Uint8Array<ArrayBuffer> }
  | { readonly op: 'update'; readonly id: number; readonly file: number; readonly bytes: Uint8Array<ArrayBuffer> }
  | { readonly op: 'digest'; readonly id: number; readonly file: number }

interface Reply {
  readonly id: number
  readonly bytes?: Uint8Array<ArrayBuffer>
  readonly sha1?: Uint8Array
}

// ---------------------------------------------------------------------------------------------
// constructors

/** Parts under this size are hashed on this thread: a round trip to a worker costs ~0.1 ms. */
const smallPart = 1024 * 1024

/** `node:crypto` on two worker threads: one for the part digests, one for the whole-file digest. */
export const workerSha1: Sha1 = {
  implementation: 'node:crypto+worker',
  depth: 2,
  digest: nodeDigest,
  file: () => {
    const file = nextFile++
    /** Decided on the first part, so that every update of the file goes the same way, in order. */
    let local: ReturnType<typeof createHash> | undefined
    let started = false
    return {
      part: (bytes) => {
        if (!started) local = bytes.length < smallPart || !workersStart() ? createHash('sha1') : undefined
        started = true
        if (local !== undefined) {
          local.update(bytes)
          return Promise.resolve({ bytes, sha1: sha1Of(bytes) })
        }
        // Posted now, so the whole-file worker gets the parts in call order; a small part's own
        // digest is taken here before its buffer leaves.
        const sha1 = bytes.length < smallPart ? sha1Of(bytes) : undefined
        return call(whole, { op: 'update', id: 0, file, bytes }).then(({ bytes }) =>
          sha1 !== undefined ? { bytes, sha1 } : call(parts, { op: 'part', id: 0, bytes }).then(({ bytes, sha1 }): Hashed => ({ bytes, sha1 })),
        )
      },
      digest: () =>
        local !== undefined
          ? Promise.resolve(new Uint8Array(local.digest()))
          : started
            ? call(whole, { op: 'digest', id: 0, file }).then(({ sha1 }) => sha1)
            : nodeDigest(new Uint8Array(0)),
      abandon: () => {
        if (started && local === undefined) call(whole, { op: 'digest', id: 0, file }).catch(() => undefined)
      },
    }
  },
}

// ---------------------------------------------------------------------------------------------
// helpers

const sha1Of = (bytes: Uint8Array): Uint8Array => new Uint8Array(createHash('sha1').update(bytes).digest())

/**
 * The workers' code, evaluated from this string: no file to resolve from source, dist or a bundle.
 * Dynamic `import()` works whether Node evaluates it as CommonJS or, under `--input-type=module`,
 * as an ES module; messages wait in the port until the listener is attached.
 */
const script = `
Promise.all([import('node:worker_threads'), import('node:crypto')]).then(([{ parentPort }, { createHash }]) => {
  const files = new Map()
  parentPort.on('message', ({ op, id, file, bytes }) => {
    if (op === 'part') {
      const sha1 = new Uint8Array(createHash('sha1').update(bytes).digest())
      parentPort.postMessage({ id, bytes, sha1 }, [bytes.buffer])
    } else if (op === 'update') {
      let hash = files.get(file)
      if (hash === undefined) files.set(file, (hash = createHash('sha1')))
      hash.update(bytes)
      parentPort.postMessage({ id, bytes }, [bytes.buffer])
    } else {
      const hash = files.get(file) ?? createHash('sha1')
      files.delete(file)
      parentPort.postMessage({ id, sha1: new Uint8Array(hash.digest()) })
    }
  })
})
`

/** A lazily started worker thread and the calls waiting for it. */
interface Thread {
  worker?: Worker
  readonly pending: Map<number, { readonly resolve: (reply: Required<Reply>) => void; readonly reject: (error: unknown) => void }>
}

const parts: Thread = { pending: new Map() }
const whole: Thread = { pending: new Map() }
let nextId = 0
let nextFile = 0

/** Whether the worker threads run here (a permission model or an embedder may forbid them); else everything is hashed on this thread. */
let workersRefused = false
const workersStart = (): boolean => {
  if (workersRefused) return false
  try {
    started(parts)
    started(whole)
  } catch {
    workersRefused = true
  }
  return !workersRefused
}

const started = (thread: Thread): Worker => {
  if (thread.worker !== undefined) return thread.worker
  // `execArgv: []`: the workers need none of this process's flags (loaders such as tsx only slow their start).
  const worker = new Worker(script, { eval: true, execArgv: [] })
  worker.on('message', (reply: Reply) => {
    const waiting = thread.pending.get(reply.id)
    thread.pending.delete(reply.id)
    if (thread.pending.size === 0) worker.unref()
    waiting?.resolve(reply as Required<Reply>)
  })
  const failAll = (error: unknown): void => {
    thread.worker = undefined
    for (const waiting of thread.pending.values()) waiting.reject(error)
    thread.pending.clear()
  }
  worker.on('error', failAll)
  worker.on('exit', (code) => failAll(new Error(`a SHA-1 worker thread exited (code ${code})`)))
  worker.unref()
  return (thread.worker = worker)
}

/** Sends a request to a worker; a part's buffer travels there and back, detached meanwhile. */
const call = (thread: Thread, request: Request): Promise<Required<Reply>> =>
  new Promise((resolve, reject) => {
    const worker = started(thread)
    const id = nextId++
    thread.pending.set(id, { resolve, reject })
    worker.ref()
    worker.postMessage({ ...request, id }, 'bytes' in request ? [request.bytes.buffer] : [])
  })
