/** The Node SHA-1s pass the vectors, and every implementation agrees with node:crypto on random data. */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build } from 'esbuild'
import fc from 'fast-check'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { defaultSha1, sha1Implementation, toHex } from '../src/Sha1.ts'
import { sha1 as featureDetected } from '../src/sha1/default.ts'
import { sha1 as hashWasm } from '../src/sha1/hashWasm.ts'
import { nodeCrypto, subtleNodeCrypto } from '../src/sha1/nodeCrypto.node.ts'
import { pure, subtlePure } from '../src/sha1/pure.ts'
import { workerSha1 } from '../src/sha1/worker.node.ts'
import { runModule } from './helpers/childModule.ts'
import { retainedArrayBuffers } from './helpers/memory.ts'
import { assertVectors, hashInParts } from './helpers/sha1Vectors.ts'

const Sha1 = suite('sha1 (node)')
const all = [nodeCrypto, subtleNodeCrypto, workerSha1, hashWasm, pure, subtlePure]

Sha1('should select node:crypto with a worker thread under the node condition', () => {
  assert.is(sha1Implementation, 'node:crypto+worker')
  assert.is(defaultSha1, workerSha1)
})

// README's table, The chunker and SHA-1: how far each cuts ahead while the reader waits (its `sha1.depth`).
Sha1("should cut up to 3 parts ahead with Node's and Bun's default, 2 or 1 with the others", () => {
  assert.equal(Object.fromEntries([workerSha1, subtleNodeCrypto, hashWasm, subtlePure, nodeCrypto, pure].map((sha1) => [sha1.implementation, sha1.depth])), {
    'node:crypto+worker': 3, 'subtle+node:crypto': 2, 'subtle+hash-wasm': 2, 'subtle+pure': 2, 'node:crypto': 1, pure: 1,
  })
})

// README's table: under the `default` condition, `crypto.DigestStream` where there is one (workerd's look-alikes:
// WebAssembly may not compile there), else hash-wasm. A fresh process, since the choice is made as the module loads.
Sha1('should pick crypto.DigestStream under the default condition where there is one, else hash-wasm', async () => {
  assert.is(featureDetected.implementation, 'subtle+hash-wasm', 'Node has no crypto.DigestStream')
  const script = `
    crypto.DigestStream = class DigestStream {}
    const { sha1 } = await import('./src/sha1/default.ts')
    console.log(sha1.implementation + ' ' + sha1.depth)
  `
  assert.is((await runModule(script)).trim(), 'subtle+digest-stream 2')
})

// README's table: the browser's hash-wasm falls back to pure TypeScript where WASM is refused (a CSP without
// 'wasm-unsafe-eval' makes WebAssembly.compile and instantiate fail). A fresh process, not to break WASM for others.
Sha1('should give the right SHA-1 through the chunker with subtle+hash-wasm where WebAssembly is refused', async () => {
  const data = Uint8Array.from({ length: 250_003 }, (_, i) => (i * 7) & 0xff)
  const script = `
    const { sha1 } = await import('./src/sha1/hashWasm.ts')
    const { chunker } = await import('./src/Chunker.ts')
    // Refused once the modules are loaded: tsx's own lexer compiles WebAssembly as it loads them.
    let refused = 0
    const refuse = () => (refused++, Promise.reject(new WebAssembly.CompileError("Refused to compile or instantiate WebAssembly module because 'wasm-unsafe-eval' is not an allowed source of script")))
    WebAssembly.compile = refuse
    WebAssembly.instantiate = refuse
    const data = Uint8Array.from({ length: ${data.length} }, (_, i) => (i * 7) & 0xff)
    const c = chunker({ partSize: 100_000, fileSize: data.length, sha1 })
    const parts = []
    for await (const part of new Blob([data]).stream().pipeThrough(c)) parts.push(part.sha1)
    console.log(JSON.stringify({ refused: refused > 0, digest: await c.digest, parts }))
  `
  const sha1Of = (bytes: Uint8Array): string => createHash('sha1').update(bytes).digest('base64')
  assert.equal(JSON.parse(await runModule(script)), {
    refused: true,
    digest: sha1Of(data),
    parts: [0, 1, 2].map((k) => sha1Of(data.subarray(k * 100_000, (k + 1) * 100_000))),
  })
})

