/**
 * The state files `--resume` refuses (the file changed, sizes or URLs edited, another file's, a host it names) and
 * the `--state` paths refused rather than overwritten: exit 2, nothing sent, and which state file to give.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { readFile, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { RequestRecord } from '../../src/emulator/Options.ts'
import { startEmulator } from '../helpers/emulator.ts'
import { run, start, until, writeFileOf } from '../helpers/cli.ts'
import { alone, exists, interruptedAt, runningEmulator, small, TOKEN } from '../helpers/cliUploads.ts'

const States = suite('the state files --resume and --state refuse')

let records: Array<RequestRecord> = []
const { box, dir, remote, partsStored, interrupted } = runningEmulator(States, () => records)
States.before.each(() => { records = [] })

/** The state file at `path` with `edit` applied to its JSON, written back as a hand would. */
const editState = async (path: string, edit: (state: Record<string, any>) => void): Promise<void> => {
  const state = JSON.parse(await readFile(path, 'utf8')) as Record<string, any>
  edit(state)
  await writeFile(path, JSON.stringify(state, null, 2), { mode: 0o600 })
}

States('should refuse to resume when the file changed since', async () => {
  const { path, upload } = await interrupted('changed.bin', 2, 5)
  assert.is((await upload.done).code, 130)
  await utimes(path, new Date(), new Date(Date.now() + 5000))
  const ran = await run([path, '--resume', '--upload-url', box.url, '--token', TOKEN, ...small])
  assert.is(ran.code, 2)
  assert.is(ran.stderr, `box-upload: refusing to resume: ${path} was modified since the upload was interrupted. Start a new upload without --resume (the old session expires on its own).\n`)
})

States('should never send the token to a host the state file names: resuming elsewhere is refused', async () => {
  const { path, upload } = await interrupted('planted.bin', 2, 31)
  assert.is((await upload.done).code, 130)
  const statePath = join(dir.path, '.box-upload-state.planted.bin.json')
  // Another server (which would record the token) written into the state, as anyone able to write the file could.
  const seen: Array<RequestRecord> = []
  const other = await startEmulator({ tokens: [TOKEN], minFileSize: 1, onRequest: (r) => void seen.push(r) })
  try {
    const state = await readFile(statePath, 'utf8')
    await writeFile(statePath, state.split(box.url).join(other.url).split(box.apiUrl).join(other.apiUrl), { mode: 0o600 })
    records = []
    for (const args of [['--token', TOKEN], ['--upload-url', box.url, '--token', TOKEN], ['--upload-url', 'https://upload.box.com/api/2.0', '--token', TOKEN]]) {
      const ran = await run([path, '--resume', ...args, ...small])
      assert.is(ran.code, 2, ran.stderr)
      assert.match(ran.stderr, `the interrupted upload's session is on ${other.url}, not `)
      assert.match(ran.stderr, `to resume it there, add --upload-url ${other.url}`)
    }
    // A state naming Box, resumed without a token: the emulator's public one is not sent there in its place.
    await editState(statePath, (edited) => { edited['uploadUrl'] = 'https://upload.box.com/api/2.0' })
    const tokenless = await run([path, '--resume', ...small])
    assert.is(tokenless.code, 2, tokenless.stderr)
    assert.is(tokenless.stderr, 'box-upload: resuming an upload to Box needs its token: pass --token or set BOX_TOKEN (or --token-command, BOX_TOKEN_COMMAND)\n')
    assert.equal(seen, [], 'no request reached the host the state file names')
    assert.equal(records, [], 'nor the configured one')
  } finally {
    await other.close()
  }
})

States('should refuse --name, --folder and --part-size with --resume: the upload goes on as it started', async () => {
  const { path, upload } = await interrupted('fixed.bin', 2, 33)
  assert.is((await upload.done).code, 130)
  records = []
  for (const extra of [['--name', 'other.bin'], ['--folder', '999'], ['--part-size', '1MiB']]) {
    const ran = await run([path, '--resume', '--upload-url', box.url, '--token', TOKEN, ...extra, ...small])
    assert.is(ran.code, 2, ran.stderr)
    assert.match(ran.stderr, `${extra[0]} cannot be given with --resume`)
  }
  assert.equal(records, [], 'nothing was sent')
})

