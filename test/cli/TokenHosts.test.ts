/**
 * Where the token goes (the hosts given, not *.box.com nor a host the answers name) and what is said when a server
 * refuses it or names its sessions on another host.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { join } from 'node:path'
import type { RequestRecord } from '../../src/emulator/Options.ts'
import { startEmulator } from '../helpers/emulator.ts'
import { run, start, until, writeFileOf } from '../helpers/cli.ts'
import { downloaded, exists, runningEmulator, small, TOKEN } from '../helpers/cliUploads.ts'

const Hosts = suite('the hosts the token goes to, and servers that refuse it')

let records: Array<RequestRecord> = []
const { box, dir, partsStored, interrupted } = runningEmulator(Hosts, () => records)
Hosts.before.each(() => { records = [] })

Hosts('should not trust *.box.com hosts when only --upload-url names a server: its endpoints there are refused', async () => {
  const elsewhere = await startEmulator({ tokens: [TOKEN], minFileSize: 1, uploadBaseUrl: 'https://uploads.box.com/api/2.0' })
  try {
    const path = join(dir.path, 'boxhost.bin')
    await writeFileOf(path, 300 * 1024, 37)
    const ran = await run([path, '--upload-url', elsewhere.url, '--token', TOKEN, ...small])
    assert.is(ran.code, 1, ran.stderr)
    assert.match(ran.stderr, 'Refused to send the access token to https://uploads.box.com')
    assert.not.match(ran.stderr + ran.stdout, TOKEN)
  } finally {
    await elsewhere.close()
  }
})

Hosts('should keep the session and the state when Box refuses the token (401, another user\'s 403): resume later with the right one', async () => {
  const { path, sha1, upload } = await interrupted('refused.bin', 3, 41)
  assert.is((await upload.done).code, 130)
  const statePath = join(dir.path, '.box-upload-state.refused.bin.json')
  for (const [token, status] of [['expired-or-unknown', 401], ['dev-token', 403]] as const) {
    records = []
    const ran = await run([path, '--resume', '--upload-url', box.url, '--token', token, ...small])
    assert.is(ran.code, 1, ran.stderr)
    assert.match(ran.stderr, `box-upload: upload failed: Box answered ${status} `)
    assert.match(ran.stderr, `--resume --upload-url ${box.url} (with a valid --token or BOX_TOKEN of the user who started it)`)
    assert.ok(await exists(statePath), `the state is kept after a ${status}`)
    assert.ok(records.every((r) => r.method !== 'DELETE'), 'the session is not aborted')
  }
  const resumed = await run([path, '--resume', '--upload-url', box.url, '--token', TOKEN, '--json', ...small])
  assert.is(resumed.code, 0, resumed.stderr)
  const result = JSON.parse(resumed.stdout) as { id: string; sha1: string; resumed: boolean }
  assert.equal([result.sha1, result.resumed], [sha1, true])
  assert.is(await downloaded(box, result.id, TOKEN), sha1)
  assert.not.ok(await exists(statePath))
})

Hosts('should say to give the host the server named when its URLs are on another (localhost against 127.0.0.1)', async () => {
  const path = join(dir.path, 'localhost.bin')
  await writeFileOf(path, 1000, 83)
  const localhost = box.url.replace('127.0.0.1', 'localhost')
  const ran = await run([path, '--upload-url', localhost, '--token', TOKEN, ...small])
  assert.is(ran.code, 1, ran.stderr)
  assert.match(ran.stderr, `The server answered with URLs on ${new URL(box.url).origin}: if it is the server you meant, give that host in --upload-url.`)
})

Hosts('should resume with --api-url alone (no token, no --upload-url): to the state file\'s server, checking the download there', async () => {
  const path = join(dir.path, 'api-only.bin')
  const sha1 = await writeFileOf(path, 4 * 1024 * 1024, 63)
  // Without a token: the emulator's public token, which a resume without one sends again.
  const upload = start([path, '--upload-url', box.url, ...small, '--concurrency', '1'])
  await until(() => partsStored() >= 2)
  upload.child.kill('SIGINT')
  assert.is((await upload.done).code, 130)
  const resumed = await run([path, '--resume', '--api-url', box.apiUrl, '--json'])
  assert.is(resumed.code, 0, resumed.stderr)
  const result = JSON.parse(resumed.stdout) as { sha1: string; resumed: boolean; verified: boolean | null; uploadUrl: string }
  assert.equal([result.sha1, result.resumed, result.verified, result.uploadUrl], [sha1, true, true, box.url])
})

Hosts('should say a server (not Box) refused the token, without calling it expired nor printing it', async () => {
  const strict = await startEmulator({ tokens: ['the-only-token-it-takes'], minFileSize: 1, partSize: 256 * 1024 })
  try {
    const path = join(dir.path, 'refused-token.bin')
    await writeFileOf(path, 300_000, 65)
    const state = ['--state', join(dir.path, 'refused-token.json')]
    for (const token of [[], ['--token', TOKEN]]) {
      const ran = await run([path, '--upload-url', strict.url, ...token, ...small, ...state, '--json'])
      assert.is(ran.code, 1, ran.stderr)
      const advice = 'The server did not accept the token: give one it accepts with --token or BOX_TOKEN (without them the emulator\'s default token is sent, which an emulator started with other tokens refuses: the tokens option of serve, or BOX_TOKENS in a checkout).'
      assert.match(ran.stderr, `box-upload: upload failed: Box answered 401 unauthorized to POST ${strict.url}/files/upload_sessions`)
      assert.ok(ran.stderr.endsWith(`${advice}\n`), ran.stderr)
      assert.is((JSON.parse(ran.stdout) as { error: { message: string } }).error.message.endsWith(advice), true)
      assert.not.match(ran.stderr, 'invalid or expired')
      assert.not.match(ran.stderr + ran.stdout, TOKEN)
      assert.not.match(ran.stderr + ran.stdout, 'dev-token')
    }
  } finally {
    await strict.close()
  }
})

// The session's URLs are on the --api-url's host: a resume takes no --api-url from the state file, so the advice gives it.
Hosts('should say --api-url in the advice when it is on another host than --upload-url, and keep the state when a resume without it is refused', async () => {
  const path = join(dir.path, 'api-host.bin')
  const sha1 = await writeFileOf(path, 4 * 1024 * 1024, 50)
  const localhost = box.url.replace('127.0.0.1', 'localhost')
  const upload = start([path, '--upload-url', localhost, '--api-url', box.apiUrl, '--token', TOKEN, ...small, '--concurrency', '1'])
  await until(() => partsStored() >= 2)
  upload.child.kill('SIGINT')
  const stopped = await upload.done
  assert.is(stopped.code, 130, stopped.stderr)
  assert.match(stopped.stderr, `Continue with: box-upload ${path} --resume --upload-url ${localhost} --api-url ${box.apiUrl} (with the same --token or BOX_TOKEN)`)
  const statePath = join(dir.path, '.box-upload-state.api-host.bin.json')
  const without = await run([path, '--resume', '--upload-url', localhost, '--token', TOKEN, '--json', ...small])
  assert.is(without.code, 1, without.stderr)
  assert.is((JSON.parse(without.stdout) as { state?: string }).state, statePath, 'the JSON names the state kept')
  assert.match(without.stderr, `The server answered with URLs on ${new URL(box.url).origin}: if it is the server you meant, add --api-url with its API URL on that host`)
  assert.match(without.stderr, 'could not be aborted either')
  assert.ok(await exists(statePath), 'nothing was sent: the state stays')
  const resumed = await run([path, '--resume', '--upload-url', localhost, '--api-url', box.apiUrl, '--token', TOKEN, '--json', ...small])
  assert.is(resumed.code, 0, resumed.stderr)
  assert.is((JSON.parse(resumed.stdout) as { sha1: string }).sha1, sha1)
})

Hosts.run()
