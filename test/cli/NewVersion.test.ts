/**
 * New versions with `box-upload`: `--overwrite` when the name is taken in the folder, `--file-id ID` for a file by its
 * id, and a `--resume` of an interrupted one; against an emulator over loopback, as a user runs the command.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { RequestRecord } from '../../src/emulator/Options.ts'
import { run, start, until, writeFileOf } from '../helpers/cli.ts'
import { downloaded, exists, runningEmulator, small, TOKEN } from '../helpers/cliUploads.ts'

const Versions = suite('new versions: --overwrite, --file-id, and their --resume')

let records: Array<RequestRecord> = []
const { box, dir, remote, partsStored } = runningEmulator(Versions, () => records)
Versions.before.each(() => { records = [] })

interface Result { readonly id: string; readonly fileVersionId: string | null; readonly name: string; readonly sha1: string; readonly newVersion: boolean; readonly resumed: boolean }

/** The file as the emulator's API shows it (`GET /files/:id`). */
const shown = async (id: string): Promise<{ readonly name: string; readonly etag: string; readonly version_number: string; readonly file_version?: { readonly id: string } }> => {
  const response = await fetch(`${box.apiUrl}/files/${id}`, { headers: { Authorization: `Bearer ${TOKEN}` } })
  assert.is(response.status, 200)
  return await response.json() as { name: string; etag: string; version_number: string; file_version?: { id: string } }
}

/** A 1 MiB file of bytes from `seed` at `name` in the test directory: its path and SHA-1. */
const local = async (name: string, seed: number, size = 1024 * 1024) => {
  const path = join(dir.path, name)
  return { path, sha1: await writeFileOf(path, size, seed) }
}

/** Uploads `path` (`--json`, with `flags`) and returns its result, failing the test unless it exits 0. */
const uploaded = async (path: string, ...flags: ReadonlyArray<string>): Promise<Result> => {
  const ran = await run([path, ...remote(), '--json', ...flags])
  assert.is(ran.code, 0, ran.stderr)
  return JSON.parse(ran.stdout) as Result
}

Versions('should refuse a taken name, advising --overwrite, and with --overwrite upload a new version of the file holding it', async () => {
  const a = await local('first.bin', 31)
  const first = await uploaded(a.path, '--name', 'taken.bin')
  assert.is(first.newVersion, false)
  const b = await local('second.bin', 32)

  const refused = await run([b.path, ...remote(), '--name', 'taken.bin'])
  assert.is(refused.code, 1, refused.stderr)
  assert.match(refused.stderr, `item_name_in_use`)
  assert.match(refused.stderr, `The folder already has file ${first.id} with that name: choose another name with --name, or upload a new version of that file with --overwrite.`)

  const overwrote = await run([b.path, ...remote(), '--name', 'taken.bin', '--overwrite'])
  assert.is(overwrote.code, 0, overwrote.stderr)
  assert.match(overwrote.stderr, `note: taken.bin is taken in folder 0 by file ${first.id}: uploading a new version of it (--overwrite)`)
  assert.match(overwrote.stdout, `  file id:  ${first.id}\n`)
  assert.match(overwrote.stdout, '  version:  a new version of the file (file version ')
  assert.is(await downloaded(box, first.id, TOKEN), b.sha1, 'the file holds the second file\'s bytes')

  const again = await uploaded(a.path, '--name', 'TAKEN.bin', '--overwrite')
  assert.equal([again.id, again.name, again.sha1, again.newVersion], [first.id, 'taken.bin', a.sha1, true], 'Box compares names without case; the file keeps its own')
  assert.is((await shown(first.id)).version_number, '3')
  // --json names the version each upload made: the file's current one, not the first upload's.
  assert.ok(again.fileVersionId !== null && again.fileVersionId !== first.fileVersionId, `${String(again.fileVersionId)} after ${String(first.fileVersionId)}`)
  assert.is(again.fileVersionId, (await shown(first.id)).file_version?.id)
  // The first upload's session, the refused one's; then each --overwrite asked for a new file's session, refused 409, then a version's.
  const creations = records.filter((r) => r.method === 'POST' && r.path.endsWith('/upload_sessions')).map((r) => [r.path.replace(/.*\/api\/2\.0/, ''), r.status])
  assert.equal(creations, [
    ['/files/upload_sessions', 201], ['/files/upload_sessions', 409], ['/files/upload_sessions', 409], [`/files/${first.id}/upload_sessions`, 201],
    ['/files/upload_sessions', 409], [`/files/${first.id}/upload_sessions`, 201],
  ])
})

Versions('should upload a new file as usual with --overwrite when the name is free', async () => {
  const c = await local('free.bin', 33)
  const result = await uploaded(c.path, '--overwrite')
  assert.equal([result.name, result.sha1, result.newVersion], ['free.bin', c.sha1, false])
})