States('should refuse a state file whose session sizes were changed (exit 2), sending nothing', async () => {
  const { path, upload } = await interrupted('edited.bin', 2, 47)
  assert.is((await upload.done).code, 130)
  const statePath = join(dir.path, '.box-upload-state.edited.bin.json')
  const state = JSON.parse(await readFile(statePath, 'utf8')) as { session: { totalParts: number } }
  state.session.totalParts += 1
  await writeFile(statePath, JSON.stringify(state), { mode: 0o600 })
  records = []
  const ran = await run([path, '--resume', '--upload-url', box.url, '--token', TOKEN, ...small])
  assert.is(ran.code, 2, ran.stderr)
  assert.match(ran.stderr, `${statePath} is not a usable box-upload state file: The stored session's totalParts, partSize and fileSize disagree`)
  assert.equal(records, [], 'nothing was sent: the session is not aborted')
  assert.ok(await exists(statePath))
})

States('should refuse a --state file holding another file\'s interrupted upload (exit 2) rather than overwrite it', async () => {
  const statePath = join(dir.path, 'shared-state.json')
  const a = join(dir.path, 'a.bin')
  await writeFileOf(a, 4 * 1024 * 1024, 51)
  const upload = start([a, ...remote(), '--concurrency', '1', '--state', statePath])
  await until(() => partsStored() >= 2)
  upload.child.kill('SIGINT')
  assert.is((await upload.done).code, 130)
  const before = await readFile(statePath, 'utf8')
  const b = join(dir.path, 'b.bin')
  await writeFileOf(b, 300 * 1024, 53)
  records = []
  const ran = await run([b, ...remote(), '--state', statePath])
  assert.is(ran.code, 2, ran.stderr)
  assert.match(ran.stderr, `box-upload: ${statePath} holds an interrupted upload of ${a}: resume that one with it, or choose another --state`)
  assert.equal(records, [], 'nothing was sent')
  assert.is(await readFile(statePath, 'utf8'), before, 'a.bin can still be resumed')
})

States('should refuse a --state that is the file uploaded, or a file that is no state file, rather than overwrite it on Ctrl-C', async () => {
  const path = join(dir.path, 'precious.bin')
  const notes = join(dir.path, 'notes.txt')
  await writeFileOf(path, 300 * 1024, 61)
  await writeFile(notes, 'my precious notes\n')
  records = []
  const itself = await run([path, ...remote(), '--state', path])
  assert.is(itself.code, 2, itself.stderr)
  assert.match(itself.stderr, `box-upload: --state ${path} is the file being uploaded`)
  const other = await run([path, ...remote(), '--state', notes])
  assert.is(other.code, 2, other.stderr)
  assert.match(other.stderr, `box-upload: --state ${notes} exists and is not a box-upload state file, which an interruption would overwrite`)
  assert.equal(records, [], 'nothing was sent')
  assert.is(await readFile(notes, 'utf8'), 'my precious notes\n')
  // An empty file (what mktemp makes) holds nothing to lose: it may be the state file.
  const placeholder = join(dir.path, 'placeholder.json')
  await writeFile(placeholder, '')
  const ran = await run([path, ...remote(), '--state', placeholder])
  assert.is(ran.code, 0, ran.stderr)
})

