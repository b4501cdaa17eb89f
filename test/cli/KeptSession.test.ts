/**
 * The session kept where a resume can finish it, each test with an emulator of its own: a state file from the
 * session's creation (SIGKILL), a commit answered 202 past its wait, a name taken, a server gone, a commit applied
 * unseen; and the state file removed once it is done with.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createReadStream } from 'node:fs'
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import * as E from 'fp-ts/lib/Either.js'
import type { BoxFile } from '../../src/BoxFile.ts'
import { client } from '../../src/Client.ts'
import type { RequestRecord } from '../../src/emulator/Options.ts'
import { resume } from '../../src/Resume.ts'
import type { StoredSession } from '../../src/Session.ts'
import { startEmulator } from '../helpers/emulator.ts'
import { run, start, tempDir, until, writeFileOf } from '../helpers/cli.ts'
import { alone, downloaded, exists, interruptedAt, small, TOKEN } from '../helpers/cliUploads.ts'

const Kept = suite('the session kept where a resume can finish it')


Kept('should leave a state file from the session\'s creation, so that an upload killed with SIGKILL can be resumed', () => alone({ faults: { latencyMs: 40 } }, async (own, seen, folder) => {
  const path = join(folder, 'killed.bin')
  const sha1 = await writeFileOf(path, 4 * 1024 * 1024, 61)
  const args = ['--upload-url', own.url, '--api-url', own.apiUrl, '--token', TOKEN, ...small]
  const statePath = join(folder, '.box-upload-state.killed.bin.json')
  const first = start([path, ...args, '--concurrency', '1'])
  await until(() => seen.filter((r) => r.method === 'PUT' && r.status === 200).length >= 3)
  first.child.kill('SIGKILL')
  assert.is((await first.done).signal, 'SIGKILL')
  const stored = seen.filter((r) => r.method === 'PUT' && r.status === 200).length
  assert.ok(await exists(statePath), 'the state was written when the session was created')
  const resumed = await run([path, '--resume', '--upload-url', own.url, '--token', TOKEN, '--json', ...small])
  assert.is(resumed.code, 0, resumed.stderr)
  const result = JSON.parse(resumed.stdout) as { id: string; sha1: string; resumed: boolean }
  assert.equal([result.sha1, result.resumed], [sha1, true])
  assert.is(await downloaded(own, result.id, TOKEN), sha1)
  // Parts in flight at the kill may be sent again: stored ones are not.
  assert.ok(seen.filter((r) => r.method === 'PUT' && r.status === 200).length <= 16 + 1, 'parts stored before the kill were not sent again')
  assert.ok(stored < 16, `killed before the end (${stored} parts stored)`)
  assert.not.ok(seen.some((r) => r.method === 'DELETE'))
  assert.not.ok(await exists(statePath), 'the state file is gone once done')
}))

Kept('should remove the state file it wrote once the upload is committed, or its session deleted after a failure', () => alone({ faults: { uploadFailedAfterParts: 2 } }, async (own, seen, folder) => {
  const path = join(folder, 'done.bin')
  await writeFileOf(path, 1024 * 1024, 62)
  const args = ['--upload-url', own.url, '--api-url', own.apiUrl, '--token', TOKEN, ...small]
  const failed = await run([path, ...args])
  assert.is(failed.code, 1, failed.stderr)
  assert.ok(seen.some((r) => r.method === 'DELETE'), 'the failed session was deleted')
  assert.equal((await readdir(folder)).sort(), ['done.bin'], 'no state file, no temp file left')
}))

Kept('should keep the session and the state when the commit is still answered 202 past its wait, and commit it with --resume', () => alone({ faults: { commitAccepted: 1, retryAfterSeconds: 400 } }, async (own, seen, folder) => {
  const path = join(folder, 'slow.bin')
  const sha1 = await writeFileOf(path, 1024 * 1024, 63)
  const args = ['--upload-url', own.url, '--api-url', own.apiUrl, '--token', TOKEN, ...small]
  const first = await run([path, ...args])
  assert.is(first.code, 1, first.stderr)
  assert.match(first.stderr, 'Box answered 202')
  assert.match(first.stderr, 'longer than the command waits')
  assert.match(first.stderr, 'Continue with: box-upload')
  assert.not.match(first.stderr, 'keepSessionOnError')
  assert.not.ok(seen.some((r) => r.method === 'DELETE'), 'every part is uploaded: the session is not deleted')
  const puts = seen.filter((r) => r.method === 'PUT').length
  const resumed = await run([path, '--resume', '--upload-url', own.url, '--token', TOKEN, '--json', ...small])
  assert.is(resumed.code, 0, resumed.stderr)
  assert.is((JSON.parse(resumed.stdout) as { sha1: string }).sha1, sha1)
  assert.is(seen.filter((r) => r.method === 'PUT').length, puts, 'no part sent again')
}))

// README: "A retryable failure (network, 5xx, 429) also keeps the session and says how to --resume". Part 1 gets a 500
// (then, on another emulator, a 429) on each of its 6 tries, the library's default 5 retries: no flag shortens them,
// so the waits are its backoff (at most 15.5 s in all; a 429's Retry-After of 0 adds nothing to it).
for (const [fault, status, code] of [['error_before', 500, 'internal_server_error'], ['rate_limit', 429, 'rate_limit_exceeded']] as const) {
  Kept(`should keep the session and its state when a part's ${status} outlasts the retries, exit 1 naming it, and finish it with --resume`, () => alone({ faults: { retryAfterSeconds: 0, script: [1, 2, 3, 4, 5, 6].map((attempt) => ({ part: 1, attempt, fault })) } }, async (own, seen, folder) => {
    const path = join(folder, `${status}.bin`)
    const sha1 = await writeFileOf(path, 1024 * 1024, status)
    const statePath = join(folder, `.box-upload-state.${status}.bin.json`)
    const failed = await run([path, '--upload-url', own.url, '--token', TOKEN, '--json', ...small], { timeoutMs: 60_000 })
    assert.is(failed.code, 1, failed.stderr)
    const tries = seen.filter((r) => r.method === 'PUT' && r.status === status)
    assert.is(tries.length, 6, 'the first try and 5 retries')
    assert.match(failed.stderr, `box-upload: upload failed: Box answered ${status} ${code}`)
    assert.match(failed.stderr, /request_id \w+/)
    assert.match(failed.stderr, `Continue with: box-upload ${path} --resume --upload-url ${own.url}`)
    const json = JSON.parse(failed.stdout) as { ok: boolean; exitCode: number; state: string; error: { status: number; code: string } }
    assert.equal([json.ok, json.exitCode, json.state, json.error.status, json.error.code], [false, 1, statePath, status, code])
    assert.not.ok(seen.some((r) => r.method === 'DELETE'), 'the session is kept')
    const state = JSON.parse(await readFile(statePath, 'utf8')) as { session: { id: string } }
    assert.ok(tries.every((r) => r.path.endsWith(`/upload_sessions/${state.session.id}`)), 'the state file holds the failed session')
    // Its 7th try of part 1 goes through; the other parts, stored, are not sent again.
    const resumed = await run([path, '--resume', '--upload-url', own.url, '--token', TOKEN, '--json', ...small])
    assert.is(resumed.code, 0, resumed.stderr)
    const result = JSON.parse(resumed.stdout) as { sha1: string; sentBytes: number }
    assert.equal([result.sha1, result.sentBytes], [sha1, 256 * 1024])
    assert.not.ok(await exists(statePath), 'the state file is gone once done')
  }))
}

Kept('should keep the session when a file of its name appeared before the commit, and say to move that file, not to rename the upload', () => alone({ faults: { latencyMs: 40 } }, async (own, seen, folder) => {
  const path = join(folder, 'clash.bin')
  await writeFileOf(path, 4 * 1024 * 1024, 64)
  const other = join(folder, 'other.bin')
  await writeFileOf(other, 300 * 1024, 65)
  const args = ['--upload-url', own.url, '--api-url', own.apiUrl, '--token', TOKEN, ...small]
  const first = start([path, ...args, '--concurrency', '1'])
  await until(() => seen.some((r) => r.method === 'PUT' && r.status === 200))
  first.child.kill('SIGINT')
  assert.is((await first.done).code, 130)
  assert.is((await run([other, ...args, '--name', 'clash.bin'])).code, 0)
  const resumed = await run([path, '--resume', '--upload-url', own.url, '--token', TOKEN, '--json', ...small])
  assert.is(resumed.code, 1, resumed.stderr)
  assert.match(resumed.stderr, 'item_name_in_use')
  assert.match(resumed.stderr, 'rename, move or delete that file in Box')
  assert.not.match(resumed.stderr, 'with --name')
  const json = JSON.parse(resumed.stdout) as { error: { code: string; message: string } }
  assert.is(json.error.code, 'item_name_in_use')
  assert.match(json.error.message, 'rename, move or delete that file in Box')
  assert.match(resumed.stderr, 'Continue with: box-upload')
  assert.not.ok(seen.some((r) => r.method === 'DELETE'), 'the session is kept')
  assert.ok(await exists(join(folder, '.box-upload-state.clash.bin.json')))
}))

Kept('should resume a state file whose URL is spelled otherwise than the --upload-url given (upper case, a trailing slash)', () => alone({ faults: { latencyMs: 40 } }, async (own, seen, folder) => {
  const { path, sha1 } = await interruptedAt(own.url, seen, join(folder, 'spelled.bin'), 67)
  const statePath = join(folder, '.box-upload-state.spelled.bin.json')
  const state = JSON.parse(await readFile(statePath, 'utf8')) as { uploadUrl: string }
  await writeFile(statePath, JSON.stringify({ ...state, uploadUrl: `${own.url.replace('http://', 'HTTP://')}/` }))
  const resumed = await run([path, '--resume', '--upload-url', own.url, '--token', TOKEN, '--json', ...small])
  assert.is(resumed.code, 0, resumed.stderr)
  assert.is((JSON.parse(resumed.stdout) as { sha1: string }).sha1, sha1)
}))

Kept("should remove the state file only while it holds its own session: an upload done after another of the file was kept leaves that one's state", () => alone({ faults: { latencyMs: 60 } }, async (own, seen, folder) => {
  const path = join(folder, 'twice.bin')
  const sha1 = await writeFileOf(path, 4 * 1024 * 1024, 68)
  const args = ['--upload-url', own.url, '--api-url', own.apiUrl, '--token', TOKEN, ...small]
  const statePath = join(folder, '.box-upload-state.twice.bin.json')
  const sessionIn = async () => (JSON.parse(await readFile(statePath, 'utf8')) as { session: { id: string } }).session.id
  const first = start([path, ...args, '--concurrency', '1'], { timeoutMs: 60_000 })
  await until(() => seen.some((r) => r.method === 'PUT' && r.status === 200))
  const firstSession = await sessionIn()
  // A second upload of the file, kept by Ctrl-C: its state replaces the first one's.
  const second = start([path, ...args, '--concurrency', '1', '--name', 'second.bin'], { timeoutMs: 60_000 })
  await until(() => seen.filter((r) => r.method === 'POST' && r.status === 201).length >= 2)
  await until(() => second.stderr().includes('progress'))
  second.child.kill('SIGINT')
  assert.is((await second.done).code, 130)
  const secondSession = await sessionIn()
  assert.is.not(secondSession, firstSession)
  assert.is((await first.done).code, 0)
  assert.is(await sessionIn(), secondSession, 'the first upload, done, left the state that is not its own')
  const resumed = await run([path, '--resume', '--upload-url', own.url, '--token', TOKEN, '--json', ...small], { timeoutMs: 60_000 })
  assert.is(resumed.code, 0, resumed.stderr)
  assert.equal(JSON.parse(resumed.stdout).sha1, sha1)
}))

Kept('should say at once when the state file cannot be written, and still upload', () => alone({}, async (own, _seen, folder) => {
  const path = join(folder, 'nowhere.bin')
  await writeFileOf(path, 600 * 1024, 66)
  // A directory that is missing, and one that is a file (where even the temp file's removal fails: ENOTDIR).
  await writeFile(join(folder, 'a-file'), 'x')
  for (const [state, name] of [[join(folder, 'missing-dir', 'state.json'), 'one.bin'], [join(folder, 'a-file', 'state.json'), 'two.bin']] as const) {
    const ran = await run([path, '--upload-url', own.url, '--api-url', own.apiUrl, '--token', TOKEN, '--state', state, '--name', name, '--json', ...small])
    assert.is(ran.code, 0, ran.stderr)
    assert.match(ran.stderr, `note: cannot write the state file ${state}`)
    assert.match(ran.stderr, 'if this upload is killed it cannot be resumed (give --state a writable path)')
    assert.is((JSON.parse(ran.stdout) as { ok: boolean }).ok, true)
  }
}))

Kept('should keep the session and its state when a second Ctrl-C cannot abort it (the server is gone)', async () => {
  const seen: Array<RequestRecord> = []
  const own = await startEmulator({ tokens: [TOKEN], minFileSize: 1, partSize: 256 * 1024, faults: { latencyMs: 40 }, onRequest: (r) => void seen.push(r) })
  const temp = await tempDir()
  let closed = false
  try {
    const path = join(temp.path, 'unreachable.bin')
    await writeFileOf(path, 4 * 1024 * 1024, 51)
    const upload = start([path, '--upload-url', own.url, '--token', TOKEN, ...small, '--concurrency', '1'])
    await until(() => seen.some((r) => r.method === 'PUT' && r.status === 200))
    upload.child.kill('SIGINT')
    await until(() => upload.stderr().includes('Ctrl-C again to abort'))
    await own.close()
    closed = true
    upload.child.kill('SIGINT')
    const ran = await upload.done
    assert.is(ran.code, 130, ran.stderr)
    assert.match(ran.stderr, 'box-upload: interrupted twice, but the upload session could not be aborted: ')
    assert.match(ran.stderr, `Continue with: box-upload ${path} --resume --upload-url ${own.url}`)
    assert.ok(await exists(join(temp.path, '.box-upload-state.unreachable.bin.json')), 'the state stays with the session')
    assert.not.ok(seen.some((r) => r.method === 'DELETE'))
  } finally {
    if (!closed) await own.close()
    await temp.remove()
  }
})

// Nobody can resume an expired session: its state is done with, whoever's it was.
Kept('should remove an earlier interrupted upload\'s state whose session expired once the file is uploaded there again', async () => {
  let now = Date.now()
  await alone({ faults: { latencyMs: 40 }, clock: () => now }, async (own, seen, folder) => {
    const { path, args } = await interruptedAt(own.url, seen, join(folder, 'expired.bin'), 60)
    now += 8 * 24 * 3600_000
    const statePath = join(folder, '.box-upload-state.expired.bin.json')
    const ran = await run([path, ...args])
    assert.is(ran.code, 0, ran.stderr)
    assert.match(ran.stderr, `note: removed ${statePath}, the state of the earlier interrupted upload`)
    assert.not.ok(await exists(statePath))
  })
})

// README: "A resume whose session is gone (404) ends with the file when the commit Box applied was its own": here the
// interrupted upload's session is committed behind the CLI's back (as when a commit went through but its answers were
// lost), by the library's resume with the same bytes; --resume then meets a session gone (its status and parts 404).
Kept('should end a --resume with the file when the session\'s commit was applied though the interrupted upload never learned it', () => alone({}, async (own, seen, folder) => {
  const { path, sha1 } = await interruptedAt(own.url, seen, join(folder, 'applied.bin'), 62)
  const statePath = join(folder, '.box-upload-state.applied.bin.json')
  const state = JSON.parse(await readFile(statePath, 'utf8')) as { readonly session: StoredSession }
  const box = client({ token: TOKEN, uploadUrl: own.url, apiUrl: own.apiUrl })
  const committed = await resume(box)({ session: state.session, source: Readable.toWeb(createReadStream(path)) as unknown as ReadableStream<Uint8Array> })()
  assert.ok(E.isRight(committed), JSON.stringify(committed))
  const before = seen.length
  const resumed = await run([path, '--resume', '--upload-url', own.url, '--token', TOKEN, '--json', ...small])
  assert.is(resumed.code, 0, resumed.stderr)
  const result = JSON.parse(resumed.stdout) as { id: string; sha1: string }
  assert.equal([result.id, result.sha1], [(committed as E.Right<BoxFile>).right.id, sha1])
  const sent = seen.slice(before).map((r) => `${r.method} ${r.status}`)
  assert.not.ok(sent.some((r) => r.startsWith('PUT')), `no part sent: ${sent.join(', ')}`)
  assert.ok(sent.includes('POST 201'), `the commit sent once more gave the file: ${sent.join(', ')}`)
  assert.not.ok(await exists(statePath), 'the state file is removed')
}))

Kept.run()
