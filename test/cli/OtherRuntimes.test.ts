/**
 * `box-upload` under Bun and Deno (README, "The box-upload command"): the CLI bundled as `dist/cli.js` is
 * published, run by each runtime's binary (devDependencies), uploads to an emulator over loopback with the
 * download check, and runs `demo` on its embedded emulator. Ctrl-C and `--resume` are tested under Node only.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { join } from 'node:path'
import { startEmulator, type RunningEmulator } from '../helpers/emulator.ts'
import { ROOT, bundled, cleanEnv, run, tempDir, writeFileOf } from '../helpers/cli.ts'

const OtherRuntimes = suite('box-upload under Bun and Deno')

const runtimes: ReadonlyArray<readonly [name: string, command: () => ReadonlyArray<string>]> = [
  ['bun', () => [join(ROOT, 'node_modules/.bin/bun'), bundled()]],
  ['deno', () => [join(ROOT, 'node_modules/.bin/deno'), 'run', '--no-prompt', '--allow-all', bundled()]],
]

let box: RunningEmulator
let dir: Awaited<ReturnType<typeof tempDir>>
OtherRuntimes.before(async () => {
  box = await startEmulator({ minFileSize: 1, partSize: 1024 * 1024 })
  dir = await tempDir()
})
OtherRuntimes.after(async () => {
  await box.close()
  await dir.remove()
})

for (const [name, command] of runtimes) {
  OtherRuntimes(`should upload a file to a running emulator and check it, under ${name}`, async () => {
    const path = join(dir.path, `${name}.bin`)
    const sha1 = await writeFileOf(path, 3 * 1024 * 1024 + 123, name.length)
    const ran = await run([path, '--upload-url', box.url, '--api-url', box.apiUrl, '--min-file-size', '1', '--json'], { command: command(), env: cleanEnv(), timeoutMs: 60_000 })
    assert.is(ran.code, 0, ran.stderr)
    const result = JSON.parse(ran.stdout) as { ok: boolean; sha1: string; size: number; verified: boolean; where: string }
    assert.equal([result.ok, result.sha1, result.size, result.verified, result.where], [true, sha1, 3 * 1024 * 1024 + 123, true, 'remote server'])
  })

  OtherRuntimes(`should run demo on its embedded emulator, under ${name}`, async () => {
    const ran = await run(['demo', '--json'], { command: command(), env: cleanEnv(), timeoutMs: 60_000 })
    assert.is(ran.code, 0, ran.stderr)
    const result = JSON.parse(ran.stdout) as { ok: boolean; size: number; verified: boolean }
    assert.equal([result.ok, result.size, result.verified], [true, 64 * 1024 * 1024, true])
  })
}

OtherRuntimes.run()