States('should refuse a state file whose session is for another size than its file (exit 2), sending nothing', async () => {
  const { path, upload } = await interrupted('resized.bin', 2, 67)
  assert.is((await upload.done).code, 130)
  const statePath = join(dir.path, '.box-upload-state.resized.bin.json')
  const state = JSON.parse(await readFile(statePath, 'utf8')) as { session: { fileSize: number; totalParts: number; partSize: number } }
  // A session consistent in itself, for a smaller file: only its parts' ranges would tell, once sent.
  state.session.fileSize = 3 * 1024 * 1024
  state.session.totalParts = Math.ceil(state.session.fileSize / state.session.partSize)
  await writeFile(statePath, JSON.stringify(state), { mode: 0o600 })
  records = []
  const ran = await run([path, '--resume', '--upload-url', box.url, '--token', TOKEN, ...small])
  assert.is(ran.code, 2, ran.stderr)
  assert.match(ran.stderr, `${statePath} is not a usable box-upload state file: its session is for ${3 * 1024 * 1024} bytes, its file ${4 * 1024 * 1024}`)
  assert.equal(records, [], 'nothing was sent: the session is not aborted')
})

States('should say which state file to give when --resume gets a wrong --state (missing, or another file\'s), sending nothing', async () => {
  const { path: other, upload } = await interrupted('other.bin', 2, 61)
  assert.is((await upload.done).code, 130)
  const otherState = join(dir.path, '.box-upload-state.other.bin.json')
  const mine = join(dir.path, 'mine.bin')
  await writeFileOf(mine, 4 * 1024 * 1024, 62)
  const nowhere = join(dir.path, 'nowhere.json')
  const args = ['--upload-url', box.url, '--token', TOKEN]
  records = []
  const missing = await run([mine, '--resume', '--state', nowhere, ...args])
  assert.is(missing.code, 2, missing.stderr)
  assert.is(missing.stderr, `box-upload: nothing to resume: no state file ${nowhere}: check the --state path, or upload without --resume\n`)
  const wrong = await run([mine, '--resume', '--state', otherState, ...args])
  assert.is(wrong.code, 2, wrong.stderr)
  // That state is still the other file's way back: no "start a new upload", no "the old session expires".
  // The command to continue it on a line of its own, last: nothing to copy with it but the command.
  assert.is(wrong.stderr, `box-upload: refusing to resume ${mine} with ${otherState}: it holds the interrupted upload of ${other}. ` +
    `For ${mine}, upload it without --resume.\nTo continue that one (with a valid token of the user who started it, if it had one): box-upload ${other} --resume --upload-url ${box.url}\n`)
  // Once the file has a state of its own, a wrong --state points to it.
  const own = start([mine, ...remote(), '--concurrency', '1'])
  await until(() => partsStored() >= 2)
  own.child.kill('SIGINT')
  assert.is((await own.done).code, 130)
  const ownState = join(dir.path, '.box-upload-state.mine.bin.json')
  records = []
  const missingAgain = await run([mine, '--resume', '--state', nowhere, ...args])
  assert.is(missingAgain.stderr, `box-upload: nothing to resume: no state file ${nowhere}: check the --state path, or leave it out to resume from ${ownState}, this file's own state file\n`)
  const wrongAgain = await run([mine, '--resume', '--state', otherState, ...args])
  assert.match(wrongAgain.stderr, `. For ${mine}, leave out --state to resume from ${ownState}, this file's own state file.\nTo continue that one (with a valid token of the user who started it, if it had one): box-upload ${other} --resume --upload-url ${box.url}\n`)
  assert.equal(records, [], 'nothing was sent')
  assert.not.match(missing.stderr + wrong.stderr + missingAgain.stderr + wrongAgain.stderr, TOKEN)
})

