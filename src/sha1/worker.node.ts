/**
 * Node: both SHA-1 passes with `node:crypto`, on worker threads, while this thread only cuts parts.
 *
 * Plain parts (the chunker's default) use two workers, one per pass: a part's buffer is
 * transferred (not copied) to the whole-file worker, then to the part-digest worker, then back,
 * while this thread copies the next part. The work is bound by the two cores, not by one thread
 * doing copy + two hashes (~0.4 of single-pass speed).
 *
 * Parts in shared memory (`shared`, which `upload` uses) are not moved at all, and one worker does
 * both passes of each, in order. An upload is paced by the network and the server, not by hashing
 * (one thread hashes ~0.95 GB/s of parts), so a second hashing thread would only compete for the
 * cores with the rest of the process: measured on 2 cores against the emulator, one worker uploads
 * faster than two, with ~9 MiB less memory.
 *
 * Either way a file's first part is read once: its digest is a copy of the whole-file hash after
 * it. That is 5 passes instead of 6 for a 3-part file, and the first part (which holds up the first
 * request) ready in half the time.
 *
 * The workers serve every chunker of the process and are referenced only while they have work, so
 * they never keep the process alive. Small parts (under 1 MiB: tests, tiny files) are hashed here,
 * and so is everything where worker threads cannot be started. `upload` warms the shared-part worker
 * as it starts, so that the thread boots while the session is created.
 */
import { createHash } from 'node:crypto'
import { Worker } from 'node:worker_threads'
import { copyInto } from '../Copy.ts'
import { isShared, type FileHasher, type Hashed, type Sha1 } from './Sha1.ts'
import { nodeDigest } from './nodeCrypto.node.ts'

// ---------------------------------------------------------------------------------------------
// model

type Request =
  | { readonly op: 'part'; readonly id: number; readonly bytes: Uint8Array }
  | { readonly op: 'update'; readonly id: number; readonly file: number; readonly bytes: Uint8Array }
  | { readonly op: 'both'; readonly id: number; readonly file: number; readonly bytes: Uint8Array }
  | { readonly op: 'digest'; readonly id: number; readonly file: number }

/** A worker's answer; `bytes` comes back only when it was transferred (shared memory never left). */
interface Reply {
  readonly id: number
  readonly bytes?: Uint8Array
  readonly sha1?: Uint8Array
}

// ---------------------------------------------------------------------------------------------
// constructors

/** Parts under this size are hashed on this thread: a round trip to a worker costs ~0.1 ms. */
const smallPart = 1024 * 1024

/** `node:crypto` on worker threads: plain parts on two (part digests, whole file), shared ones on one. */
export const workerSha1: Sha1 = {
  implementation: 'node:crypto+worker',
  // A plain part passes three stages in turn (this thread's copy, the whole-file worker, the part worker), so
  // three may overlap while the reader waits: 0.71–0.76 of a single SHA-1 pass against 0.60–0.70 with two, in
  // `npm run bench` (two cut ahead left the workers waiting on the copy). A busy reader still gets one ahead,
  // and `upload`'s `ahead()` keeps its parts within `concurrency + 1`.
  depth: 3,
  digest: nodeDigest,
  // A part goes in as a plain buffer and comes back as one (transferred there and back).
  file: () => hashFile(parts) as FileHasher,
  shared: {
    // Where no `warm` came first, the first part's buffer starts the worker (~40 ms): while its bytes
    // are copied in, instead of once the part is cut.
    // Past `sharedSizes`, a part of a new size is plain: moved to the worker and back, so not kept there.
    allocate: (size) => (!sharable(size) ? new Uint8Array(size) : (workersStart(whole), new Uint8Array(new SharedArrayBuffer(size)))),
    file: () => hashFile(whole),
    // Only while the worker runs: its retirement (or death) drops the lists. Where workers cannot
    // start nothing would, so each chunker keeps its own, freed with it (and so does one whose size is not shared).
    pool: (size) => (sharable(size) && workersStart(whole) ? pools.get(size) ?? pools.set(size, []).get(size)! : []),
    copy: copyInto,
    warm: () => void workersStart(whole),
  },
}

// ---------------------------------------------------------------------------------------------
// helpers

const sha1Of = (bytes: Uint8Array): Uint8Array => new Uint8Array(createHash('sha1').update(bytes).digest())

/**
 * One file's hashing: small files on this thread, others on the workers; `partThread` takes the
 * part digests (the whole-file worker itself, for one thread doing both passes in order).
 */
