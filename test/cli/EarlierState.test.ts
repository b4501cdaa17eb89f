/**
 * An earlier interrupted upload's state once the file is uploaded again: removed when the new upload is the same
 * file in the same place (server, user, folder, name), left otherwise, and given back when the new one is aborted.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { readFileSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { RequestRecord } from '../../src/emulator/Options.ts'
import { startEmulator } from '../helpers/emulator.ts'
import { run, start, tempDir, until, writeFileOf } from '../helpers/cli.ts'
import { alone, exists, interruptedAt, runningEmulator, small, TOKEN } from '../helpers/cliUploads.ts'
import { proxy } from '../helpers/reverseProxy.ts'

const Earlier = suite('an earlier interrupted upload\'s state, once the file is uploaded again')

let records: Array<RequestRecord> = []
const { box, dir, remote, partsStored, interrupted } = runningEmulator(Earlier, () => records)
Earlier.before.each(() => { records = [] })

/** An upload of `name` interrupted once, then a new upload of the file given its first Ctrl-C once 2 parts are stored. */
const earlierThenNew = async (name: string, seed: number) => {
  const { path, upload } = await interrupted(name, 2, seed)
  assert.is((await upload.done).code, 130)
  const statePath = join(dir.path, `.box-upload-state.${name}.json`)
  const earlier = JSON.parse(await readFile(statePath, 'utf8')) as { session: { id: string } }
  const stored = partsStored()
  const second = start([path, ...remote(), '--concurrency', '1'])
  await until(() => partsStored() >= stored + 2)
  second.child.kill('SIGINT')
  return { path, statePath, earlier, second }
}

Earlier('should remove the state of an earlier interrupted upload once a new upload of the file is done', async () => {
  const { path, upload } = await interrupted('stale.bin', 2, 45)
  assert.is((await upload.done).code, 130)
  const statePath = join(dir.path, '.box-upload-state.stale.bin.json')
  const ran = await run([path, ...remote()])
  assert.is(ran.code, 0, ran.stderr)
  assert.match(ran.stderr, `note: ${statePath} holds an interrupted upload of this file; this starts a new upload`)
  assert.match(ran.stderr, `note: removed ${statePath}, the state of the earlier interrupted upload`)
  assert.not.ok(await exists(statePath), 'a later --resume would upload the file again')
})

// An upload of the file to the embedded emulator leaves this machine with nothing: the earlier upload is still to finish.
Earlier('should leave an earlier interrupted upload\'s state when the file is then uploaded elsewhere (the embedded emulator)', async () => {
  const { path, upload } = await interrupted('elsewhere.bin', 2, 47)
  assert.is((await upload.done).code, 130)
  const statePath = join(dir.path, '.box-upload-state.elsewhere.bin.json')
  const before = await readFile(statePath, 'utf8')
  const ran = await run([path, ...small])
  assert.is(ran.code, 0, ran.stderr)
  assert.match(ran.stderr, `note: ${statePath} still holds the interrupted upload to ${box.url} (folder 0, as elsewhere.bin), to finish there with --resume`)
  assert.is(await readFile(statePath, 'utf8'), before, 'the earlier upload can still be resumed')
  const resumed = await run([path, '--resume', '--upload-url', box.url, '--token', TOKEN, ...small])
  assert.is(resumed.code, 0, resumed.stderr)
})

Earlier('should leave an earlier interrupted upload\'s state when the file is then uploaded to another server', async () => {
  const { path, upload } = await interrupted('other-server.bin', 2, 52)
  assert.is((await upload.done).code, 130)
  const statePath = join(dir.path, '.box-upload-state.other-server.bin.json')
  const before = await readFile(statePath, 'utf8')
  const other = await startEmulator({ tokens: [TOKEN], minFileSize: 1, partSize: 256 * 1024 })
  try {
    const ran = await run([path, '--upload-url', other.url, '--token', TOKEN, ...small])
    assert.is(ran.code, 0, ran.stderr)
    assert.match(ran.stderr, `note: ${statePath} still holds the interrupted upload to ${box.url} (folder 0, as other-server.bin), to finish there with --resume`)
  } finally {
    await other.close()
  }
  assert.is(await readFile(statePath, 'utf8'), before, 'the earlier upload can still be resumed')
})