for (const sha1 of [nodeCrypto, subtleNodeCrypto, workerSha1])
  Sha1(`should pass the FIPS 180 vectors with ${sha1.implementation}`, () => assertVectors(sha1))

Sha1('should hash parts of 1 MiB and more on the worker thread, same answers', async () => {
  const message = Uint8Array.from({ length: 3 * 1024 * 1024 + 11 }, (_, i) => (i * 7) & 0xff)
  const { digest, parts } = await hashInParts(workerSha1, message, [1024 * 1024 + 5])
  assert.is(digest, createHash('sha1').update(message).digest('hex'))
  assert.equal(parts.map((p) => p.sha1), [0, 1, 2].map((k) => createHash('sha1').update(message.subarray(k * (1024 * 1024 + 5), (k + 1) * (1024 * 1024 + 5))).digest('hex')))
  assert.equal(parts.flatMap((p) => p.bytes).length, message.length)
})

Sha1('should let the process exit once hashing is done (the worker threads hold no reference)', async () => {
  const script = `
    import { workerSha1 } from './src/sha1/worker.node.ts'
    const file = workerSha1.file()
    await file.part(new Uint8Array(2 * 1024 * 1024))
    console.log(Buffer.from(await file.digest()).toString('hex'))
  `
  const started = Date.now()
  const stdout = await runModule(script)
  assert.is(stdout.trim(), createHash('sha1').update(new Uint8Array(2 * 1024 * 1024)).digest('hex'))
  assert.ok(Date.now() - started < 15_000)
})

Sha1('should hash parts in shared memory where they are: same views back, same answers as node:crypto', async () => {
  const shared = workerSha1.shared
  if (shared === undefined) return assert.unreachable('the worker SHA-1 offers shared part buffers')
  const size = 1024 * 1024 + 5
  const message = Uint8Array.from({ length: 3 * size - 100 }, (_, i) => (i * 13) & 0xff)
  const file = shared.file()
  const views = [0, 1, 2].map((k) => {
    const buffer = shared.allocate(size)
    assert.ok(buffer.buffer instanceof SharedArrayBuffer, 'a part buffer of 1 MiB or more is shared memory')
    const chunk = message.subarray(k * size, (k + 1) * size)
    buffer.set(chunk)
    return buffer.subarray(0, chunk.length)
  })
  const hashed = await Promise.all(views.map((view) => file.part(view)))
  hashed.forEach((h, k) => {
    assert.ok(h.bytes === views[k], `part ${k}: the caller's own view, not a moved copy`)
    assert.is(h.bytes.length, views[k]!.length, `part ${k} still readable`)
    assert.is(toHex(h.sha1), createHash('sha1').update(message.subarray(k * size, (k + 1) * size)).digest('hex'), `part ${k}`)
  })
  assert.is(toHex(await file.digest()), createHash('sha1').update(message).digest('hex'))
  assert.ok(shared.allocate(1000).buffer instanceof ArrayBuffer, 'small parts stay in plain buffers (hashed on this thread)')
})

/** Threads this process gains while hashing one file of `kind` parts (counted in a child process: helpers/threads.ts). */
const threadsFor = async (kind: 'plain' | 'shared'): Promise<number> => {
  const script = `
    import { workerSha1 } from './src/sha1/worker.node.ts'
    import { threadCount as threads } from './test/helpers/threads.ts'
    const before = threads()
    const shared = ${JSON.stringify(kind)} === 'shared'
    const file = shared ? workerSha1.shared.file() : workerSha1.file()
    const bytes = shared ? workerSha1.shared.allocate(2 << 20) : new Uint8Array(2 << 20)
    await file.part(bytes.fill(7))
    const during = threads()
    await file.digest()
    process.stdout.write(String(during - before))
  `
  const stdout = await runModule(script)
  const count = Number(stdout.trim())
  if (!Number.isInteger(count)) throw new Error(`unexpected output: ${stdout.slice(0, 300)}`)
  return count
}

