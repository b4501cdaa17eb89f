/**
 * Upload throughput: 1 GiB through the emulator running in its OWN process (compiled from the
 * current source, as the package ships it; `BENCH_EMULATOR=source` runs it through tsx instead;
 * digest storage, 30 ms added to every answer), with this library at concurrency 4 and with Box's official SDK
 * `uploadBigFile` (box-typescript-sdk-gen) on the same emulator in the same run. Our first 1 GiB
 * upload gives the peak RSS above its baseline (target ≤ (concurrency + 2) × part size) and warms
 * the emulator; after one warm-up upload by the SDK, `BENCH_UPLOAD_ROUNDS` (3) rounds of one upload
 * each, alternating which side goes first; then as many by a client that only sends precomputed
 * parts (`ceiling.ts`: the emulator's ceiling on this machine). Prints every round, the median
 * throughputs and their ratio (target ≥ 3), the CPU time of both processes per GiB for each kind of
 * client (`cpu.ts`: what bounds a run on cores the two share), and appends the figures to
 * `.notes/bench-upload.md`.
 * `BENCH_UPLOAD_BYTES` overrides the size for a quick try (the ceiling needs 32 MiB parts: 256 MiB
 * or more, a multiple of 32 MiB).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { appendFileSync, mkdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { BoxClient, BoxDeveloperTokenAuth } from 'box-typescript-sdk-gen'
import { build } from 'esbuild'
import * as E from 'fp-ts/lib/Either.js'
import { client } from '../src/Client.ts'
import { upload } from '../src/Upload.ts'
import { ceilingUpload } from './ceiling.ts'
import { type CpuSample, type CpuUse, cpuSampler, cpuUse, describeCpu } from './cpu.ts'
import { chunkPlan, MiB, randomBuffer, sourceStream } from './source.ts'
import { median } from './stats.ts'

const total = Number(process.env['BENCH_UPLOAD_BYTES'] ?? 1024 * MiB)
const concurrency = 4
/** Measured rounds (each: one upload by each side); the figures are their medians. */
const roundCount = Number(process.env['BENCH_UPLOAD_ROUNDS'] ?? 3)
const latencyMs = 30
const token = 'dev-token'
const mbps = (bytes: number, ms: number): number => bytes / 1e6 / (ms / 1000)

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

/**
 * How the emulator's process runs: compiled to plain JavaScript by esbuild from the current source,
 * as the package's build does and as a user runs it (`box-chunked-upload/emulator/node`), or with
 * `BENCH_EMULATOR=source` through tsx, a TypeScript loader in the server's process: measured here,
 * its heap is ~9 MB against ~6.5, with twice the mark-compacts per GiB (~33 against ~15).
 */
const fromSource = process.env['BENCH_EMULATOR'] === 'source'
const emulatorScript = join(tmpdir(), `box-upload-bench-emulator-${process.pid}.mjs`)
const emulatorArgs = async (): Promise<ReadonlyArray<string>> => {
  if (fromSource) return ['--import', 'tsx', 'src/emulator/main.ts']
  await build({ entryPoints: ['src/emulator/main.ts'], bundle: true, platform: 'node', target: 'node20', format: 'esm', outfile: emulatorScript, logLevel: 'warning' })
  return [emulatorScript]
}

/** The emulator in a child process; resolves once it printed its URLs. */
const startEmulator = async (): Promise<{ readonly url: string; readonly apiUrl: string; readonly child: ChildProcess }> => {
  const child = spawn(process.execPath, await emulatorArgs(), {
    env: { ...process.env, PORT: '0', BOX_STORAGE: 'digest', BOX_LATENCY_MS: String(latencyMs), BOX_TOKENS: token },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let output = ''
  return await new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`emulator exited (${code}): ${output}`)))
    child.stdout?.on('data', (chunk: Buffer) => {
      output += String(chunk)
      const url = /upload API .*?\):\s*(http:\/\/\S+)/.exec(output)?.[1]
      const apiUrl = /\n\s*API .*?\):\s*(http:\/\/\S+)/.exec(output)?.[1]
      if (url !== undefined && apiUrl !== undefined) resolve({ url, apiUrl, child })
    })
  })
}

