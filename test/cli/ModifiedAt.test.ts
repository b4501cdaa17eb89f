/**
 * `box-upload <file>` sends the file's mtime as the commit's `attributes.content_modified_at`, which Box shows as
 * the file's "Modified" date: after an upload, after an interrupted one resumed, and for `demo`'s sample.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { utimes } from 'node:fs/promises'
import { join } from 'node:path'
import type { RequestRecord } from '../../src/emulator/Options.ts'
import { contentModifiedAt } from '../../src/cli/Input.ts'
import { run, start, until, writeFileOf } from '../helpers/cli.ts'
import { runningEmulator, small, TOKEN } from '../helpers/cliUploads.ts'

const Format = suite('contentModifiedAt')

Format('should write the mtime in whole seconds of UTC, and nothing outside what Box takes', () => {
  const cases: ReadonlyArray<readonly [number, string | undefined]> = [
    [Date.parse('2012-12-12T18:53:43.789Z'), '2012-12-12T18:53:43Z'],
    [Date.parse('2012-12-12T18:53:43Z'), '2012-12-12T18:53:43Z'],
    [1000, '1970-01-01T00:00:01Z'],
    [1999.9, '1970-01-01T00:00:01Z'],
    // At the epoch and before, Box refuses the date (and the commit with it): none is sent.
    [999, undefined],
    [0, undefined],
    [-86_400_000, undefined],
    [Date.parse('9999-12-31T23:59:59.999Z'), '9999-12-31T23:59:59Z'],
    [Date.UTC(10000, 0, 1), undefined],
  ]
  for (const [mtimeMs, sent] of cases) assert.is(contentModifiedAt({ mtimeMs }), sent, String(mtimeMs))
})

const Sent = suite('content_modified_at sent with the commit')

let records: Array<RequestRecord> = []
const { box, dir, remote, partsStored } = runningEmulator(Sent, () => records)
Sent.before.each(() => { records = [] })

/** The file as the emulator's API shows it (`GET /files/:id`). */
const shown = async (id: string): Promise<{ readonly content_modified_at: string; readonly modified_at: string; readonly etag: string }> => {
  const response = await fetch(`${box.apiUrl}/files/${id}`, { headers: { Authorization: `Bearer ${TOKEN}` } })
  assert.is(response.status, 200)
  return await response.json() as { content_modified_at: string; modified_at: string; etag: string }
}

/** A file of `size` bytes whose mtime is `at` (with milliseconds, which are not sent). */
const stamped = async (name: string, size: number, at: string, seed: number): Promise<string> => {
  const path = join(dir.path, name)
  await writeFileOf(path, size, seed)
  const when = new Date(Date.parse(at) + 789)
  await utimes(path, when, when)
  return path
}

Sent('should show the file\'s mtime, in whole seconds, as the committed file\'s content_modified_at', async () => {
  const path = await stamped('dated.bin', 1024 * 1024, '2012-12-12T18:53:43Z', 21)
  const ran = await run([path, ...remote(), '--json'])
  assert.is(ran.code, 0, ran.stderr)
  const result = JSON.parse(ran.stdout) as { id: string; contentModifiedAt: string }
  assert.is((await shown(result.id)).content_modified_at, '2012-12-12T18:53:43Z')
  assert.is(result.contentModifiedAt, '2012-12-12T18:53:43Z', 'the result says what Box recorded')
  const text = await run([await stamped('dated-text.bin', 1024 * 1024, '2012-12-12T18:53:43Z', 22), ...remote()])
  assert.is(text.code, 0, text.stderr)
  assert.match(text.stdout, '\n  modified: 2012-12-12T18:53:43Z\n')
})

Sent('should send the same content_modified_at when an interrupted upload is resumed', async () => {
  const path = await stamped('dated-resume.bin', 4 * 1024 * 1024, '2019-06-30T23:59:58Z', 23)
  const upload = start([path, ...remote(), '--concurrency', '1'])
  await until(() => partsStored() >= 3)
  upload.child.kill('SIGINT')
  const stopped = await upload.done
  assert.is(stopped.code, 130, stopped.stderr)
  assert.ok(partsStored() < 16, 'interrupted before the end')
  const resumed = await run([path, '--resume', '--upload-url', box.url, '--token', TOKEN, '--json', ...small])
  assert.is(resumed.code, 0, resumed.stderr)
  const result = JSON.parse(resumed.stdout) as { id: string; resumed: boolean }
  assert.is(result.resumed, true)
  assert.is((await shown(result.id)).content_modified_at, '2019-06-30T23:59:58Z')
})

Sent('should send no content_modified_at for a file stamped at the epoch, and say so', async () => {
  const path = join(dir.path, 'epoch.bin')
  await writeFileOf(path, 1024 * 1024, 24)
  await utimes(path, 0, 0)
  const ran = await run([path, ...remote(), '--json'])
  assert.is(ran.code, 0, ran.stderr)
  assert.match(ran.stderr, 'note: the file\'s modification time (1970-01-01T00:00:00.000Z) is not one Box takes (from 1970-01-01T00:00:01Z to 9999-12-31T23:59:59Z): it is not sent')
  const file = await shown((JSON.parse(ran.stdout) as { id: string }).id)
  // Without the attribute, Box (and the emulator) shows the upload's time.
  assert.is(file.content_modified_at, file.modified_at)
  assert.not.match(file.content_modified_at, /^1970/)
})

const Demo = suite('demo')

Demo('should send the sample\'s own mtime, the moment it was written', async () => {
  const before = Math.floor(Date.now() / 1000) * 1000
  const ran = await run(['demo', '--size', '1MiB', '--json'])
  assert.is(ran.code, 0, ran.stderr)
  const at = Date.parse((JSON.parse(ran.stdout) as { contentModifiedAt: string }).contentModifiedAt)
  assert.ok(at >= before && at <= Date.now(), `${at} within the run`)
})

Format.run()
Sent.run()
Demo.run()
