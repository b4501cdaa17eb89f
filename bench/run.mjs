// `npm run bench`: runs each benchmark in a process of its own, compiled from its TypeScript (this
// library from its source) to plain JavaScript by esbuild and run by Node, so that no TypeScript
// loader sits in a measured process (it bloated the heap that every client's garbage collection
// walks, the SDK's allocations most) and no benchmark runs in a heap grown by another's modules
// and buffers. Packages stay external: the SDK and the hashers run as they ship.
// `BENCH_ONLY=upload npm run bench` runs one of them.
import { build } from 'esbuild'
import { spawnSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'

/** The benchmarks, in order: each `bench/<name>.ts` exports `run()`. */
const benches = ['chunker', 'upload']

const only = process.env.BENCH_ONLY?.split(',')
const outdir = 'node_modules/.cache/box-upload-bench'
mkdirSync(outdir, { recursive: true })
for (const name of benches.filter((b) => only === undefined || only.includes(b))) {
  const outfile = `${outdir}/${name}.mjs`
  await build({
    stdin: { contents: `import { run } from './bench/${name}.ts'\nawait run()\n`, resolveDir: process.cwd(), loader: 'ts', sourcefile: `bench-${name}.ts` },
    bundle: true, platform: 'node', target: 'node20', format: 'esm', packages: 'external', outfile, logLevel: 'warning',
  })
  const { status } = spawnSync(process.execPath, [outfile], { stdio: 'inherit' })
  if (status !== 0) process.exit(status ?? 1)
}