/** A measured upload: its duration, this process's peak RSS, and the CPU time of both processes at either end. */
interface Measured {
  readonly ms: number
  readonly peakRss: number
  readonly cpu: readonly [CpuSample, CpuSample]
}

/** Samples RSS every 10 ms while `f` runs, and both processes' CPU time before and after it. */
const measured = async (f: () => Promise<void>, cpu: () => CpuSample): Promise<Measured> => {
  let peakRss = process.memoryUsage.rss()
  const sampler = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage.rss()) }, 10)
  const before = cpu()
  const start = performance.now()
  try {
    await f()
    const ms = performance.now() - start
    return { ms, peakRss: Math.max(peakRss, process.memoryUsage.rss()), cpu: [before, cpu()] }
  } finally {
    clearInterval(sampler)
  }
}

/** The median of each figure of several CPU uses. */
const medianCpu = (uses: ReadonlyArray<CpuUse>): CpuUse => ({
  client: median(uses.map((u) => u.client)),
  emulator: median(uses.map((u) => u.emulator)),
  busyCores: median(uses.map((u) => u.busyCores)),
})

/** The same chunk plan as a Node stream for the SDK (fresh Buffers: the SDK keeps what it reads). */
const nodeSource = (buffer: Uint8Array, plan: Uint32Array): Readable => {
  let i = 0
  let at = 0
  return new Readable({
    read() {
      const size = plan[i++]
      if (size === undefined) return void this.push(null)
      if (at + size > buffer.length) at = 0
      this.push(Buffer.from(buffer.buffer, buffer.byteOffset + at, size))
      at += size
    },
  })
}

