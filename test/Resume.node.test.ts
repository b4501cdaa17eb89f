import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { resume } from '../src/Resume.ts'
import { bytesOf, download, fastRetry, sameBytes, sourceOf, withBox, within } from './helpers/upload.ts'

const Killed = suite('resume after a killed process')

Killed('should commit the source after the uploading process was killed (SIGKILL) mid-upload', withBox({ partSize: 1024, faults: { latencyMs: 15 } }, async (box) => {
  const dir = mkdtempSync(join(tmpdir(), 'bcu-resume-'))
  const sessionFile = join(dir, 'session.json')
  const fileSize = 60 * 1024 + 7
  const seed = 42
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/upload-child.ts', box.emulator.url, box.emulator.apiUrl, String(fileSize), String(seed), sessionFile], { stdio: ['ignore', 'pipe', 'inherit'] })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => { output += String(chunk) })
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)))
  try {
    // Kill it once its session is stored and some, not all, parts are in.
    const stored = () => box.records.filter((r) => r.method === 'PUT' && r.status === 200).length
    const deadline = Date.now() + 20_000
    while (!(existsSync(sessionFile) && stored() >= 8)) {
      assert.ok(Date.now() < deadline, `child did not get going: ${output}`)
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    child.kill('SIGKILL')
    assert.is(await exited, 'SIGKILL')
    assert.is(output, '', 'killed before it finished')
    const partsBefore = stored()
    assert.ok(partsBefore < 61, `${partsBefore} parts stored before the kill`)

    const session: unknown = JSON.parse(readFileSync(sessionFile, 'utf8'))
    const bytes = bytesOf(fileSize, seed)
    const result = await within(20_000, 'resume', resume(box.client)({ session, source: sourceOf(bytes) }, { retry: fastRetry, concurrency: 4 })())
    assert.ok(E.isRight(result), JSON.stringify(result))
    if (E.isRight(result)) sameBytes(await download(box, result.right.id), bytes)
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  }
}))

Killed.run()
