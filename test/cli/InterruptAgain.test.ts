/**
 * A second Ctrl-C aborts the kept session (or finds it gone); a third one exits at once, with the one JSON object
 * --json promises.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { existsSync, readFileSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { RequestRecord } from '../../src/emulator/Options.ts'
import { startEmulator } from '../helpers/emulator.ts'
import { start, until, writeFileOf } from '../helpers/cli.ts'
import { alone, ctrlCs, exists, runningEmulator, small, TOKEN } from '../helpers/cliUploads.ts'

const Again = suite('a second and a third Ctrl-C')

let records: Array<RequestRecord> = []
const { box, dir, interrupted } = runningEmulator(Again, () => records)
Again.before.each(() => { records = [] })

Again('should abort the session on a second Ctrl-C', async () => {
  const { upload } = await interrupted('abort.bin', 2, 9)
  await until(() => upload.stderr().includes('Ctrl-C again to abort'))
  upload.child.kill('SIGINT')
  const ran = await upload.done
  assert.is(ran.code, 130, ran.stderr)
  assert.match(ran.stderr, 'box-upload: interrupted twice: the upload session was aborted, nothing to resume')
  assert.ok(records.some((r) => r.method === 'DELETE' && r.status === 204), 'the session was deleted')
  assert.not.ok(await exists(join(dir.path, '.box-upload-state.abort.bin.json')))
})

// A third Ctrl-C exits at once, without waiting for the session being created: --json still gets its one object.
Again('should exit at once on a third Ctrl-C, with the one JSON object --json promises', async () => {
  const slow = await startEmulator({ tokens: [TOKEN], minFileSize: 1, partSize: 256 * 1024, faults: { latencyMs: 3000 } })
  try {
    const path = join(dir.path, 'thrice.bin')
    await writeFileOf(path, 1024 * 1024, 61)
    const upload = start([path, '--upload-url', slow.url, '--token', TOKEN, '--json', ...small])
    // The session's creation is on its way (it is answered 3 s later).
    await new Promise((resolve) => setTimeout(resolve, 800))
    const ran = await ctrlCs(upload, ['Interrupted', 'Aborting the session being created'])
    assert.is(ran.code, 130, ran.stderr)
    const result = JSON.parse(ran.stdout) as { ok: boolean; exitCode: number; message: string }
    assert.equal([result.ok, result.exitCode], [false, 130])
    assert.match(result.message, 'interrupted three times: exited at once')
  } finally {
    await slow.close()
  }
})

Again('should name the state file in the third Ctrl-C\'s JSON when it holds the session', async () => {
  let created = 0
  const slow = await startEmulator({
    tokens: [TOKEN], minFileSize: 1, partSize: 256 * 1024, faults: { latencyMs: 2000 },
    onRequest: (r) => { if (r.method === 'POST' && r.status === 201 && r.path.endsWith('/upload_sessions')) created += 1 },
  })
  const sessionIn = (statePath: string): string | undefined => {
    try {
      return (JSON.parse(readFileSync(statePath, 'utf8')) as { session: { id: string } }).session.id
    } catch {
      return undefined
    }
  }
  try {
    const path = join(dir.path, 'thrice-state.bin')
    const statePath = join(dir.path, '.box-upload-state.thrice-state.bin.json')
    await writeFileOf(path, 1024 * 1024, 62)
    const upload = start([path, '--upload-url', slow.url, '--token', TOKEN, '--json', ...small])
    // Written as soon as the session exists; its DELETE then takes 2 s, in which the third Ctrl-C comes.
    await until(() => existsSync(statePath), 15_000)
    const ran = await ctrlCs(upload, ['Interrupted', 'Aborting the upload session'])
    assert.is(ran.code, 130, ran.stderr)
    const result = JSON.parse(ran.stdout) as { ok: boolean; message: string; state?: string }
    assert.equal([result.ok, result.state], [false, statePath])
    assert.match(result.message, `${statePath} names it, for --resume`)
    assert.not.ok((await readdir(dir.path)).some((name) => name.endsWith('.tmp')), 'no temp file left')
    // A new upload of the file leaves that state alone until its first Ctrl-C writes its own session there,
    // which the third one then names (as the state file holds it when it exits).
    const first = sessionIn(statePath)
    const again = start([path, '--upload-url', slow.url, '--token', TOKEN, '--json', ...small])
    await until(() => created === 2, 15_000)
    again.child.kill('SIGINT')
    await until(() => sessionIn(statePath) !== first, 15_000)
    const rerun = await ctrlCs(again, ['Aborting the upload session'])
    assert.is(rerun.code, 130, rerun.stderr)
    const rerunResult = JSON.parse(rerun.stdout) as { state?: string }
    assert.is(rerunResult.state, statePath, rerun.stdout)
  } finally {
    await slow.close()
  }
})

// A commit a Ctrl-C cut off in flight may have been applied: a session found gone is not said to be aborted.
Again('should say the session was gone already, not that it was aborted, when a second Ctrl-C finds it gone', async () => {
  const { upload } = await interrupted('gone-already.bin', 2, 55)
  // Deleted at once, from the id its parts were sent to: the second Ctrl-C's window is only 1 s.
  const id = /upload_sessions\/([0-9A-F]+)/i.exec(records.find((r) => r.method === 'PUT')?.path ?? '')?.[1]
  const deleted = await fetch(`${box.url}/files/upload_sessions/${id}`, { method: 'DELETE', headers: { Authorization: `Bearer ${TOKEN}` } })
  assert.is(deleted.status, 204)
  await until(() => upload.stderr().includes('Ctrl-C again to abort'))
  upload.child.kill('SIGINT')
  const ran = await upload.done
  assert.is(ran.code, 130, ran.stderr)
  assert.match(ran.stderr, 'box-upload: interrupted twice: the upload session was gone already (aborted or expired), nothing to resume')
  assert.not.ok(await exists(join(dir.path, '.box-upload-state.gone-already.bin.json')))
})

// An expired session answers every use 410, its DELETE included: gone already, not "could not be aborted".
Again('should say the session was gone already when a second Ctrl-C\'s DELETE is answered 410 (expired), and drop its state', async () => {
  let now = Date.now()
  await alone({ faults: { latencyMs: 40 }, clock: () => now }, async (own, seen, folder) => {
    const path = join(folder, 'expiring.bin')
    await writeFileOf(path, 4 * 1024 * 1024, 74)
    const upload = start([path, '--upload-url', own.url, '--token', TOKEN, ...small, '--concurrency', '1', '--json'])
    await until(() => seen.some((r) => r.method === 'PUT' && r.status === 200))
    upload.child.kill('SIGINT')
    await until(() => upload.stderr().includes('Ctrl-C again to abort'))
    now += 8 * 24 * 3600_000
    upload.child.kill('SIGINT')
    const ran = await upload.done
    assert.is(ran.code, 130, ran.stderr)
    assert.ok(seen.some((r) => r.method === 'DELETE' && r.status === 410), 'the DELETE met 410')
    assert.match(ran.stderr, 'box-upload: interrupted twice: the upload session was gone already (aborted or expired), nothing to resume')
    assert.not.match(ran.stderr, '--resume')
    assert.is((JSON.parse(ran.stdout) as { state?: string }).state, undefined)
    assert.not.ok(await exists(join(folder, '.box-upload-state.expiring.bin.json')), 'nothing left to resume')
  })
})

Again.run()