/**
 * A child process whose worker threads are recorded as they are made (node:worker_threads patched
 * before the hasher loads), running `body` with `workerSha1`, `made`, `part(fill)` (a 2 MiB shared
 * part), `expected(...fills)` (the SHA-1 of such parts in order) and `hex`; prints what `body` returns.
 */
const withRecordedWorkers = async (body: string): Promise<unknown> => {
  const script = `
    import workerThreads from 'node:worker_threads'
    import { syncBuiltinESMExports } from 'node:module'
    import { createHash } from 'node:crypto'
    const made = []
    const Made = workerThreads.Worker
    workerThreads.Worker = class extends Made { constructor(...args) { super(...args); made.push(this) } }
    syncBuiltinESMExports()
    const { workerSha1 } = await import('./src/sha1/worker.node.ts')
    const { backTo, threadCount: threads } = await import('./test/helpers/threads.ts')
    const part = (fill) => workerSha1.shared.allocate(2 << 20).fill(fill)
    const expected = (...fills) => { const h = createHash('sha1'); for (const f of fills) h.update(new Uint8Array(2 << 20).fill(f)); return h.digest('hex') }
    const hex = (bytes) => Buffer.from(bytes).toString('hex')
    const outcome = (promise) => promise.then((value) => ({ ok: true, value }), (e) => ({ ok: false, error: String(e?.message ?? e) }))
    const result = await (async () => { ${body} })()
    process.stdout.write(JSON.stringify(result))
    process.exit(0)
  `
  return JSON.parse(await runModule(script))
}

Sha1('should fail the files whose whole-file hash died with the worker, and keep later files right', async () => {
  // Two files open in the worker; it dies with nothing pending (killed, out of memory). A new
  // worker would take B's next part for its first: B must fail, not commit a hash of its tail.
  const result = await withRecordedWorkers(`
    const shared = workerSha1.shared
    const a = shared.file(), b = shared.file()
    await a.part(part(1))
    await b.part(part(2))
    await made.at(-1).terminate()
    await new Promise((resolve) => setTimeout(resolve, 50))
    const next = await outcome(b.part(part(3)))
    const digest = await outcome(b.digest())
    a.abandon()
    // A later file, with a pause longer than the worker's idle time between its parts: the worker
    // must not retire with its hash (the count of open files must not have gone wrong).
    const c = shared.file()
    await c.part(part(4))
    await new Promise((resolve) => setTimeout(resolve, 1500))
    await c.part(part(5))
    const later = hex(await c.digest())
    return { next, digest, laterRight: later === expected(4, 5) }
  `) as { next: { ok: boolean; error?: string }; digest: { ok: boolean; error?: string }; laterRight: boolean }
  assert.is(result.next.ok, false, 'the next part of a file whose hash died fails')
  assert.match(result.next.error ?? '', 'holding this file')
  assert.is(result.digest.ok, false, 'and so does its digest')
  assert.ok(result.laterRight, 'a file started afterwards gets its own digest, across a pause')
})

