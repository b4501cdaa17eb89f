/**
 * Ctrl-C (or SIGTERM) before the server has answered the session's creation: nothing kept when none comes, the
 * session kept (or aborted on a second Ctrl-C) when it comes late.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import type { RequestRecord } from '../../src/emulator/Options.ts'
import { startEmulator } from '../helpers/emulator.ts'
import { start, tempDir, until, writeFileOf } from '../helpers/cli.ts'
import { exists, small, TOKEN } from '../helpers/cliUploads.ts'

const Early = suite('Ctrl-C before the session exists, or while it is created')

let dir: Awaited<ReturnType<typeof tempDir>>
Early.before(async () => { dir = await tempDir() })
Early.after(() => dir.remove())

Early('should stop without "keeping its session" on Ctrl-C or SIGTERM before the session exists', async () => {
  // A server that never answers: the session is never created.
  const silent = createServer(() => undefined)
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
  const uploadUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/api/2.0`
  let asked = 0
  silent.on('request', () => { asked += 1 })
  try {
    const path = join(dir.path, 'no-session.bin')
    await writeFileOf(path, 300_000, 64)
    for (const [signal, code, what] of [['SIGINT', 130, 'Interrupted'], ['SIGTERM', 143, 'Terminated (SIGTERM)']] as const) {
      const before = asked
      const upload = start([path, '--upload-url', uploadUrl, '--token', TOKEN, ...small])
      await until(() => asked > before)
      upload.child.kill(signal)
      const ran = await upload.done
      assert.is(ran.code, code, ran.stderr)
      // The library gives the creation a few more seconds: a session that comes is kept, none came here.
      assert.match(ran.stderr, `${what}: stopping the upload; the session being created is kept if the server still answers (Ctrl-C again to abort the session instead)…\n`)
      assert.not.match(ran.stderr, 'keeping its session')
      assert.match(ran.stderr, 'before the upload session was created, or before the server answered its creation (a session it makes later expires on its own); nothing to resume')
    }
  } finally {
    silent.closeAllConnections()
    await new Promise((resolve) => silent.close(resolve))
  }
})

Early('should say the session being created is kept when Ctrl-C comes while it is created, then keep the one the server creates', async () => {
  // Every request waits 1.5 s in front of the emulator, whose endpoints name this front.
  let asked = 0
  let target = ''
  const late = createServer((req, res) => {
    asked += 1
    const chunks: Array<Buffer> = []
    req.on('data', (chunk: Buffer) => void chunks.push(chunk)).on('end', async () => {
      await new Promise((resolve) => setTimeout(resolve, 1500))
      // Not the length and the connection's own headers: fetch sets those for the body it sends. undici 7 (the
      // global dispatcher once a test file imported it first) refuses a content-length fetch did not set.
      const headers = Object.fromEntries(Object.entries(req.headers).filter((entry): entry is [string, string] =>
        typeof entry[1] === 'string' && !['host', 'connection', 'content-length', 'transfer-encoding'].includes(entry[0])))
      const answer = await fetch(`${target}${req.url ?? ''}`, { method: req.method ?? 'GET', headers, ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}) })
      res.writeHead(answer.status, Object.fromEntries(answer.headers))
      res.end(Buffer.from(await answer.arrayBuffer()))
    })
  })
  await new Promise<void>((resolve) => late.listen(0, '127.0.0.1', resolve))
  const front = `http://127.0.0.1:${(late.address() as AddressInfo).port}`
  const seen: Array<RequestRecord> = []
  const behind = await startEmulator({ tokens: [TOKEN], minFileSize: 1, partSize: 256 * 1024, uploadBaseUrl: `${front}/api/2.0`, onRequest: (r) => void seen.push(r) })
  target = new URL(behind.url).origin
  try {
    const path = join(dir.path, 'late-session.bin')
    await writeFileOf(path, 300_000, 66)
    const upload = start([path, '--upload-url', `${front}/api/2.0`, '--token', TOKEN, ...small, '--state', join(dir.path, 'late-session.json')])
    await until(() => asked >= 1)
    upload.child.kill('SIGINT')
    const ran = await upload.done
    assert.is(ran.code, 130, ran.stderr)
    assert.match(ran.stderr, 'Interrupted: stopping the upload; the session being created is kept if the server still answers (Ctrl-C again to abort the session instead)…')
    assert.match(ran.stderr, /The upload session \w+ is kept on http:\/\/127\.0\.0\.1:\d+\/api\/2\.0/)
    assert.match(ran.stderr, 'Continue with: box-upload')
    // Ctrl-C again, as the first message offers: the session created meanwhile is deleted.
    const before = asked
    const again = start([path, '--upload-url', `${front}/api/2.0`, '--token', TOKEN, ...small, '--state', join(dir.path, 'late-session-2.json')])
    await until(() => asked > before)
    again.child.kill('SIGINT')
    await new Promise((resolve) => setTimeout(resolve, 200))
    again.child.kill('SIGINT')
    const twice = await again.done
    assert.is(twice.code, 130, twice.stderr)
    assert.match(twice.stderr, 'Aborting the session being created, once the server answers its creation…')
    const created = seen.filter((r) => r.method === 'POST' && r.status === 201).length
    assert.is(created, 2, 'a session for each run')
    assert.is(seen.filter((r) => r.method === 'DELETE' && r.status === 204).length, 1, 'the second run deleted its session')
    assert.not.ok(await exists(join(dir.path, 'late-session-2.json')), 'no state to resume')
  } finally {
    await behind.close()
    late.closeAllConnections()
    await new Promise((resolve) => late.close(resolve))
  }
})

Early.run()