Versions('should upload a new version of --file-id\'s file, renaming it with --name', async () => {
  const a = await local('by-id.bin', 34)
  const first = await uploaded(a.path)
  const b = await local('by-id-2.bin', 35)
  const ran = await run([b.path, ...remote(), '--json', '--file-id', first.id])
  assert.is(ran.code, 0, ran.stderr)
  assert.ok(ran.stderr.startsWith(`Uploading a new version of file ${first.id} to ${box.url}\n`), ran.stderr)
  const version = JSON.parse(ran.stdout) as Result
  assert.equal([version.id, version.name, version.sha1, version.newVersion], [first.id, 'by-id.bin', b.sha1, true], 'the file keeps its name')
  assert.is(await downloaded(box, first.id, TOKEN), b.sha1)
  const renamed = await uploaded(a.path, '--file-id', first.id, '--name', 'renamed.bin')
  assert.equal([renamed.id, renamed.name, renamed.newVersion], [first.id, 'renamed.bin', true])
  assert.is((await shown(first.id)).name, 'renamed.bin')
  // A local name Box refuses (a trailing space) is not checked: without --name it is not sent, the file keeps its own.
  const c = await local('by-id-3.bin ', 36)
  const unnamed = await uploaded(c.path, '--file-id', first.id)
  assert.equal([unnamed.id, unnamed.name, unnamed.sha1], [first.id, 'renamed.bin', c.sha1])
})

Versions('should tell a --file-id whose --name is taken in its folder what to do, not --overwrite, which would version the other file', async () => {
  const mine = await uploaded((await local('mine.bin', 45)).path)
  const theirs = await uploaded((await local('theirs.bin', 46)).path)
  const a = await local('mine-2.bin', 47)
  const ran = await run([a.path, ...remote(), '--file-id', mine.id, '--name', 'THEIRS.bin', '--json'])
  assert.is(ran.code, 1, ran.stderr)
  const advice = `The folder already has file ${theirs.id} with that name, so Box does not rename file ${mine.id} to it: ` +
    'give another --name, leave --name out (the file keeps its own), or rename, move or delete that other file in Box first.'
  assert.match(ran.stderr, 'box-upload: upload failed: Box answered 409 item_name_in_use to POST ')
  assert.ok(ran.stderr.endsWith(`${advice}\n`), ran.stderr)
  assert.not.match(ran.stderr, '--overwrite')
  const result = JSON.parse(ran.stdout) as { ok: boolean; message: string; error: { status: number; code: string; message: string } }
  assert.equal([result.ok, result.error.status, result.error.code], [false, 409, 'item_name_in_use'])
  assert.ok(result.error.message.endsWith(advice), result.error.message)
  assert.not.match(ran.stdout, '--overwrite')
  assert.equal([(await shown(mine.id)).name, (await shown(mine.id)).version_number], ['mine.bin', '1'], 'neither renamed nor given a version')
})

Versions('should fail with a clear message for a --file-id the server does not have', async () => {
  const a = await local('unknown-id.bin', 36)
  const ran = await run([a.path, ...remote(), '--file-id', '987654321', '--json'])
  assert.is(ran.code, 1, ran.stderr)
  assert.match(ran.stderr, 'box-upload: upload failed: Box answered 404 not_found to POST ')
  assert.match(ran.stderr, 'There is no file 987654321 there, or not one this token\'s user can see: check --file-id (a file\'s id, not a folder\'s).')
  assert.not.match(ran.stderr, 'session is gone', 'no session was made yet')
  const result = JSON.parse(ran.stdout) as { ok: boolean; error: { status: number; code: string; message: string } }
  assert.equal([result.ok, result.error.status, result.error.code], [false, 404, 'not_found'])
  assert.ok(result.error.message.endsWith('There is no file 987654321 there, or not one this token\'s user can see: check --file-id (a file\'s id, not a folder\'s).'), result.error.message)
  assert.not.ok(await exists(join(dir.path, '.box-upload-state.unknown-id.bin.json')), 'no session, no state')
  // Another user's file: the same answer, as Box gives it (404, not 403), and the same advice.
  const byOther = await run([(await local('theirs-by-id.bin', 48)).path, '--upload-url', box.url, '--token', 'dev-token', '--json', ...small])
  assert.is(byOther.code, 0, byOther.stderr)
  const theirs = JSON.parse(byOther.stdout) as Result
  const other = await run([a.path, ...remote(), '--file-id', theirs.id])
  assert.is(other.code, 1, other.stderr)
  assert.ok(other.stderr.endsWith(`There is no file ${theirs.id} there, or not one this token's user can see: check --file-id (a file's id, not a folder's).\n`), other.stderr)
})