Sha1('should ignore the exit of a worker that already failed: the one replacing it keeps its calls and still retires', async () => {
  // A crash gives 'error' and then 'exit'; a new worker may start in between.
  const result = await withRecordedWorkers(`
    const shared = workerSha1.shared
    const before = threads()
    const a = shared.file()
    await a.part(part(1))
    const first = made.at(-1)
    const b = shared.file()
    let replaced
    first.once('error', () => { replaced = outcome(b.part(part(2)).then(() => b.digest())) })
    // Listened for before the crash: its 'exit' may come before the lost part's rejection is seen.
    const exited = new Promise((resolve) => first.once('exit', resolve))
    // An uncaught exception in the worker, as out-of-memory is reported: a message it cannot read.
    first.postMessage({ op: 'both', id: -1, file: -1 })
    const lost = await outcome(a.part(part(3)))
    await exited
    const other = await replaced
    return { lost: lost.ok, replaced: other?.ok && hex(other.value) === expected(2), retiredInMs: await backTo(before, 5000), left: threads() - before }
  `) as { lost: boolean; replaced: boolean; retiredInMs: number; left: number }
  assert.is(result.lost, false, 'the crashed worker\'s file fails')
  assert.is(result.replaced, true, 'a file sent to the new worker between error and exit is hashed right')
  assert.is(result.left, 0, `the new worker retires when idle (waited ${result.retiredInMs} ms)`)
})

Sha1('should hash shared parts on one worker thread, plain ones on two', async () => {
  // An upload is paced by the network: a second hashing thread would only compete for the cores.
  assert.is(await threadsFor('shared'), 1, 'threads started for a file of shared parts')
  assert.is(await threadsFor('plain'), 2, 'threads started for a file of plain parts')
})

Sha1('should start the worker when a shared part buffer is allocated, and stop it after a second if no part comes', async () => {
  // So that the thread starts (~40 ms) while the first part is copied in, not after.
  const script = `
    import { workerSha1 } from './src/sha1/worker.node.ts'
    import { backTo, threadCount as threads } from './test/helpers/threads.ts'
    const before = threads()
    workerSha1.shared.allocate(1000)
    const small = threads() - before
    workerSha1.shared.allocate(2 << 20)
    const started = threads() - before
    const stoppedAfterMs = await backTo(before)
    process.stdout.write(JSON.stringify({ small, started, left: threads() - before, stoppedAfterMs }))
  `
  const stdout = await runModule(script)
  const result = JSON.parse(stdout) as { small: number; started: number; left: number; stoppedAfterMs: number }
  assert.is(result.small, 0, 'a buffer under 1 MiB (hashed on this thread) starts no worker')
  assert.is(result.started, 1, 'a shared part buffer starts the worker at once')
  assert.is(result.left, 0, `the worker, never called, still runs after ${result.stoppedAfterMs} ms`)
  assert.ok(result.stoppedAfterMs >= 900, `stopped after ${result.stoppedAfterMs} ms: not before its idle second`)
})

Sha1('should start the worker on warm(), once however often it is called; it serves the next file, and stops after a second if none comes', async () => {
  // \`upload\` warms it before creating its session.
  const script = `
    import { createHash } from 'node:crypto'
    import { workerSha1 } from './src/sha1/worker.node.ts'
    import { backTo, threadCount as threads } from './test/helpers/threads.ts'
    const before = threads()
    workerSha1.shared.warm()
    workerSha1.shared.warm()
    const warmed = threads() - before
    const stoppedAfterMs = await backTo(before)
    workerSha1.shared.warm()
    const file = workerSha1.shared.file()
    const bytes = workerSha1.shared.allocate(2 << 20).fill(7)
    const part = await file.part(bytes)
    const during = threads() - before
    const digest = await file.digest()
    const right = createHash('sha1').update(bytes).digest('hex')
    const hex = (b) => Buffer.from(b).toString('hex')
    process.stdout.write(JSON.stringify({ warmed, stoppedAfterMs, during, right: hex(part.sha1) === right && hex(digest) === right }))
  `
  const result = JSON.parse(await runModule(script)) as { warmed: number; stoppedAfterMs: number; during: number; right: boolean }
  assert.is(result.warmed, 1, 'threads started by two warm() calls')
  assert.ok(result.stoppedAfterMs >= 900 && result.stoppedAfterMs < 10_000, `stopped after ${result.stoppedAfterMs} ms: not before its idle second, nor never`)
  assert.is(result.during, 1, 'threads hashing the file that followed a warm()')
  assert.ok(result.right, 'part and file digests equal node:crypto\'s')
})