export const run = async (): Promise<void> => {
  const emulator = await startEmulator()
  const cpu = cpuSampler(emulator.child.pid)
  try {
    const buffer = randomBuffer(64 * MiB)
    const plan = chunkPlan(total)
    const box = client({ token, uploadUrl: emulator.url, apiUrl: emulator.apiUrl })
    const sdk = new BoxClient({ auth: new BoxDeveloperTokenAuth({ token }) }).withCustomBaseUrls({
      baseUrl: emulator.apiUrl.replace(/\/2\.0$/, ''),
      uploadUrl: emulator.url.replace(/\/2\.0$/, ''),
    })
    let partSize = 0
    const ours = async (bytes: number, name: string): Promise<void> => {
      const result = await upload(box)(
        { source: sourceStream(buffer, bytes === total ? plan : chunkPlan(bytes)), folderId: '0', fileName: `${name}-${Date.now()}.bin`, fileSize: bytes },
        { concurrency, onSession: (s) => { partSize = s.partSize } },
      )()
      if (E.isLeft(result)) throw new Error(`upload failed: ${JSON.stringify(result.left)}`)
    }
    const theirs = async (bytes: number, name: string): Promise<void> => {
      await sdk.chunkedUploads.uploadBigFile(nodeSource(buffer, bytes === total ? plan : chunkPlan(bytes)), `${name}-${Date.now()}.bin`, bytes, '0')
    }
    // Before each measured upload: a pause (the SHA-1 workers stop after 1 s idle, freeing the part
    // buffers they still reference) and a full GC, so that neither side pays for the other's garbage.
    const settled = async (): Promise<number> => {
      await new Promise((resolve) => setTimeout(resolve, 1500))
      gc()
      return process.memoryUsage.rss()
    }
    // Memory: our first large upload in this process, after a small one that loads the code. Later
    // uploads would reuse memory the allocator kept from earlier ones (ours or the SDK's), and RSS
    // would not show their buffers.
    await ours(24 * MiB, 'load')
    const baseline = await settled()
    const first = await measured(() => ours(total, 'first'), cpu)
    const growth = first.peakRss - baseline
    // Throughput: one unmeasured upload for the SDK too (ours was the one above), so that neither
    // side is measured on a cold emulator or before its code is compiled; then rounds alternating
    // which side goes first.
    await theirs(Math.min(total, 256 * MiB), 'warm-up-sdk')
    const measureOurs = async () => (await settled(), await measured(() => ours(total, 'bench'), cpu))
    const measureTheirs = async () => (await settled(), await measured(() => theirs(total, 'bench-sdk'), cpu))
    const rounds: Array<{ readonly ours: number; readonly theirs: number; readonly oursCpu: CpuUse; readonly theirsCpu: CpuUse }> = []
    for (let round = 0; round < roundCount; round++) {
      const [a, b] = round % 2 === 0
        ? [await measureOurs(), await measureTheirs()]
        : await measureTheirs().then(async (t) => [await measureOurs(), t] as const)
      rounds.push({ ours: mbps(total, a.ms), theirs: mbps(total, b.ms), oursCpu: cpuUse(total, ...a.cpu), theirsCpu: cpuUse(total, ...b.cpu) })
    }
    // The emulator's ceiling here: a client that only sends precomputed parts (bench/ceiling.ts).
    const ceiling = ceilingUpload(emulator.url, token, concurrency)
    const ceilings: Array<{ readonly mbps: number; readonly cpu: CpuUse }> = []
    const ceilingFits = total >= 256 * MiB && total % (32 * MiB) === 0
    for (let round = 0; ceilingFits && round < roundCount; round++) {
      await settled()
      const timed = await ceiling(total, `ceiling-${round}-${Date.now()}.bin`, cpu)
      ceilings.push({ mbps: mbps(total, timed.ms), cpu: cpuUse(total, timed.start, timed.end) })
    }
    const ourMbps = median(rounds.map((r) => r.ours))
    const sdkMbps = median(rounds.map((r) => r.theirs))
    const ceilingMbps = ceilingFits ? median(ceilings.map((c) => c.mbps)) : Number.NaN
    const budget = (concurrency + 2) * partSize
    const lines = [
      `upload ${(total / MiB).toFixed(0)} MiB via emulator in its own process (${fromSource ? 'from source through tsx' : 'compiled by esbuild'}, digest storage, ${latencyMs} ms per answer), part size ${partSize / MiB} MiB`,
      `  first upload (after 24 MiB only): this library ${mbps(total, first.ms).toFixed(1)} MB/s`,
      `  ${roundCount} rounds after one warm-up upload each, alternating which goes first:`,
      ...rounds.map((r, i) => `    round ${i + 1}: this library ${r.ours.toFixed(1)} MB/s, official SDK ${r.theirs.toFixed(1)} MB/s, ratio ${(r.ours / r.theirs).toFixed(2)}x`),
      `  this library, concurrency ${concurrency}: ${ourMbps.toFixed(1)} MB/s (median)`,
      `  official SDK uploadBigFile:       ${sdkMbps.toFixed(1)} MB/s (median)`,
      `  ratio of the medians: ${(ourMbps / sdkMbps).toFixed(2)}x (target >= 3)`,
      `  emulator ceiling, a client sending precomputed parts: ${ceilingMbps.toFixed(1)} MB/s (median of ${ceilings.map((c) => c.mbps.toFixed(0)).join(', ')}) = ${(ceilingMbps / sdkMbps).toFixed(2)}x the SDK; this library reaches ${((100 * ourMbps) / ceilingMbps).toFixed(0)}% of it`,
      `  CPU per upload, client process + emulator process (medians; the two share the machine's cores):`,
      `    this library:        ${describeCpu(medianCpu(rounds.map((r) => r.oursCpu)))}`,
      `    official SDK:        ${describeCpu(medianCpu(rounds.map((r) => r.theirsCpu)))}`,
      ...(ceilingFits ? [`    ceiling client:      ${describeCpu(medianCpu(ceilings.map((c) => c.cpu)))}`] : []),
      `  this library's peak RSS above baseline, first upload: ${(growth / MiB).toFixed(1)} MiB (target <= (concurrency + 2) x part size = ${(budget / MiB).toFixed(0)} MiB; part buffers (concurrency + 1) x part size = ${(((concurrency + 1) * partSize) / MiB).toFixed(0)} MiB)`,
    ]
    console.log(lines.join('\n'))
    mkdirSync('.notes', { recursive: true })
    // Appended, so that runs and the notes written about them accumulate.
    appendFileSync('.notes/bench-upload.md', `\n## Run of ${new Date().toISOString()}, node ${process.version}\n\n\`\`\`\n${lines.join('\n')}\n\`\`\`\n`)
  } finally {
    emulator.child.kill('SIGTERM')
    rmSync(emulatorScript, { force: true })
  }
}

if (process.argv[1]?.endsWith('upload.ts') === true) await run()
