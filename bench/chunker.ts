/**
 * Chunker throughput: ≥ 1 GiB from a source of random 1–128 KiB views through the chunker with
 * 8 MiB parts (both SHA-1s, the copy and the streams included), next to single-pass SHA-1 over the
 * same chunks in the same run: node:crypto for the Node path, hash-wasm for the portable path.
 */
import { createHash } from 'node:crypto'
import { createSHA1 } from 'hash-wasm'
import { chunker } from '../src/Chunker.ts'
import { defaultSha1, sha1Implementation, type Sha1 } from '../src/Sha1.ts'
import { sha1 as hashWasmSha1 } from '../src/sha1/hashWasm.ts'
import { nodeCrypto, subtleNodeCrypto } from '../src/sha1/nodeCrypto.node.ts'
import { median } from './stats.ts'
import { chunkPlan, eachChunk, MiB, randomBuffer, sourceStream } from './source.ts'

const total = Number(process.env['BENCH_BYTES'] ?? 1024 * MiB)
const partSize = 8 * MiB
const mbps = (bytes: number, ms: number): number => bytes / 1e6 / (ms / 1000)

/** CPU seconds (all threads of the process) per GB of the runs timed so far, by label. */
const cpu = new Map<string, number[]>()

const time = async (f: () => unknown, label = ''): Promise<number> => {
  const usage = process.cpuUsage()
  const start = performance.now()
  await f()
  const ms = performance.now() - start
  const used = process.cpuUsage(usage)
  cpu.set(label, [...(cpu.get(label) ?? []), (used.user + used.system) / 1e6 / (total / 1e9)])
  return ms
}

/** A chunker configuration: its SHA-1, and whether parts go to shared memory (what `upload` asks for). */
interface Variant {
  readonly sha1: Sha1
  readonly shared?: boolean
}

const runChunker = (buffer: Uint8Array, plan: Uint32Array, { sha1, shared = false }: Variant, fileSize = total) => async (): Promise<void> => {
  const c = chunker({ partSize, fileSize, sha1, shared })
  await sourceStream(buffer, plan).pipeThrough(c).pipeTo(new WritableStream({ write: (part) => part.release() }))
  await c.digest
}

const nodeSinglePass = (buffer: Uint8Array, plan: Uint32Array) => (): string => {
  const hash = createHash('sha1')
  eachChunk(buffer, plan, (chunk) => hash.update(chunk))
  return hash.digest('base64')
}

const hashWasmSinglePass = (buffer: Uint8Array, plan: Uint32Array) => async (): Promise<void> => {
  const hash = (await createSHA1()).init()
  eachChunk(buffer, plan, (chunk) => hash.update(chunk))
  hash.digest('binary')
}

const limitName = 'node:crypto SHA-1, single pass (the limit)'
const wasmName = 'hash-wasm SHA-1, single pass (portable limit)'

/** One line: median MB/s over the rounds, and the median of the per-round ratios to `limit` (same round). */
const row = (name: string, ms: ReadonlyArray<number>, limit?: ReadonlyArray<number>): string =>
  `  ${name.padEnd(48)} ${mbps(total, median(ms)).toFixed(0).padStart(6)} MB/s  (${ms.map((m) => mbps(total, m).toFixed(0)).join(', ')})` +
  `  cpu ${median(cpu.get(name) ?? [0]).toFixed(2)} s/GB` +
  (limit === undefined ? '' : `   ratio ${median(ms.map((m, i) => limit[i]! / m)).toFixed(2)}`)

/** Runs the chunker benchmark and prints its table: medians of `BENCH_ROUNDS` (3) rounds, each measuring everything once. */
export const run = async (): Promise<void> => {
  const rounds = Number(process.env['BENCH_ROUNDS'] ?? 3)
  const buffer = randomBuffer(256 * MiB)
  const plan = chunkPlan(total)
  console.log(`chunker: ${(total / MiB).toFixed(0)} MiB in ${plan.length} chunks of 1–128 KiB, 8 MiB parts, default SHA-1 = ${sha1Implementation}; ${rounds} rounds, median (each round)`)
  const variants: ReadonlyArray<readonly [string, Variant]> = [
    [`chunker, default (${defaultSha1.implementation})`, { sha1: defaultSha1 }],
    // one more part cut ahead while the reader waits: more overlap, one more part of memory
    [`chunker, default with depth ${defaultSha1.depth + 1}`, { sha1: { ...defaultSha1, depth: defaultSha1.depth + 1 } }],
    // what `upload` uses: no part moves between threads (less GC there), one worker for both passes
    ...(defaultSha1.shared ? [[`chunker, default with shared: true (one worker)`, { sha1: defaultSha1, shared: true }] as const] : []),
    ...[nodeCrypto, subtleNodeCrypto].filter((s) => s !== defaultSha1).map((s) => [`chunker, ${s.implementation}`, { sha1: s }] as const),
    [`chunker, portable (${hashWasmSha1.implementation})`, { sha1: hashWasmSha1 }],
  ]
  const times = {
    node: [] as number[],
    wasm: [] as number[],
    variants: variants.map(() => [] as number[]),
  }
  // warm-up: JIT, the worker thread, page faults of the source buffer
  await time(nodeSinglePass(buffer, plan))
  for (const [, variant] of variants) await time(runChunker(buffer, chunkPlan(64 * MiB), variant, 64 * MiB))
  for (let r = 0; r < rounds; r++) {
    times.node.push(await time(nodeSinglePass(buffer, plan), limitName))
    for (const [k, [name, variant]] of variants.entries()) times.variants[k]!.push(await time(runChunker(buffer, plan, variant), name))
    times.wasm.push(await time(hashWasmSinglePass(buffer, plan), wasmName))
  }
  console.log(row(limitName, times.node))
  for (const [k, [name, { sha1 }]] of variants.entries())
    console.log(row(name, times.variants[k]!, sha1 === hashWasmSha1 ? times.wasm : times.node))
  console.log(row(wasmName, times.wasm))
  console.log('  ratio: per round, chunker time vs the single pass over the same chunks; cpu: all threads of the process')
}
