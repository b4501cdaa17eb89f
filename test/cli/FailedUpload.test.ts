/**
 * An upload that fails for good (a 403 storage_limit_exceeded, a 410 upload_failed): its session aborted, not kept
 * for another token, and an earlier interrupted upload's state left as it was.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { RequestRecord } from '../../src/emulator/Options.ts'
import { startEmulator } from '../helpers/emulator.ts'
import { run, tempDir, writeFileOf } from '../helpers/cli.ts'
import { exists, interruptedAt, small, TOKEN } from '../helpers/cliUploads.ts'
import { answerBoxError, emulatorBehindProxy } from '../helpers/reverseProxy.ts'

const Refusals = suite('a 403 that is not about the token')


Refusals('should abort the session on a 403 storage_limit_exceeded at the commit, not keep it for another token', async () => {
  // The emulator never refuses room mid-session; a proxy in front of it answers the commit so.
  const TOKEN2 = 'room-test-token'
  const { front, uploadUrl, close } = await emulatorBehindProxy({ tokens: [TOKEN2], minFileSize: 1, partSize: 256 * 1024 }, (request, response) => {
    if (request.method !== 'POST' || !request.url.endsWith('/commit')) return false
    return answerBoxError(response, 403, 'storage_limit_exceeded', 'Account storage limit reached', 'room1')
  })
  const temp = await tempDir()
  try {
    const path = join(temp.path, 'room.bin')
    await writeFileOf(path, 600 * 1024, 55)
    const ran = await run([path, '--upload-url', uploadUrl, '--token', TOKEN2, ...small])
    assert.is(ran.code, 1, ran.stderr)
    assert.match(ran.stderr, 'box-upload: upload failed: Box answered 403 storage_limit_exceeded')
    assert.not.match(ran.stderr, '--resume')
    assert.ok(front.seen.some((request) => request.method === 'DELETE'), 'the session was aborted')
    assert.not.ok(await exists(join(temp.path, '.box-upload-state.room.bin.json')))
  } finally {
    await close()
    await temp.remove()
  }
})

Refusals('should leave an earlier interrupted upload\'s state when a new upload of the file fails', async () => {
  // Every session fails (410 upload_failed) once it holds 2 parts: the new upload fails for good.
  const seen: Array<RequestRecord> = []
  const failing = await startEmulator({ tokens: [TOKEN], minFileSize: 1, partSize: 256 * 1024, faults: { latencyMs: 60, uploadFailedAfterParts: 2 }, onRequest: (r) => void seen.push(r) })
  const temp = await tempDir()
  try {
    const { path, args } = await interruptedAt(failing.url, seen, join(temp.path, 'twice.bin'), 59)
    const statePath = join(temp.path, '.box-upload-state.twice.bin.json')
    const before = await readFile(statePath, 'utf8')
    const second = await run([path, ...args])
    assert.is(second.code, 1, second.stderr)
    assert.match(second.stderr, 'upload_failed')
    assert.is(await readFile(statePath, 'utf8'), before, 'the interrupted upload can still be resumed')
  } finally {
    await failing.close()
    await temp.remove()
  }
})

Refusals.run()