// An expired session is removed whoever's it was, but only on the server the new upload went to.
Earlier('should leave an earlier interrupted upload\'s state of another server, also once its session has expired', async () => {
  const { path, upload } = await interrupted('expired-elsewhere.bin', 2, 58)
  assert.is((await upload.done).code, 130)
  const statePath = join(dir.path, '.box-upload-state.expired-elsewhere.bin.json')
  const state = JSON.parse(await readFile(statePath, 'utf8')) as { session: { expiresAt: string } }
  state.session.expiresAt = '2020-01-01T00:00:00Z'
  const before = JSON.stringify(state, null, 2)
  await writeFile(statePath, before, { mode: 0o600 })
  const other = await startEmulator({ tokens: [TOKEN], minFileSize: 1, partSize: 256 * 1024 })
  try {
    const ran = await run([path, '--upload-url', other.url, '--token', TOKEN, ...small])
    assert.is(ran.code, 0, ran.stderr)
    assert.match(ran.stderr, `note: ${statePath} still holds the interrupted upload to ${box.url} (folder 0, as expired-elsewhere.bin), whose session has expired`)
  } finally {
    await other.close()
  }
  assert.is(await readFile(statePath, 'utf8'), before)
})

// The same server named otherwise (localhost, 127.0.0.1): its sessions' URLs are what it calls itself.
Earlier('should remove an earlier interrupted upload\'s state once the file is uploaded to the same server named otherwise', async () => {
  const path = join(dir.path, 'renamed-host.bin')
  await writeFileOf(path, 4 * 1024 * 1024, 53)
  const localhost = box.url.replace('127.0.0.1', 'localhost')
  const upload = start([path, '--upload-url', localhost, '--api-url', box.apiUrl, '--token', TOKEN, ...small, '--concurrency', '1'])
  await until(() => partsStored() >= 2)
  upload.child.kill('SIGINT')
  assert.is((await upload.done).code, 130)
  const statePath = join(dir.path, '.box-upload-state.renamed-host.bin.json')
  const ran = await run([path, ...remote()])
  assert.is(ran.code, 0, ran.stderr)
  assert.match(ran.stderr, `note: removed ${statePath}, the state of the earlier interrupted upload`)
  assert.not.ok(await exists(statePath))
})

Earlier('should leave an earlier interrupted upload\'s state when the file is then uploaded under another name on the same server', async () => {
  const { path, upload } = await interrupted('other-name.bin', 2, 54)
  assert.is((await upload.done).code, 130)
  const statePath = join(dir.path, '.box-upload-state.other-name.bin.json')
  const before = await readFile(statePath, 'utf8')
  const ran = await run([path, ...remote(), '--name', 'other-name-renamed.bin'])
  assert.is(ran.code, 0, ran.stderr)
  assert.match(ran.stderr, `note: ${statePath} still holds the interrupted upload to ${box.url} (folder 0, as other-name.bin), to finish there with --resume`)
  assert.is(await readFile(statePath, 'utf8'), before, 'the earlier upload can still be resumed')
})

// Folder 0 is each user's own: another user's upload of the file is not this one's to replace.
Earlier('should leave an earlier interrupted upload\'s state when another user uploads the file to the same server', async () => {
  const { path, upload } = await interrupted('other-user.bin', 2, 57)
  assert.is((await upload.done).code, 130)
  const statePath = join(dir.path, '.box-upload-state.other-user.bin.json')
  const before = await readFile(statePath, 'utf8')
  // No token: the emulator's public one, another user of this emulator.
  const ran = await run([path, '--upload-url', box.url, ...small])
  assert.is(ran.code, 0, ran.stderr)
  assert.match(ran.stderr, `note: ${statePath} still holds the interrupted upload to ${box.url} (folder 0, as other-user.bin), to finish there with --resume`)
  assert.is(await readFile(statePath, 'utf8'), before)
})

// Box compares names without case: the same name in other case is the same file there.
Earlier('should remove an earlier interrupted upload\'s state once the file is uploaded under its name in other case', async () => {
  const { path, upload } = await interrupted('case-name.bin', 2, 59)
  assert.is((await upload.done).code, 130)
  const statePath = join(dir.path, '.box-upload-state.case-name.bin.json')
  const ran = await run([path, ...remote(), '--name', 'CASE-NAME.bin'])
  assert.is(ran.code, 0, ran.stderr)
  assert.match(ran.stderr, `note: removed ${statePath}, the state of the earlier interrupted upload`)
})