const hashFile = (partThread: Thread): FileHasher<ArrayBufferLike> => {
  const file = nextFile++
  /** Decided on the first part, so that every update of the file goes the same way, in order. */
  let local: ReturnType<typeof createHash> | undefined
  let started = false
  /** Whether the whole-file worker holds this file's hash (from its first part to its digest). */
  let held = false
  /** The whole-file worker's life (`Thread.deaths`) when it took the hash: another means it died with it. */
  let life = 0
  const lost = (): boolean => held && life !== whole.deaths
  const release = (): void => {
    // A dead worker's files were all let go at once (`failAll`).
    if (held && !lost()) whole.open--
    held = false
  }
  return {
    part: (bytes) => {
      if (!started) {
        local = bytes.length < smallPart || !workersStart(partThread) ? createHash('sha1') : undefined
        held = local === undefined
        life = whole.deaths
        if (held) whole.open++
      }
      started = true
      // A new worker would take the next part for the first one and hash the rest of the file only.
      if (lost()) return Promise.reject(hashLost)
      if (local !== undefined) {
        local.update(bytes)
        return Promise.resolve({ bytes, sha1: sha1Of(bytes) })
      }
      // Shared memory: read where it is; the caller's view is the part. Posted now, so the
      // whole-file worker gets the parts in call order; the part is done once both passes are.
      if (isShared(bytes)) {
        if (partThread === whole) return call(whole, { op: 'both', id: 0, file, bytes }).then(({ sha1 }) => ({ bytes, sha1 }))
        return Promise.all([call(whole, { op: 'update', id: 0, file, bytes }), call(partThread, { op: 'part', id: 0, bytes })])
          .then(([, { sha1 }]) => ({ bytes, sha1 }))
      }
      // A small part's own digest is taken here before its buffer leaves; the first part's comes
      // back with it from the whole-file worker (see 'update' in the script).
      const sha1 = bytes.length < smallPart ? sha1Of(bytes) : undefined
      return call(whole, { op: 'update', id: 0, file, bytes }).then(({ bytes, sha1: first }) =>
        sha1 !== undefined ? { bytes, sha1 } : first.length > 0 ? { bytes, sha1: first }
          : call(partThread, { op: 'part', id: 0, bytes }).then(({ bytes, sha1 }): Hashed<ArrayBufferLike> => ({ bytes, sha1 })),
      )
    },
    digest: () => {
      if (local !== undefined) return Promise.resolve(new Uint8Array(local.digest()))
      if (!started) return nodeDigest(new Uint8Array(0))
      if (lost()) return Promise.reject(hashLost)
      release()
      return call(whole, { op: 'digest', id: 0, file }).then(({ sha1 }) => sha1)
    },
    abandon: () => {
      if (!held || lost()) return void (held = false)
      release()
      call(whole, { op: 'digest', id: 0, file }).catch(() => undefined)
    },
  }
}

/**
 * The workers' code, evaluated from this string: no file to resolve from source, dist or a bundle.
 * Dynamic `import()` works whether Node evaluates it as CommonJS or, under `--input-type=module`,
 * as an ES module; messages wait in the port until the listener is attached.
 */
