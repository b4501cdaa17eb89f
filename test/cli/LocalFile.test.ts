/**
 * The local file: a long name's state file, a name like an option or one Box refuses, a path through a link, and
 * a file rewritten while it is read.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { mkdir, open, readdir, symlink } from 'node:fs/promises'
import { join } from 'node:path'
import type { RequestRecord } from '../../src/emulator/Options.ts'
import { run, sha1Of, start, until, writeFileOf } from '../helpers/cli.ts'
import { exists, runningEmulator, small, TOKEN } from '../helpers/cliUploads.ts'

const LocalFile = suite('the local file: long and odd names, a link, a rewrite while read')

let records: Array<RequestRecord> = []
const { box, dir, remote, partsStored } = runningEmulator(LocalFile, () => records)
LocalFile.before.each(() => { records = [] })

LocalFile('should write a short state file name for a long file name, and hint ./ for a file named like an option', async () => {
  const long = join(dir.path, `${'l'.repeat(230)}.bin`)
  await writeFileOf(long, 4 * 1024 * 1024, 71)
  const upload = start([long, ...remote(), '--concurrency', '1'])
  await until(() => partsStored() >= 2)
  upload.child.kill('SIGINT')
  const stopped = await upload.done
  assert.is(stopped.code, 130, stopped.stderr)
  const states = (await readdir(dir.path)).filter((name) => name.startsWith('.box-upload-state.l'))
  assert.is(states.length, 1, states.join(', '))
  assert.ok(Buffer.byteLength(states[0]!) <= 255, states[0])
  assert.not.ok((await readdir(dir.path)).some((name) => name.endsWith('.tmp')), 'no temp file left')
  const resumed = await run([long, '--resume', '--upload-url', box.url, '--token', TOKEN, ...small])
  assert.is(resumed.code, 0, resumed.stderr)

  const dash = join(dir.path, '-dash.bin')
  await writeFileOf(dash, 4 * 1024 * 1024, 73)
  records = []
  const dashed = start([...remote(), '--concurrency', '1', '--', '-dash.bin'], { spawn: { cwd: dir.path } })
  await until(() => partsStored() >= 2)
  dashed.child.kill('SIGINT')
  const hint = await dashed.done
  assert.is(hint.code, 130, hint.stderr)
  assert.match(hint.stderr, `Continue with: box-upload ./-dash.bin --resume --upload-url ${box.url}`)
})

LocalFile('should refuse a file name Box refuses before any request, and tell the upload\'s own name through --name', async () => {
  const path = join(dir.path, 'trailing space.bin ')
  await writeFileOf(path, 1000, 79)
  records = []
  const ran = await run([path, ...remote()])
  assert.is(ran.code, 2, ran.stderr)
  assert.match(ran.stderr, 'the file\'s name must not start or end with a space, as Box refuses that: "trailing space.bin ": give the upload another with --name')
  assert.equal(records, [])
  const renamed = await run([path, ...remote(), '--name', 'trailing space.bin'])
  assert.is(renamed.code, 0, renamed.stderr)
})

// Node's working directory is the physical one: a shell in a linked directory names its files otherwise.
LocalFile('should resume a file through its physical path when it was started through a link to its directory', async () => {
  const real = join(dir.path, 'real-dir')
  await mkdir(real)
  await symlink(real, join(dir.path, 'linked-dir'))
  const viaLink = join(dir.path, 'linked-dir', 'linked.bin')
  const sha1 = await writeFileOf(viaLink, 4 * 1024 * 1024, 49)
  const upload = start([viaLink, ...remote(), '--concurrency', '1'])
  await until(() => partsStored() >= 2)
  upload.child.kill('SIGINT')
  assert.is((await upload.done).code, 130)
  const resumed = await run([join(real, 'linked.bin'), '--resume', '--upload-url', box.url, '--token', TOKEN, '--json', ...small])
  assert.is(resumed.code, 0, resumed.stderr)
  assert.is((JSON.parse(resumed.stdout) as { sha1: string }).sha1, sha1)
})

LocalFile('should fail, not report a mix of two versions as uploaded, when the file is rewritten in place (same size) while it is read, and abort its session', async () => {
  // Box (no --api-url: no download check) takes whatever bytes came, with their own SHA-1: a file rewritten
  // under the reader (a database, a log rotated with `cp`) keeps its size, so only its mtime says it changed.
  const path = join(dir.path, 'rewritten.bin')
  const before = await writeFileOf(path, 8 * 1024 * 1024, 61)
  const upload = start([path, '--upload-url', box.url, '--token', TOKEN, ...small, '--concurrency', '1', '--json'])
  await until(() => partsStored() >= 2)
  // Its first bytes are read and sent already, its last ones not yet.
  const handle = await open(path, 'r+')
  await handle.write(new Uint8Array(1000).fill(1), 0, 1000, 0)
  await handle.write(new Uint8Array(1000).fill(2), 0, 1000, 8 * 1024 * 1024 - 1000)
  await handle.close()
  const after = await sha1Of(path)
  const ran = await upload.done
  const result = JSON.parse(ran.stdout) as { ok: boolean; sha1?: string }
  assert.ok(result.sha1 === undefined || result.sha1 === before || result.sha1 === after, `committed a file that never existed: ${result.sha1}`)
  assert.equal([ran.code, result.ok], [1, false], ran.stderr)
  assert.match(ran.stderr, 'changed while it was read')
  assert.ok(records.every((r) => !(r.path.endsWith('/commit') && r.status === 201)), 'nothing committed')
  // Nothing a resume could mend (the file is another now): the session is aborted, and no state kept for it.
  assert.ok(records.some((r) => r.method === 'DELETE' && r.status === 204), 'the session is aborted')
  assert.not.ok(await exists(join(dir.path, '.box-upload-state.rewritten.bin.json')), 'no state file left')
})

LocalFile.run()
