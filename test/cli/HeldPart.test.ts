/**
 * A part the server keeps refusing 409 "being uploaded by another request" (a try of ours that got no answer, still
 * being taken by the server) until the retries run out: the session is kept, not deleted with the parts it holds,
 * and a `--resume` once the server let go of the part finishes the upload.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { join } from 'node:path'
import { run, tempDir, writeFileOf } from '../helpers/cli.ts'
import { downloaded, exists, small, TOKEN } from '../helpers/cliUploads.ts'
import { answerBoxError, emulatorBehindProxy } from '../helpers/reverseProxy.ts'

const Held = suite('a part held by the server past the retries')

Held('should keep the session when a part is refused 409 until the retries run out, and finish it with --resume', async () => {
  // The emulator holds a part only while a connection sends it; a proxy in front of it answers every part upload
  // after the first as the emulator answers a part another request is sending, until `holding` is turned off.
  let holding = true
  let puts = 0
  const { front, behind, uploadUrl, close } = await emulatorBehindProxy({ tokens: [TOKEN], minFileSize: 1, partSize: 256 * 1024 }, (request, response) => {
    if (request.method !== 'PUT' || ++puts === 1 || !holding) return false
    return answerBoxError(response, 409, 'conflict', 'Part at offset 262144 is being uploaded by another request', 'held1')
  })
  const temp = await tempDir()
  try {
    const path = join(temp.path, 'held.bin')
    const sha1 = await writeFileOf(path, 400 * 1024, 71)
    const statePath = join(temp.path, '.box-upload-state.held.bin.json')
    const args = ['--upload-url', uploadUrl, '--api-url', behind.apiUrl, '--token', TOKEN, ...small]
    // One part at a time; the default policy's 5 retries of the 409 take 15.5 s at the most.
    const failed = await run([path, ...args, '--concurrency', '1'], { timeoutMs: 40_000 })
    assert.is(failed.code, 1, failed.stderr)
    assert.match(failed.stderr, 'is being uploaded by another request')
    assert.match(failed.stderr, 'resume once it has let go')
    assert.match(failed.stderr, 'Continue with: ')
    assert.not.ok(front.seen.some((r) => r.method === 'DELETE'), 'the session was not aborted')
    assert.ok(await exists(statePath), 'the state file names the session')
    assert.is(puts, 7, 'the first part, then the second one tried 6 times')
    holding = false
    const resumed = await run([path, '--resume', ...args, '--json'], { timeoutMs: 20_000 })
    assert.is(resumed.code, 0, resumed.stderr)
    const result = JSON.parse(resumed.stdout) as { id: string; sha1: string; resumed: boolean }
    assert.equal([result.sha1, result.resumed], [sha1, true])
    assert.is(await downloaded(behind, result.id, TOKEN), sha1)
    assert.not.ok(await exists(statePath), 'the state file is removed once committed')
  } finally {
    await close()
    await temp.remove()
  }
})

Held.run()
