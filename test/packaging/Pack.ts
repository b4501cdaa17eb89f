/**
 * The package as npm publishes it, installed the way a user's `npm install` lays it out: `npm pack` of the
 * repository (dist must be built), unpacked into `<dir>/node_modules/box-chunked-upload`. Put `dir` inside the
 * repository so that the runtime dependencies (fp-ts, io-ts, cross-fetch) resolve from ours.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
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
    return installed
  } finally {
    rmSync(packed, { recursive: true, force: true })
  }
}
