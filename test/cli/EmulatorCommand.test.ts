/**
 * `box-upload emulator` as a child process: an upload to it, `--storage digest`, a port in use, SIGHUP.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { join } from 'node:path'
import type { RequestRecord } from '../../src/emulator/Options.ts'
import { run, start, until, writeFileOf } from '../helpers/cli.ts'
import { runningEmulator, small } from '../helpers/cliUploads.ts'

const Command = suite('the box-upload emulator command')

let records: Array<RequestRecord> = []
const { box, dir } = runningEmulator(Command, () => records)
Command.before.each(() => { records = [] })

Command('should upload to a `box-upload emulator` child that prints its URLs', async () => {
  const server = start(['emulator', '--min-file-size', '1', '--part-size', '256KiB'])
  try {
    await until(() => /api url: +\S+/.test(server.stdout()))
    const uploadUrl = /upload url: +(\S+)/.exec(server.stdout())?.[1] as string
    const apiUrl = /api url: +(\S+)/.exec(server.stdout())?.[1] as string
    assert.match(uploadUrl, /^http:\/\/127\.0\.0\.1:\d+\/api\/2\.0$/)
    const path = join(dir.path, 'served.bin')
    const sha1 = await writeFileOf(path, 700_000, 11)
    const ran = await run([path, ...small, '--json'], { env: { ...process.env, BOX_UPLOAD_URL: uploadUrl, BOX_API_URL: apiUrl, BOX_TOKEN: '' } })
    assert.is(ran.code, 0, ran.stderr)
    const result = JSON.parse(ran.stdout) as { sha1: string; where: string; verified: boolean }
    assert.equal([result.sha1, result.where, result.verified], [sha1, 'remote server', true])
  } finally {
    server.child.kill('SIGINT')
  }
  assert.is((await server.done).code, 0, 'the emulator stops cleanly on Ctrl-C')
})

Command('should keep only SHA-1s in a `box-upload emulator --storage digest` (constant memory): uploads commit, downloads answer 404', async () => {
  const server = start(['emulator', '--min-file-size', '1', '--part-size', '256KiB', '--storage', 'digest'])
  try {
    await until(() => /api url: +\S+/.test(server.stdout()))
    const uploadUrl = /upload url: +(\S+)/.exec(server.stdout())?.[1] as string
    const apiUrl = /api url: +(\S+)/.exec(server.stdout())?.[1] as string
    // Its hint leaves out --api-url, whose download check would fail.
    assert.match(server.stdout(), `Upload to it: box-upload <file> --upload-url ${uploadUrl}\n`)
    const path = join(dir.path, 'digest.bin')
    const sha1 = await writeFileOf(path, 700_000, 13)
    const ran = await run([path, ...small, '--json', '--upload-url', uploadUrl])
    assert.is(ran.code, 0, ran.stderr)
    const result = JSON.parse(ran.stdout) as { id: string; sha1: string }
    assert.is(result.sha1, sha1)
    const content = await fetch(`${apiUrl}/files/${result.id}/content`, { headers: { Authorization: 'Bearer dev-token' } })
    assert.is(content.status, 404)
    assert.match(await content.text(), 'digest')
  } finally {
    server.child.kill('SIGINT')
  }
  assert.is((await server.done).code, 0)
})

Command('should say so when the emulator\'s port is taken, with exit code 2', async () => {
  const port = new URL(box.url).port
  const ran = await run(['emulator', '--port', port])
  // Bad input, like any other refused before anything happens (exit 2, as src/emulator/main.ts does).
  assert.is(ran.code, 2)
  assert.is(ran.stderr, `box-upload: port ${port} on 127.0.0.1 is in use: choose another --port, or 0 for any free port\n`)
})

Command('should shut the emulator down on SIGHUP (the terminal closed) as on Ctrl-C, then end by that signal', async () => {
  const server = start(['emulator'])
  await until(() => server.stdout().includes('Upload to it:'))
  const uploadUrl = /upload url: (\S+)/.exec(server.stdout())?.[1] as string
  server.child.kill('SIGHUP')
  const ran = await server.done
  // By the signal itself (129 in a shell), as an upload does after a hangup.
  assert.equal([ran.code, ran.signal], [null, 'SIGHUP'], ran.stderr)
  assert.is(ran.stderr, 'Stopping the emulator (SIGHUP)…\n')
  const refused = await fetch(`${uploadUrl}/files/upload_sessions`, { method: 'POST' }).then(() => false, () => true)
  assert.ok(refused, 'nothing listens on its port any more')
})

Command.run()
