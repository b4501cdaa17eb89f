/**
 * An upload to a running emulator stopped by Ctrl-C, SIGTERM or SIGHUP keeps its session and a state file
 * (never the token), and `--resume` finishes it; the command it says to continue with.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { RequestRecord } from '../../src/emulator/Options.ts'
import { cleanEnv, run, start, until, writeFileOf } from '../helpers/cli.ts'
import { downloaded, exists, runningEmulator, small, TOKEN } from '../helpers/cliUploads.ts'

const Resume = suite('Ctrl-C, SIGTERM and SIGHUP keep the session; --resume finishes it')

let records: Array<RequestRecord> = []
const { box, dir, remote, partsStored, interrupted } = runningEmulator(Resume, () => records)
Resume.before.each(() => { records = [] })

Resume('should keep the session on Ctrl-C, write a state file without the token, and finish with --resume', async () => {
  const { path, sha1, upload } = await interrupted('resume.bin', 3, 3)
  const stopped = await upload.done
  assert.is(stopped.code, 130, stopped.stderr)
  const statePath = join(dir.path, '.box-upload-state.resume.bin.json')
  assert.match(stopped.stderr, `(state in ${statePath}).\nContinue with: box-upload ${path} --resume --upload-url ${box.url} (with the same --token or BOX_TOKEN)`)
  const state = await readFile(statePath, 'utf8')
  assert.not.match(state, TOKEN)
  assert.not.match(stopped.stderr + stopped.stdout, TOKEN)
  const saved = JSON.parse(state) as { file: { path: string; size: number }; uploadUrl: string; session: { id: string } }
  assert.equal([saved.file.path, saved.file.size, saved.uploadUrl], [path, 4 * 1024 * 1024, box.url])
  const before = partsStored()
  assert.ok(before < 16, `interrupted before the end (${before} parts stored)`)

  // As the hint says: the token again, and the URL the session lives on (the token goes nowhere else).
  const resumed = await run([path, '--resume', '--upload-url', box.url, '--token', TOKEN, '--json', ...small])
  assert.is(resumed.code, 0, resumed.stderr)
  const result = JSON.parse(resumed.stdout) as { id: string; sha1: string; size: number; resumed: boolean; verified: boolean; sentBytes: number }
  assert.equal([result.sha1, result.size, result.resumed, result.verified], [sha1, 4 * 1024 * 1024, true, true])
  assert.is(await downloaded(box, result.id, TOKEN), sha1, 'the committed bytes are the file\'s')
  // What this run sent: the parts Box did not hold (256 KiB each), not the whole file.
  assert.is(result.sentBytes, (partsStored() - before) * 256 * 1024)
  assert.is(partsStored(), 16, 'every part stored exactly once over both runs')
  assert.ok(records.every((r) => r.status !== 416), 'no part sent twice')
  assert.not.ok(await exists(statePath), 'the state file is gone once done')
})

Resume('should keep the session on SIGTERM like the first Ctrl-C: exit 143, state file (mode 600, no token), then --resume', async () => {
  const { path, sha1, upload } = await interrupted('term.bin', 3, 4, 'SIGTERM')
  const stopped = await upload.done
  assert.is(stopped.code, 143, stopped.stderr)
  const statePath = join(dir.path, '.box-upload-state.term.bin.json')
  assert.match(stopped.stderr, 'Terminated (SIGTERM): stopping the upload and keeping its session')
  assert.match(stopped.stderr, `box-upload: terminated (SIGTERM). The upload session `)
  assert.match(stopped.stderr, `(state in ${statePath}).\nContinue with: box-upload ${path} --resume --upload-url ${box.url}`)
  assert.is((await stat(statePath)).mode & 0o777, 0o600)
  const state = await readFile(statePath, 'utf8')
  assert.not.match(state, TOKEN)
  assert.not.match(stopped.stderr + stopped.stdout, TOKEN)
  assert.ok(records.every((r) => r.method !== 'DELETE'), 'the session is kept')
  const before = partsStored()
  assert.ok(before < 16, `terminated before the end (${before} parts stored)`)

  const resumed = await run([path, '--resume', '--upload-url', box.url, '--token', TOKEN, '--json', ...small])
  assert.is(resumed.code, 0, resumed.stderr)
  const result = JSON.parse(resumed.stdout) as { id: string; sha1: string; size: number; resumed: boolean }
  assert.equal([result.sha1, result.size, result.resumed], [sha1, 4 * 1024 * 1024, true])
  assert.is(await downloaded(box, result.id, TOKEN), sha1, 'the committed bytes are the file\'s')
  assert.is(partsStored(), 16, 'every part stored exactly once over both runs')
  assert.not.ok(await exists(statePath), 'the state file is gone once done')
})

Resume('should keep the session on SIGHUP (the terminal closed) as on SIGTERM, then end by that signal (129 in a shell), and --resume', async () => {
  const { path, sha1, upload } = await interrupted('hup.bin', 3, 5, 'SIGHUP')
  // The terminal is gone with the signal: nothing reads the output any more.
  upload.child.stderr?.destroy()
  const stopped = await upload.done
  // By the signal itself, not an exit: Node's exit restores a terminal, and on one that is gone it aborts (SIGABRT).
  assert.equal([stopped.code, stopped.signal], [null, 'SIGHUP'], stopped.stderr)
  const statePath = join(dir.path, '.box-upload-state.hup.bin.json')
  assert.ok(await exists(statePath), 'the state file is written')
  assert.ok(records.every((r) => r.method !== 'DELETE'), 'the session is kept')
  const resumed = await run([path, '--resume', '--upload-url', box.url, '--token', TOKEN, '--json', ...small])
  assert.is(resumed.code, 0, resumed.stderr)
  assert.is(await downloaded(box, (JSON.parse(resumed.stdout) as { id: string }).id, TOKEN), sha1)
})

Resume('should exit 1 and forget the state when the kept session is gone (expired or aborted)', async () => {
  const { path, upload } = await interrupted('gone.bin', 2, 21)
  assert.is((await upload.done).code, 130)
  const statePath = join(dir.path, '.box-upload-state.gone.bin.json')
  const saved = JSON.parse(await readFile(statePath, 'utf8')) as { session: { endpoints: { abort: string } } }
  const deleted = await fetch(saved.session.endpoints.abort, { method: 'DELETE', headers: { Authorization: `Bearer ${TOKEN}` } })
  assert.is(deleted.status, 204)
  const ran = await run([path, '--resume', '--upload-url', box.url, '--token', TOKEN, ...small])
  assert.is(ran.code, 1, ran.stderr)
  assert.match(ran.stderr, /box-upload: upload failed: Box answered 404 /)
  assert.not.ok(await exists(statePath), 'a dead session is not offered again')
})

Resume('should keep the folder and name it started with when a resume is interrupted, and resume a file under 20 MB without --min-file-size', async () => {
  const path = join(dir.path, 'named.bin')
  const sha1 = await writeFileOf(path, 4 * 1024 * 1024, 43)
  const statePath = join(dir.path, '.box-upload-state.named.bin.json')
  const first = start([path, ...remote(), '--concurrency', '1', '--name', 'renamed.bin'])
  await until(() => partsStored() >= 2)
  first.child.kill('SIGINT')
  assert.is((await first.done).code, 130)
  records = []
  // As "Continue with" says: no --min-file-size (the session exists: the server took the size when it was made).
  const second = start([path, '--resume', '--upload-url', box.url, '--token', TOKEN, '--concurrency', '1'])
  await until(() => partsStored() >= 2 || second.child.exitCode !== null)
  second.child.kill('SIGINT')
  const stopped = await second.done
  assert.is(stopped.code, 130, stopped.stderr)
  const saved = JSON.parse(await readFile(statePath, 'utf8')) as { folderId: string; name: string }
  assert.equal([saved.folderId, saved.name], ['0', 'renamed.bin'])
  const resumed = await run([path, '--resume', '--upload-url', box.url, '--token', TOKEN, '--json'])
  assert.is(resumed.code, 0, resumed.stderr)
  const result = JSON.parse(resumed.stdout) as { name: string; sha1: string }
  assert.equal([result.name, result.sha1], ['renamed.bin', sha1])
})

// A new user ran `npx box-upload`, which a bare `box-upload` is not (h96): npx's own shell has it on its PATH, theirs does not.
Resume('should say to continue with npx box-upload when run through npx', async () => {
  const path = join(dir.path, 'npx.bin')
  await writeFileOf(path, 4 * 1024 * 1024, 74)
  const upload = start([path, ...remote(), '--concurrency', '1'], { env: cleanEnv({ npm_command: 'exec' }) })
  await until(() => partsStored() >= 2)
  upload.child.kill('SIGINT')
  const stopped = await upload.done
  assert.is(stopped.code, 130, stopped.stderr)
  assert.match(stopped.stderr, `Continue with: npx box-upload ${path} --resume --upload-url ${box.url}`)
  const resumed = await run([path, '--resume', '--upload-url', box.url, '--token', TOKEN, ...small])
  assert.is(resumed.code, 0, resumed.stderr)
})

Resume.run()