Earlier('should give an earlier interrupted upload its state back when a new upload of the file is stopped with Ctrl-C twice', async () => {
  const { path, statePath, earlier: before, second } = await earlierThenNew('twice-earlier.bin', 48)
  await until(() => second.stderr().includes('Ctrl-C again to abort'))
  second.child.kill('SIGINT')
  const ran = await second.done
  assert.is(ran.code, 130, ran.stderr)
  assert.match(ran.stderr, `interrupted twice: the upload session was aborted, nothing to resume (${statePath} holds the earlier interrupted upload again)`)
  const after = JSON.parse(await readFile(statePath, 'utf8')) as { session: { id: string } }
  assert.is(after.session.id, before.session.id)
  const resumed = await run([path, '--resume', '--upload-url', box.url, '--token', TOKEN, ...small])
  assert.is(resumed.code, 0, resumed.stderr)
})

// Another run may write its own state there between this run's Ctrl-Cs: that one's way back stays.
Earlier('should not put an earlier upload\'s state back over a state another run wrote after the first Ctrl-C', async () => {
  const { statePath, earlier, second } = await earlierThenNew('twice-other-run.bin', 56)
  // Once this run saved its own session there (read at once: a read still pending must not meet the write below).
  await until(() => (JSON.parse(readFileSync(statePath, 'utf8')) as { session: { id: string } }).session.id !== earlier.session.id)
  // A third run's state: the earlier one's, under a session id of its own.
  const third = { ...earlier, session: { ...earlier.session, id: 'F00D'.repeat(8) } }
  await writeFile(statePath, JSON.stringify(third))
  second.child.kill('SIGINT')
  const ran = await second.done
  assert.is(ran.code, 130, ran.stderr)
  assert.match(ran.stderr, 'interrupted twice: the upload session was aborted, nothing to resume')
  assert.not.match(ran.stderr, 'holds the earlier interrupted upload again')
  assert.is((JSON.parse(await readFile(statePath, 'utf8')) as { session: { id: string } }).session.id, third.session.id)
})

// The folder rule: an earlier interrupted upload is done with only once the file went to the same folder (as the same name, server and user).
Earlier('should leave an earlier interrupted upload\'s state when the file is then uploaded into another folder of the same server', () => alone({ faults: { latencyMs: 40 }, folders: ['123'] }, async (own, seen, folder) => {
  const { path, args } = await interruptedAt(own.url, seen, join(folder, 'other-folder.bin'), 75)
  const statePath = join(folder, '.box-upload-state.other-folder.bin.json')
  const before = await readFile(statePath, 'utf8')
  const ran = await run([path, ...args, '--folder', '123'])
  assert.is(ran.code, 0, ran.stderr)
  assert.match(ran.stderr, `note: ${statePath} still holds the interrupted upload to ${own.url} (folder 0, as other-folder.bin), to finish there with --resume`)
  assert.is(await readFile(statePath, 'utf8'), before, 'the earlier upload can still be resumed')
  const resumed = await run([path, '--resume', ...args])
  assert.is(resumed.code, 0, resumed.stderr)
}))

// Behind a proxy, a server may name its sessions on a host of its own, one time or another: the same
// --upload-url still names the same server, whose sessions' URLs then differ.
Earlier('should remove an earlier interrupted upload\'s state once the file is uploaded through the same --upload-url, its sessions now named on another host', async () => {
  const seen: Array<RequestRecord> = []
  const own = await startEmulator({ tokens: [TOKEN], minFileSize: 1, partSize: 256 * 1024, faults: { latencyMs: 40 }, onRequest: (r) => void seen.push(r) })
  const backend = new URL(own.url).origin
  // First the proxy names the sessions on its own host, then it passes the server's answers as they are.
  let renaming = true
  const front = await proxy(() => backend, undefined, (body) => (renaming ? body.split(backend).join(front.origin) : body))
  const temp = await tempDir()
  try {
    const { path, args } = await interruptedAt(`${front.origin}/api/2.0`, seen, join(temp.path, 'proxied.bin'), 76)
    const statePath = join(temp.path, '.box-upload-state.proxied.bin.json')
    const earlier = JSON.parse(await readFile(statePath, 'utf8')) as { uploadUrl: string; session: { endpoints: { commit: string } } }
    assert.ok(earlier.session.endpoints.commit.startsWith(`${front.origin}/`), earlier.session.endpoints.commit)
    renaming = false
    // The server's own host is where its sessions now are: --api-url names it, so the token may go there.
    const ran = await run([path, ...args, '--api-url', own.apiUrl, '--json'])
    assert.is(ran.code, 0, ran.stderr)
    assert.match(ran.stderr, `note: removed ${statePath}, the state of the earlier interrupted upload`)
    assert.not.ok(await exists(statePath))
  } finally {
    await own.close()
    await front.close()
    await temp.remove()
  }
})

Earlier.run()
