/**
 * Ctrl-C once every part is uploaded: the commit in flight gets its few seconds, a resume still reading the file
 * stops at once, and a second Ctrl-C says the commit it cut off may have gone through.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { join } from 'node:path'
import { start, until, writeFileOf } from '../helpers/cli.ts'
import { alone, ctrlCs, exists, small, TOKEN } from '../helpers/cliUploads.ts'

const Committing = suite('Ctrl-C once every part is uploaded')

// Each test has an emulator of its own (`alone`: `TOKEN`, 256 KiB parts unless given) and a temp directory.

/** Every commit answered 202 with a 60 s wait, for ever: an upload stops in the commit's wait with every part stored. */
const heldCommits = { commitAccepted: 1_000_000, retryAfterSeconds: 60 }

Committing('should let the commit in flight finish, then say the file is committed (no session left to resume)', () =>
  // Every answer takes 700 ms: the commit is in flight for that long after the last part is confirmed.
  alone({ faults: { latencyMs: 700 } }, async (slow, _seen, dir) => {
    const path = join(dir, 'commit.bin')
    await writeFileOf(path, 512 * 1024, 49)
    const upload = start([path, '--upload-url', slow.url, '--api-url', slow.apiUrl, '--token', TOKEN, ...small])
    await until(() => upload.stderr().includes('progress 100%'))
    upload.child.kill('SIGINT')
    const ran = await upload.done
    assert.is(ran.code, 130, ran.stderr)
    assert.match(ran.stderr, 'Interrupted: every part is uploaded, so the commit gets up to 5 s to finish')
    assert.match(ran.stderr, /box-upload: uploaded as file \d+ \(committed\), then stopped: the file was not checked/)
    assert.not.ok(await exists(join(dir, '.box-upload-state.commit.bin.json')), 'no state: nothing to resume')
  }))

Committing('should stop at once on a resume whose parts Box holds while the file is still being read (no commit on its way yet)', () =>
  alone({ partSize: 1024 * 1024, faults: heldCommits }, async (held, _seen, dir) => {
    const path = join(dir, 'held.bin')
    await writeFileOf(path, 48 * 1024 * 1024, 57)
    const args = ['--upload-url', held.url, '--token', TOKEN, ...small]
    const first = start([path, ...args], { timeoutMs: 30_000 })
    await until(() => first.stderr().includes('progress 100%'))
    await new Promise((resolve) => setTimeout(resolve, 300))
    first.child.kill('SIGINT')
    assert.is((await first.done).code, 130)
    // Box holds every part from the start, but the commit waits until the 48 MiB are read and hashed again.
    const second = start([path, '--resume', ...args], { timeoutMs: 30_000 })
    await until(() => second.stderr().includes('progress 100%'))
    second.child.kill('SIGINT')
    const ran = await second.done
    assert.is(ran.code, 130, ran.stderr)
    assert.match(ran.stderr, 'Interrupted: stopping the upload and keeping its session')
    assert.not.match(ran.stderr, 'the commit gets up to')
  }))

// A committed session may still answer the DELETE 204: whether a commit was under way decides what is said.
Committing('should say a commit a second Ctrl-C cut off may have gone through, and where to look', () =>
  alone({ faults: heldCommits }, async (held, _seen, dir) => {
    const path = join(dir, 'cut-off.bin')
    await writeFileOf(path, 512 * 1024, 58)
    const upload = start([path, '--upload-url', held.url, '--token', TOKEN, ...small])
    await until(() => upload.stderr().includes('progress 100%'))
    const ran = await ctrlCs(upload, ['the commit gets up to 5 s to finish'])
    assert.is(ran.code, 130, ran.stderr)
    assert.match(ran.stderr, 'box-upload: interrupted twice: the upload session was deleted, but its commit was under way and may have gone through: look for cut-off.bin in folder 0')
  }))

Committing.run()