Versions('should resume an interrupted new version: same file, its next version, the new bytes', async () => {
  const a = await local('resume-version.bin', 37)
  const first = await uploaded(a.path)
  // The new version's bytes: 16 parts, one at a time, stopped once 3 are stored.
  const b = await local('resume-version.bin', 38, 4 * 1024 * 1024)
  const before = partsStored()
  const upload = start([b.path, ...remote(), '--file-id', first.id, '--concurrency', '1'])
  await until(() => partsStored() >= before + 3)
  upload.child.kill('SIGINT')
  const stopped = await upload.done
  assert.is(stopped.code, 130, stopped.stderr)
  const statePath = join(dir.path, '.box-upload-state.resume-version.bin.json')
  const state = JSON.parse(await readFile(statePath, 'utf8')) as Record<string, unknown>
  assert.equal([state['fileId'], state['folderId'], state['name']], [first.id, undefined, undefined])
  assert.ok(partsStored() - before < 16, 'interrupted before the end')

  const resumed = await run([b.path, '--resume', '--upload-url', box.url, '--token', TOKEN, '--json', ...small])
  assert.is(resumed.code, 0, resumed.stderr)
  assert.match(resumed.stderr, `Resuming the upload of a new version of file ${first.id} to ${box.url}`)
  const result = JSON.parse(resumed.stdout) as Result
  assert.equal([result.id, result.sha1, result.resumed, result.newVersion], [first.id, b.sha1, true, true])
  assert.is(await downloaded(box, first.id, TOKEN), b.sha1)
  assert.is((await shown(first.id)).version_number, '2')
  assert.is(partsStored() - before, 16, 'every part stored exactly once over both runs')
  assert.not.ok(await exists(statePath), 'the state file is gone once done')
})

Versions('should record the file holding the name in the state of an interrupted --overwrite upload, and resume it as that file\'s version', async () => {
  const a = await local('overwrite-resume.bin', 39)
  const first = await uploaded(a.path)
  const b = await local('overwrite-resume.bin', 40, 4 * 1024 * 1024)
  const before = partsStored()
  const upload = start([b.path, ...remote(), '--overwrite', '--concurrency', '1'])
  await until(() => partsStored() >= before + 2)
  upload.child.kill('SIGINT')
  const stopped = await upload.done
  assert.is(stopped.code, 130, stopped.stderr)
  const state = JSON.parse(await readFile(join(dir.path, '.box-upload-state.overwrite-resume.bin.json'), 'utf8')) as Record<string, unknown>
  assert.equal([state['fileId'], state['folderId'], state['name']], [first.id, '0', 'overwrite-resume.bin'])
  const resumed = await run([b.path, '--resume', '--upload-url', box.url, '--token', TOKEN, '--json', ...small])
  assert.is(resumed.code, 0, resumed.stderr)
  const result = JSON.parse(resumed.stdout) as Result
  assert.equal([result.id, result.sha1, result.resumed, result.newVersion], [first.id, b.sha1, true, true])
})

Versions('should remove an interrupted new version\'s state once that file gets one, and keep it while another file does', async () => {
  const a = await local('earlier-version.bin', 41)
  const first = await uploaded(a.path)
  const other = await uploaded((await local('other-file.bin', 42)).path)
  const b = await local('earlier-version.bin', 43, 4 * 1024 * 1024)
  const before = partsStored()
  const upload = start([b.path, ...remote(), '--file-id', first.id, '--concurrency', '1'])
  await until(() => partsStored() >= before + 2)
  upload.child.kill('SIGINT')
  assert.is((await upload.done).code, 130)
  const statePath = join(dir.path, '.box-upload-state.earlier-version.bin.json')
  const held = await readFile(statePath, 'utf8')

  // Another file's new version leaves it: resumed, it still gives its own file one.
  const elsewhere = await run([b.path, ...remote(), '--file-id', other.id])
  assert.is(elsewhere.code, 0, elsewhere.stderr)
  assert.match(elsewhere.stderr, `note: ${statePath} still holds the interrupted upload to ${box.url} (a new version of file ${first.id}), to finish there with --resume`)
  assert.is(await readFile(statePath, 'utf8'), held)

  const same = await run([b.path, ...remote(), '--file-id', first.id])
  assert.is(same.code, 0, same.stderr)
  assert.match(same.stderr, `note: removed ${statePath}, the state of the earlier interrupted upload`)
  assert.not.ok(await exists(statePath), 'a --resume would give the file one more version')
})

Versions('should refuse --file-id with --folder or --overwrite, and without a server holding files, before any request (exit 2)', async () => {
  const a = await local('usage.bin', 44)
  const cases: ReadonlyArray<readonly [ReadonlyArray<string>, string]> = [
    [[...remote(), '--file-id', '5', '--folder', '7'], "--folder cannot be given with --file-id: a new version stays in its file's folder"],
    [[...remote(), '--file-id', '5', '--overwrite'], '--overwrite cannot be given with --file-id, which names the file to upload a new version of already'],
    [['--file-id', '5', ...small], '--file-id needs Box (--token or BOX_TOKEN) or a server (--upload-url): the emulator started in this process without them holds no files'],
  ]
  for (const [flags, message] of cases) {
    const ran = await run([a.path, ...flags, '--json'])
    assert.is(ran.code, 2, ran.stderr)
    assert.is(ran.stderr, `box-upload: ${message}\n`)
    assert.equal(JSON.parse(ran.stdout), { ok: false, exitCode: 2, message })
  }
  assert.equal(records, [], 'nothing was sent')
})

Versions.run()