States('should refuse a state file whose file size or upload URL was edited (exit 2, nothing sent), and resume one whose session id was', () => alone({ faults: { latencyMs: 40 } }, async (own, seen, folder) => {
  const { path, args } = await interruptedAt(own.url, seen, join(folder, 'by-hand.bin'), 77)
  const statePath = join(folder, '.box-upload-state.by-hand.bin.json')
  const original = await readFile(statePath, 'utf8')
  const id = (JSON.parse(original) as { session: { id: string } }).session.id
  const resume = [path, '--resume', ...args, '--json']
  for (const [edit, refusal] of [
    [(state: Record<string, any>) => { state['file'].size += 1 }, `${statePath} is not a usable box-upload state file: its session is for ${4 * 1024 * 1024} bytes, its file ${4 * 1024 * 1024 + 1}`],
    [(state: Record<string, any>) => { state['uploadUrl'] = own.url.replace('/api/2.0', '/other/2.0') }, `the interrupted upload's session is on ${own.url.replace('/api/2.0', '/other/2.0')}, not ${own.url}`],
  ] as const) {
    await writeFile(statePath, original, { mode: 0o600 })
    await editState(statePath, edit)
    const sent = seen.length
    const ran = await run(resume)
    assert.is(ran.code, 2, ran.stderr)
    assert.match(ran.stderr, refusal)
    assert.is(seen.length, sent, 'nothing was sent')
  }
  await writeFile(statePath, original, { mode: 0o600 })
  // Fields a resume does not send by: the session's id (its URLs name it), the name and folder (it goes on as it
  // started), when it was saved. The session is healthy: it is committed, never aborted.
  await writeFile(statePath, original, { mode: 0o600 })
  await editState(statePath, (state) => {
    state['session'].id = 'F00D'.repeat(8)
    state['name'] = 'edited.bin'
    state['folderId'] = '999'
    state['savedAt'] = 'yesterday'
  })
  const ran = await run(resume)
  assert.is(ran.code, 0, ran.stderr)
  const result = JSON.parse(ran.stdout) as { ok: boolean; name: string; folderId: string; resumed: boolean }
  assert.equal([result.ok, result.name, result.folderId, result.resumed], [true, 'by-hand.bin', '0', true])
  assert.ok(seen.some((r) => r.method === 'POST' && r.path === `/api/2.0/files/upload_sessions/${id}/commit` && r.status === 201), 'the session itself was committed')
  assert.not.ok(seen.some((r) => r.method === 'DELETE'), 'never aborted')
  assert.not.ok(await exists(statePath), 'done: its state is gone')
}))

// Part size and count edited together still agree with each other and with the file: only the session on the
// server tells. Resumed, its parts would be cut otherwise than Box holds them, fail as a digest mismatch, and the
// failure would abort the healthy session.
States('should refuse a state file whose part size and count were edited together, as the session on the server tells (exit 2, only its status read, the session left as it was)', () => alone({ faults: { latencyMs: 40 } }, async (own, seen, folder) => {
  const { path, args } = await interruptedAt(own.url, seen, join(folder, 'parts.bin'), 78)
  const statePath = join(folder, '.box-upload-state.parts.bin.json')
  const original = await readFile(statePath, 'utf8')
  const id = (JSON.parse(original) as { session: { id: string } }).session.id
  await editState(statePath, (state) => {
    state['session'].partSize *= 2
    state['session'].totalParts = Math.ceil(state['session'].fileSize / state['session'].partSize)
  })
  const edited = await readFile(statePath, 'utf8')
  const sent = seen.length
  const ran = await run([path, '--resume', ...args, '--json'])
  assert.is(ran.code, 2, ran.stderr)
  assert.match(ran.stderr, `box-upload: ${statePath} is not a usable box-upload state file: its session is cut into 8 parts of 524288 bytes, the session on the server into 16 of 262144`)
  assert.is((JSON.parse(ran.stdout) as { exitCode: number }).exitCode, 2)
  assert.equal(seen.slice(sent).map((r) => `${r.method} ${r.path}`), [`GET /api/2.0/files/upload_sessions/${id}`], 'nothing sent but the status read')
  assert.is(await readFile(statePath, 'utf8'), edited, 'the state file is left as it is')
  // The session is left as it was: the state as written resumes it to the file.
  await writeFile(statePath, original, { mode: 0o600 })
  const resumed = await run([path, '--resume', ...args, '--json'])
  assert.is(resumed.code, 0, resumed.stderr)
  assert.is((JSON.parse(resumed.stdout) as { resumed: boolean }).resumed, true)
  assert.not.ok(seen.some((r) => r.method === 'DELETE'), 'never aborted')
}))

States.run()