const script = `
Promise.all([import('node:worker_threads'), import('node:crypto')]).then(([{ parentPort }, { createHash }]) => {
  const files = new Map()
  // A transferred buffer goes back; shared memory stays where it is.
  const reply = (message, bytes) =>
    bytes.buffer instanceof ArrayBuffer ? parentPort.postMessage({ ...message, bytes }, [bytes.buffer]) : parentPort.postMessage(message)
  parentPort.on('message', ({ op, id, file, bytes }) => {
    if (op === 'part') {
      reply({ id, sha1: new Uint8Array(createHash('sha1').update(bytes).digest()) }, bytes)
    } else if (op === 'update' || op === 'both') {
      // A file's first part is read once: the whole-file hash after it is that part's own SHA-1
      // state, so a copy of it gives the part's digest. 'both' (a shared part, both passes on this
      // thread) hashes the other parts a second time here; 'update' leaves them to the part worker.
      let hash = files.get(file)
      const first = hash === undefined
      if (first) files.set(file, (hash = createHash('sha1')))
      hash.update(bytes)
      const sha1 = first ? hash.copy().digest() : op === 'both' ? createHash('sha1').update(bytes).digest() : undefined
      reply(sha1 === undefined ? { id } : { id, sha1: new Uint8Array(sha1) }, bytes)
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
  readonly pending: Map<number, { readonly resolve: (reply: Reply) => void; readonly reject: (error: unknown) => void }>
  /** Files whose whole-file hash lives in this worker (their digest not asked yet): it must not stop. */
  open: number
  /** How many of its workers died (not retired): a file hashed by an earlier one lost its hash. */
  deaths: number
  /** Stops the worker once it has been idle for `idleMs`. */
  idle?: ReturnType<typeof setTimeout>
}

/**
 * Free shared part buffers by size, for every chunker (`SharedParts.pool`): the worker is sent the
 * same few buffers upload after upload. Fresh ones per upload would each stay alive as long as the
 * worker's heap holds a wrapper of them (see `idleMs`): ~24 MiB more per 20 MB upload, 720 MiB after
 * 30 back to back. Dropped with the worker when it retires, so an idle process frees them.
 */
const pools = new Map<number, Uint8Array[]>()

/**
 * How many part sizes get shared buffers while the worker runs. The worker keeps each shared buffer it was sent alive
 * until it stops, and a free buffer serves only parts of its own size; a file smaller than its part size has a buffer
 * of the file's size. So a busy server uploading such files, each of another size, with never 1 s idle, piled up one
 * buffer per file (measured: 200 uploads of 3 MiB + k × 4 KiB one after another, +690 MiB of RSS, all 200 buffers
 * alive, freed only once the worker stopped). Box's part sizes are a few (8, 16, 32 MiB…); parts of a size past
 * these are plain, moved there and back (the plain parts' cost: ~0.7 CPU-s of garbage collection per GiB).
 */
const sharedSizes = 16

/** Whether a part buffer of `size` bytes goes in shared memory: 1 MiB and more, of a size pooled or while fewer than `sharedSizes` are. */
const sharable = (size: number): boolean => size >= smallPart && (pools.has(size) || pools.size < sharedSizes)

const parts: Thread = { pending: new Map(), open: 0, deaths: 0 }
const whole: Thread = { pending: new Map(), open: 0, deaths: 0 }

/** Why a file's next part or digest fails once the worker holding its whole-file hash died. */
const hashLost = new Error('the SHA-1 worker thread holding this file\'s whole-file hash exited')

/**
 * How long a worker with nothing to do lives on. Stopping it frees its heap, where each shared part
 * it was sent leaves a wrapper that keeps the part's memory alive until that heap is collected,
 * which an idle worker never does; a worker starts again in ~30 ms.
 */
const idleMs = 1000
let nextId = 0
let nextFile = 0

/** Whether the worker threads run here (a permission model or an embedder may forbid them); else everything is hashed on this thread. */
let workersRefused = false
const workersStart = (partThread: Thread): boolean => {
  if (workersRefused) return false
  try {
    started(partThread)
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
    if (thread.pending.size === 0) {
      worker.unref()
      if (thread.open === 0) thread.idle = setTimeout(() => retire(thread, worker), idleMs).unref()
    }
    waiting?.resolve(reply)
  })
  const failAll = (error: unknown): void => {
    // 'error' then 'exit': the second must not touch the worker that may have replaced this one.
    if (thread.worker !== worker) return
    thread.worker = undefined
    if (thread === whole) pools.clear()
    thread.open = 0
    thread.deaths++
    for (const waiting of thread.pending.values()) waiting.reject(error)
    thread.pending.clear()
  }
  worker.on('error', failAll)
  worker.on('exit', (code) => failAll(new Error(`a SHA-1 worker thread exited (code ${code})`)))
  worker.unref()
  // Started ahead of its first call (`warm`, `allocate`): it stops if none comes, like an idle one.
  thread.idle = setTimeout(() => retire(thread, worker), idleMs).unref()
  return (thread.worker = worker)
}

/** Stops an idle worker; the next call starts a new one. */
const retire = (thread: Thread, worker: Worker): void => {
  if (thread.worker !== worker || thread.pending.size > 0 || thread.open > 0) return
  thread.worker = undefined
  if (thread === whole) pools.clear()
  // Its exit must not fail the calls of the worker that replaces it; an error while it stops is of no interest.
  worker.removeAllListeners()
  worker.on('error', () => undefined)
  void worker.terminate()
}

/**
 * Sends a request to a worker. A part's plain buffer travels there and back, detached meanwhile;
 * shared memory is only read there, and the answer carries the caller's own view.
 */
const call = (thread: Thread, request: Request): Promise<Required<Reply>> =>
  new Promise((resolve, reject) => {
    clearTimeout(thread.idle)
    const worker = started(thread)
    const id = nextId++
    const sent = 'bytes' in request ? request.bytes : undefined
    const moved = sent !== undefined && !isShared(sent) ? [sent.buffer as ArrayBuffer] : []
    thread.pending.set(id, { resolve: (reply) => resolve({ bytes: sent ?? new Uint8Array(0), sha1: new Uint8Array(0), ...reply }), reject })
    worker.ref()
    worker.postMessage({ ...request, id }, moved)
  })
