/**
 * Upload throughput: 1 GiB through the emulator running in its OWN process (digest storage, 30 ms
 * added to every answer), with this library at concurrency 4 and with Box's official SDK
 * `uploadBigFile` (box-typescript-sdk-gen) on the same emulator in the same run. Prints both
 * throughputs, their ratio (target ≥ 3) and this library's peak RSS above its baseline (target
 * ≤ (concurrency + 2) × part size), and appends the figures to `.notes/bench-upload.md`.
 * `BENCH_UPLOAD_BYTES` overrides the size for a quick try.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { appendFileSync, mkdirSync } from 'node:fs'
import { Readable } from 'node:stream'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { BoxClient, BoxDeveloperTokenAuth } from 'box-typescript-sdk-gen'
import * as E from 'fp-ts/lib/Either.js'
import { client } from '../src/Client.ts'
import { upload } from '../src/Upload.ts'
import { chunkPlan, MiB, randomBuffer, sourceStream } from './source.ts'

const total = Number(process.env['BENCH_UPLOAD_BYTES'] ?? 1024 * MiB)
const concurrency = 4
const latencyMs = 30
const token = 'dev-token'
const mbps = (bytes: number, ms: number): number => bytes / 1e6 / (ms / 1000)

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

/** The emulator in a child process; resolves once it printed its URLs. */
const startEmulator = async (): Promise<{ readonly url: string; readonly apiUrl: string; readonly child: ChildProcess }> => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/emulator/main.ts'], {
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

/** Samples RSS every 10 ms while `f` runs; returns its duration and the peak. */
const measured = async <A>(f: () => Promise<A>): Promise<{ readonly ms: number; readonly peakRss: number; readonly value: A }> => {
  let peakRss = process.memoryUsage.rss()
  const sampler = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage.rss()) }, 10)
  const start = performance.now()
  try {
    const value = await f()
    return { ms: performance.now() - start, peakRss: Math.max(peakRss, process.memoryUsage.rss()), value }
  } finally {
    clearInterval(sampler)
  }
}

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
  try {
    const buffer = randomBuffer(64 * MiB)
    const plan = chunkPlan(total)
    const box = client({ token, uploadUrl: emulator.url, apiUrl: emulator.apiUrl })
    // A small upload first, so the baseline includes the code and connections, not the first-run JIT.
    const warmUp = 24 * MiB
    await upload(box)({ source: sourceStream(buffer, chunkPlan(warmUp)), folderId: '0', fileName: `warm-up-${Date.now()}.bin`, fileSize: warmUp })()
    gc()
    const baseline = process.memoryUsage.rss()
    let partSize = 0
    const ours = await measured(() =>
      upload(box)({ source: sourceStream(buffer, plan), folderId: '0', fileName: `bench-${Date.now()}.bin`, fileSize: total }, { concurrency, onSession: (s) => { partSize = s.partSize } })(),
    )
    if (E.isLeft(ours.value)) throw new Error(`upload failed: ${JSON.stringify(ours.value.left)}`)
    gc()

    const sdk = new BoxClient({ auth: new BoxDeveloperTokenAuth({ token }) }).withCustomBaseUrls({
      baseUrl: emulator.apiUrl.replace(/\/2\.0$/, ''),
      uploadUrl: emulator.url.replace(/\/2\.0$/, ''),
    })
    const theirs = await measured(() => sdk.chunkedUploads.uploadBigFile(nodeSource(buffer, plan), `bench-sdk-${Date.now()}.bin`, total, '0'))

    const ourMbps = mbps(total, ours.ms)
    const sdkMbps = mbps(total, theirs.ms)
    const growth = ours.peakRss - baseline
    const budget = (concurrency + 2) * partSize
    const lines = [
      `upload ${(total / MiB).toFixed(0)} MiB via emulator in its own process (digest storage, ${latencyMs} ms per answer), part size ${partSize / MiB} MiB`,
      `  this library, concurrency ${concurrency}: ${ourMbps.toFixed(1)} MB/s (${(ours.ms / 1000).toFixed(2)} s)`,
      `  official SDK uploadBigFile:       ${sdkMbps.toFixed(1)} MB/s (${(theirs.ms / 1000).toFixed(2)} s)`,
      `  ratio: ${(ourMbps / sdkMbps).toFixed(2)}x (target >= 3)`,
      `  this library's peak RSS above baseline: ${(growth / MiB).toFixed(1)} MiB (target <= (concurrency + 2) x part size = ${(budget / MiB).toFixed(0)} MiB; part buffers (concurrency + 1) x part size = ${(((concurrency + 1) * partSize) / MiB).toFixed(0)} MiB)`,
    ]
    console.log(lines.join('\n'))
    mkdirSync('.notes', { recursive: true })
    // Appended, so that runs and the notes written about them accumulate.
    appendFileSync('.notes/bench-upload.md', `\n## Run of ${new Date().toISOString()}, node ${process.version}\n\n\`\`\`\n${lines.join('\n')}\n\`\`\`\n`)
  } finally {
    emulator.child.kill('SIGTERM')
  }
}

if (process.argv[1]?.endsWith('upload.ts') === true) await run()
