/**
 * The package as npm publishes it, installed the way a user's `npm install` lays it out: `npm pack` of the
 * repository (dist must be built), unpacked into `<dir>/node_modules/box-chunked-upload`. Put `dir` inside the
 * repository so that the runtime dependencies (fp-ts, io-ts, cross-fetch) resolve from ours.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

export const root = resolve(import.meta.dirname, '../..')

/** Packs the repository and unpacks it as `dir/node_modules/box-chunked-upload`; returns that folder. */
export const installPacked = (dir: string): string => {
  const installed = join(dir, 'node_modules/box-chunked-upload')
  rmSync(installed, { recursive: true, force: true })
  mkdirSync(installed, { recursive: true })
  const packed = mkdtempSync(join(tmpdir(), 'box-pack-'))
  try {
    const output = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', packed, root], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
    const [tarball] = JSON.parse(output) as Array<{ readonly filename: string }>
    if (tarball === undefined) throw new Error('npm pack made nothing')
    execFileSync('tar', ['-xzf', join(packed, tarball.filename), '-C', installed, '--strip-components=1'])
    // The consumer's own package.json. Without one, the nearest is this repository's, named box-chunked-upload,
    // and Node, Deno, Bun, TypeScript, esbuild and Vite resolve `box-chunked-upload` there as a self-reference
    // (which comes before node_modules): the repository's dist/, not the packed files.
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'box-chunked-upload-consumer', private: true, dependencies: { 'box-chunked-upload': '*' } }))
    const resolved = createRequire(join(dir, 'consumer.js')).resolve('box-chunked-upload')
    if (!resolved.startsWith(installed + '/')) throw new Error(`box-chunked-upload resolves to ${resolved} from ${dir}, not to the packed copy`)
    return installed
  } finally {
    rmSync(packed, { recursive: true, force: true })
  }
}
