/**
 * `box-upload <file>` and `box-upload demo` against the emulator embedded in the command (no token): the
 * result printed, --json, a failure, closed pipes, a Ctrl-C, the demo's sample.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { openSync } from 'node:fs'
import { readdir, stat, utimes } from 'node:fs/promises'
import { join } from 'node:path'
import { cleanEnv, run, start, tempDir, until, viaBin, writeFileOf } from '../helpers/cli.ts'
import { exists, small } from '../helpers/cliUploads.ts'

const Embedded = suite('embedded emulator')

let dir: Awaited<ReturnType<typeof tempDir>>
Embedded.before(async () => { dir = await tempDir() })
Embedded.after(() => dir.remove())

Embedded('should upload, check the download and print id, name, size and SHA-1, with plain progress lines off a terminal (through the bin)', async () => {
  const path = join(dir.path, 'data.bin')
  const sha1 = await writeFileOf(path, 3_000_000)
  const ran = await run([path, ...small, '--part-size', '512KiB', '--name', 'renamed.bin'], { command: viaBin })
  assert.is(ran.code, 0, ran.stderr)
  assert.match(ran.stderr, 'No token given (--token, --token-command or their variables BOX_TOKEN, BOX_TOKEN_COMMAND): uploading to a local Box emulator started in this process at http://127.0.0.1:')
  const lines = ran.stderr.split('\n').filter((l) => l.startsWith('progress '))
  assert.ok(lines[0]?.startsWith('progress   0%  0 B/3.00 MB'), lines[0])
  assert.ok(lines.at(-1)?.startsWith('progress 100%  3.00 MB/3.00 MB'), lines.at(-1))
  assert.match(lines.at(-1) as string, 'parts 6/6')
  assert.not.match(ran.stderr, '\r', 'no carriage returns off a terminal')
  assert.match(ran.stdout, 'Uploaded to the LOCAL Box emulator started inside box-upload (no token given, so nothing left this machine; pass --token or --token-command, or set BOX_TOKEN or BOX_TOKEN_COMMAND, to upload to Box).')
  assert.match(ran.stdout, /file id: {2}\d+\n/)
  assert.match(ran.stdout, '  name:     renamed.bin\n')
  assert.match(ran.stdout, '  size:     3000000 bytes (3.00 MB)\n')
  assert.match(ran.stdout, `  SHA-1:    ${sha1} (confirmed by Box)\n`)
  assert.match(ran.stdout, `  check:    downloaded back: SHA-1 ${sha1} matches the local file\n`)
})

Embedded('should print one JSON object with --json', async () => {
  const path = join(dir.path, 'json.bin')
  const sha1 = await writeFileOf(path, 1_500_000, 7)
  await utimes(path, 1_355_338_423, 1_355_338_423)
  const ran = await run([path, ...small, '--part-size', '1MiB', '--json', '--concurrency', '2'])
  assert.is(ran.code, 0, ran.stderr)
  const result = JSON.parse(ran.stdout) as Record<string, unknown>
  assert.ok(typeof result['id'] === 'string' && /^\d+$/.test(result['id'] as string))
  assert.ok(typeof result['fileVersionId'] === 'string' && /^\d+$/.test(result['fileVersionId'] as string), String(result['fileVersionId']))
  assert.equal({ ...result, id: 'ID', fileVersionId: 'V', seconds: 0 }, {
    ok: true, id: 'ID', name: 'json.bin', size: 1_500_000, sha1, fileVersionId: 'V', folderId: '0', contentModifiedAt: '2012-12-12T18:53:43Z', where: 'embedded emulator',
    uploadUrl: result['uploadUrl'], verified: true, resumed: false, newVersion: false, seconds: 0, sentBytes: 1_500_000,
  })
})

Embedded('should exit 1 naming Box\'s code and request id when the upload fails', async () => {
  const path = join(dir.path, 'nofolder.bin')
  await writeFileOf(path, 1000)
  const ran = await run([path, ...small, '--folder', '424242'])
  assert.is(ran.code, 1, ran.stderr)
  assert.is(ran.stdout, '')
  const line = ran.stderr.split('\n').find((l) => l.startsWith('box-upload: ')) ?? ''
  assert.match(line, /^box-upload: upload failed: Box answered 404 \S+ to POST http:\/\/127\.0\.0\.1:\d+\/api\/2\.0\/files\/upload_sessions.*\(request_id \S+\)/)
})

Embedded('should go on uploading when its stderr pipe closes (| head), and exit 1 when stdout cannot take the result', async () => {
  const path = join(dir.path, 'piped.bin')
  await writeFileOf(path, 8 * 1024 * 1024, 19)
  // The reader of its stderr goes away after the first progress line, as `2>&1 | head -3` does.
  const upload = start([path, ...small, '--part-size', '128KiB', '--concurrency', '1', '--json'])
  await until(() => upload.stderr().includes('progress '))
  upload.child.stderr?.destroy()
  const ran = await upload.done
  assert.is(ran.code, 0, ran.stderr)
  assert.is((JSON.parse(ran.stdout) as { ok: boolean; verified: boolean }).verified, true)
  // A full disk under stdout: the upload is done, the result lost, and the exit code says so.
  const full = await run([path, ...small, '--json'], { spawn: { stdio: ['ignore', openSync('/dev/full', 'w'), 'pipe'] } })
  assert.is(full.code, 1, full.stderr)
  assert.match(full.stderr, 'box-upload: could not write the result to stdout (ENOSPC)')
})

Embedded('should stop on Ctrl-C and say there is nothing to resume, since its sessions die with it', async () => {
  const path = join(dir.path, 'stop.bin')
  await writeFileOf(path, 8 * 1024 * 1024, 17)
  const upload = start([path, ...small, '--part-size', '128KiB', '--concurrency', '1'])
  await until(() => upload.stderr().includes('progress  10%'))
  upload.child.kill('SIGINT')
  const ran = await upload.done
  assert.is(ran.code, 130, ran.stderr)
  assert.match(ran.stderr, 'Interrupted: stopping the upload…\n')
  assert.match(ran.stderr, "box-upload: interrupted. The embedded emulator's sessions end with this process, so there is nothing to resume")
  assert.is(ran.stdout, '')
  assert.not.ok(await exists(join(dir.path, '.box-upload-state.stop.bin.json')))
})

Embedded('should run the demo (what npm start runs) on a generated sample, then delete it', async () => {
  const ran = await run(['demo', '--size', '2MB', '--part-size', '512KiB'])
  assert.is(ran.code, 0, ran.stderr)
  const sample = /random bytes \(deleted afterwards\): (\S+)/.exec(ran.stderr)?.[1] as string
  assert.ok(sample, ran.stderr)
  assert.ok(ran.stderr.includes('progress 100%  2.00 MB/2.00 MB'), ran.stderr)
  assert.match(ran.stdout, '  size:     2000000 bytes (2.00 MB)\n')
  assert.match(ran.stdout, /check: {4}downloaded back: SHA-1 [0-9a-f]{40} matches the local file/)
  assert.not.ok(await exists(sample), 'the sample is gone')
})

Embedded('should delete the sample when the demo is stopped while writing it', async () => {
  // Its own temp dir, to see what the demo leaves there.
  const temp = await tempDir()
  try {
    const samples = async () => (await readdir(temp.path)).filter((name) => name.startsWith('box-upload-sample-'))
    const written = async () => {
      const [sample] = await samples()
      return sample === undefined ? 0 : (await stat(join(temp.path, sample, 'sample.bin')).catch(() => ({ size: 0 }))).size
    }
    const demo = start(['demo', '--size', '8GiB'], { env: cleanEnv({ TMPDIR: temp.path }) })
    let size = 0
    for (const end = Date.now() + 10_000; size === 0 && Date.now() < end; await new Promise((resolve) => setTimeout(resolve, 20))) size = await written()
    assert.ok(size > 0, 'the sample is being written')
    demo.child.kill('SIGINT')
    const ran = await demo.done
    assert.is(ran.code, 130, ran.stderr)
    assert.match(ran.stderr, 'box-upload: stopped while writing the sample file (deleted); nothing was uploaded')
    assert.equal(await samples(), [], 'nothing left in the temp dir')
  } finally {
    await temp.remove()
  }
})

Embedded.run()
