/**
 * The package as a user gets it from git (`npm install github:owner/box-chunked-upload`): npm clones the
 * repository, installs its devDependencies and runs `prepare`, then packs the clone. `dist/` is not in git, so
 * without `prepare` building it the install has no code (`ERR_MODULE_NOT_FOUND`, and a `box-upload` that only
 * says to run `npm run build`). This installs the repository's committed HEAD (not uncommitted changes) into a
 * consumer outside it, then imports the package and uploads through its bin. Not part of `npm test` (npm installs
 * every dev dependency into the clone, ~700 MB): `npm run check:git-install`, which CI runs.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { root } from './Pack.ts'

const consumer = mkdtempSync(join(tmpdir(), 'box-git-install-'))
// stderr is kept (not shown): a failure's error quotes it, and a passing run's progress lines are noise.
const run = (command: string, args: ReadonlyArray<string>): string =>
  execFileSync(command, args, { cwd: consumer, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 5 * 60_000 })

try {
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'git-consumer', private: true, type: 'module' }))
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', `git+file://${root}`])
  const exported = run(process.execPath, ['-e', `import('box-chunked-upload').then((m) => console.log(typeof m.upload, typeof m.resume))`]).trim()
  if (exported !== 'function function') throw new Error(`the git-installed package does not export upload and resume: ${exported}`)
  writeFileSync(join(consumer, 'sample.bin'), new Uint8Array(200_000).map((_, i) => (i * 13) % 256))
  const cli = JSON.parse(run(process.execPath, [join(consumer, 'node_modules/.bin/box-upload'), 'sample.bin', '--min-file-size', '1', '--part-size', '64KiB', '--json'])) as { ok?: boolean; verified?: boolean; size?: number }
  if (cli.ok !== true || cli.verified !== true || cli.size !== 200_000) throw new Error(`the git-installed box-upload did not upload and verify: ${JSON.stringify(cli)}`)
  console.log('[package] ok installed from git (HEAD): dist/ built by prepare; imported, and box-upload uploaded and verified 200000 bytes')
} finally {
  rmSync(consumer, { recursive: true, force: true })
}