Sha1('should let go of shared part memory once the workers have been idle for a second', async () => {
  const shared = workerSha1.shared
  if (shared === undefined) return assert.unreachable('the worker SHA-1 offers shared part buffers')
  const MiB = 1024 * 1024
  const before = await retainedArrayBuffers()
  const expected = createHash('sha1')
  await (async () => {
    const file = shared.file()
    for (let k = 0; k < 4; k++) {
      const part = shared.allocate(8 * MiB).fill(k + 1)
      expected.update(part)
      await file.part(part)
    }
    assert.is(toHex(await file.digest()), expected.digest('hex'))
  })()
  // Each worker keeps a wrapper of every shared part it was sent until its heap is collected,
  // which an idle worker never does: the memory comes back only when the worker stops.
  await new Promise((resolve) => setTimeout(resolve, 1500))
  const after = await retainedArrayBuffers()
  assert.ok(after - before < 4 * MiB, `${((after - before) / MiB).toFixed(1)} MiB of part buffers still held`)
})

Sha1('should keep the whole-file hash of a file across a pause longer than the idle time of the workers', async () => {
  const message = Uint8Array.from({ length: 2 * 1024 * 1024 + 3 }, (_, i) => (i * 5) & 0xff)
  const file = workerSha1.file()
  await file.part(message.slice(0, 1024 * 1024))
  // Longer than the idle time after which a worker with no open file stops (and forgets its hashes).
  await new Promise((resolve) => setTimeout(resolve, 1500))
  await file.part(message.slice(1024 * 1024))
  assert.is(toHex(await file.digest()), createHash('sha1').update(message).digest('hex'))
})

Sha1('should agree with node:crypto on random data and random part sizes (fast-check, seed 3)', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.uint8Array({ minLength: 0, maxLength: 3000 }),
      fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 5 }),
      async (message, sizes) => {
        const expected = createHash('sha1').update(message).digest('hex')
        for (const sha1 of all) {
          assert.is(toHex(await sha1.digest(message.slice())), expected, `${sha1.implementation} one-shot`)
          assert.is((await hashInParts(sha1, message, sizes)).digest, expected, `${sha1.implementation} in parts`)
        }
      },
    ),
    { seed: 3, numRuns: 60 },
  )
})

/**
 * The permission model's flag, by what this Node knows: `--permission` since 22.13 (nodejs/node#56201), and the only
 * one from 24 on (#56240 dropped `--experimental-permission`); Node 20 knows only `--experimental-permission`.
 */
const permission = process.allowedNodeEnvironmentFlags.has('--permission') ? '--permission' : '--experimental-permission'

Sha1('should share part buffers between chunkers only while a worker runs: none where worker threads are refused', async () => {
  // Only a worker's retirement empties the process-wide lists: where none can start (Node's permission
  // model without --allow-worker), a list kept them for the life of the process.
  const dir = mkdtempSync(join(tmpdir(), 'box-pool-'))
  try {
    const script = join(dir, 'pool.mjs')
    await build({
      stdin: {
        contents: `import { workerSha1 } from './src/sha1/worker.node.ts'
const shared = workerSha1.shared
const size = 2 * 1024 * 1024
shared.pool(size).push(shared.allocate(size))
process.stdout.write(String(shared.pool(size).length))
process.exit(0)`,
        resolveDir: process.cwd(), loader: 'ts',
      },
      bundle: true, platform: 'node', format: 'esm', outfile: script, logLevel: 'error',
    })
    const kept = (flags: ReadonlyArray<string>): string => execFileSync(process.execPath, [...flags, script], { encoding: 'utf8', timeout: 20_000 }).trim()
    assert.is(kept([]), '1', 'with a worker running, the next chunker of that size finds the buffer')
    assert.is(kept([permission, '--allow-fs-read=*', '--no-warnings']), '0', 'with worker threads refused, nothing is shared (nor kept)')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

Sha1.run()
