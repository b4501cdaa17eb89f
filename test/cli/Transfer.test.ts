/**
 * `box-upload <file>` as a child process against the emulator: the embedded one (no token), one
 * this test runs over loopback (`--upload-url`), and one `box-upload emulator` serves. Files are
 * small (the minimum and part size are lowered) to keep the runs short.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createHash } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import { createReadStream, existsSync, openSync, readFileSync, renameSync } from 'node:fs'
import { access, mkdir, open, readdir, readFile, stat, symlink, utimes, writeFile } from 'node:fs/promises'
import { type ServerResponse, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import * as E from 'fp-ts/lib/Either.js'
import type { BoxFile } from '../../src/BoxFile.ts'
import { client } from '../../src/Client.ts'
import type { RequestRecord } from '../../src/emulator/Options.ts'
import { resume } from '../../src/Resume.ts'
import type { StoredSession } from '../../src/Session.ts'
import { startEmulator, type RunningEmulator } from '../helpers/emulator.ts'
import { cleanEnv, run, type Running, sha1Of, start, tempDir, until, viaBin, writeFileOf } from '../helpers/cli.ts'

const small = ['--min-file-size', '1']
const exists = (path: string) => access(path).then(() => true, () => false)

/** The bytes of file `id` downloaded from the emulator, as a SHA-1. */
const downloaded = async (box: RunningEmulator, id: string, token = 'dev-token'): Promise<string> => {
  const response = await fetch(`${box.apiUrl}/files/${id}/content`, { headers: { Authorization: `Bearer ${token}` } })
  assert.is(response.status, 200)
  return createHash('sha1').update(new Uint8Array(await response.arrayBuffer())).digest('hex')
}

const Embedded = suite('embedded emulator')

let dir: Awaited<ReturnType<typeof tempDir>>
Embedded.before(async () => { dir = await tempDir() })
Embedded.after(() => dir.remove())

Embedded('should upload, check the download and print id, name, size and SHA-1, with plain progress lines off a terminal (through the bin)', async () => {
  const path = join(dir.path, 'data.bin')
  const sha1 = await writeFileOf(path, 3_000_000)
  const ran = await run([path, ...small, '--part-size', '512KiB', '--name', 'renamed.bin'], { command: viaBin })
  assert.is(ran.code, 0, ran.stderr)
  assert.match(ran.stderr, 'No token given (--token or BOX_TOKEN): uploading to a local Box emulator started in this process at http://127.0.0.1:')
  const lines = ran.stderr.split('\n').filter((l) => l.startsWith('progress '))
  assert.ok(lines[0]?.startsWith('progress   0%  0 B/3.00 MB'), lines[0])
  assert.ok(lines.at(-1)?.startsWith('progress 100%  3.00 MB/3.00 MB'), lines.at(-1))
  assert.match(lines.at(-1) as string, 'parts 6/6')
  assert.not.match(ran.stderr, '\r', 'no carriage returns off a terminal')
  assert.match(ran.stdout, 'Uploaded to the LOCAL Box emulator started inside box-upload')
  assert.match(ran.stdout, /file id: {2}\d+\n/)
  assert.match(ran.stdout, '  name:     renamed.bin\n')
  assert.match(ran.stdout, '  size:     3000000 bytes (3.00 MB)\n')
  assert.match(ran.stdout, `  SHA-1:    ${sha1} (confirmed by Box)\n`)
  assert.match(ran.stdout, `  check:    downloaded back: SHA-1 ${sha1} matches the local file\n`)
})

Embedded('should print one JSON object with --json', async () => {
  const path = join(dir.path, 'json.bin')
  const sha1 = await writeFileOf(path, 1_500_000, 7)
  const ran = await run([path, ...small, '--part-size', '1MiB', '--json', '--concurrency', '2'])
  assert.is(ran.code, 0, ran.stderr)
  const result = JSON.parse(ran.stdout) as Record<string, unknown>
  assert.ok(typeof result['id'] === 'string' && /^\d+$/.test(result['id'] as string))
  assert.equal({ ...result, id: 'ID', seconds: 0 }, {
    ok: true, id: 'ID', name: 'json.bin', size: 1_500_000, sha1, folderId: '0', where: 'embedded emulator',
    uploadUrl: result['uploadUrl'], verified: true, resumed: false, seconds: 0, sentBytes: 1_500_000,
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

const Remote = suite('a running emulator: Ctrl-C and --resume')

let box: RunningEmulator
let records: Array<RequestRecord> = []
const TOKEN = 'cli-test-token-not-to-be-written'
const remote = () => ['--upload-url', box.url, '--api-url', box.apiUrl, '--token', TOKEN, ...small]
const partsStored = () => records.filter((r) => r.method === 'PUT' && r.status === 200).length

Remote.before(async () => {
  dir = await tempDir()
  box = await startEmulator({
    tokens: [TOKEN, 'dev-token'], minFileSize: 1, partSize: 256 * 1024,
    faults: { latencyMs: 40 },
    onRequest: (r) => void records.push(r),
  })
})
Remote.before.each(() => { records = [] })

/** Ctrl-C, then Ctrl-C again each time stderr shows the next of `cues`; the run's end. */
const ctrlCs = async (upload: Running, cues: ReadonlyArray<string>) => {
  upload.child.kill('SIGINT')
  for (const cue of cues) {
    await until(() => upload.stderr().includes(cue))
    upload.child.kill('SIGINT')
  }
  return upload.done
}

/** Writes a 16-part file and starts uploading it, one part at a time; sends Ctrl-C (or `signal`) once `parts` are stored. */
const interrupted = async (name: string, parts: number, seed: number, signal: NodeJS.Signals = 'SIGINT') => {
  const path = join(dir.path, name)
  const sha1 = await writeFileOf(path, 4 * 1024 * 1024, seed)
  const upload = start([path, ...remote(), '--concurrency', '1'])
  await until(() => partsStored() >= parts)
  upload.child.kill(signal)
  return { path, sha1, upload }
}
Remote.after(async () => {
  await box.close()
  await dir.remove()
})

Remote('should keep the session on Ctrl-C, write a state file without the token, and finish with --resume', async () => {
  const { path, sha1, upload } = await interrupted('resume.bin', 3, 3)
  const stopped = await upload.done
  assert.is(stopped.code, 130, stopped.stderr)
  const statePath = join(dir.path, '.box-upload-state.resume.bin.json')
  assert.match(stopped.stderr, `(state in ${statePath}).\nContinue with: box-upload ${path} --resume --upload-url ${box.url} (with the same --token or BOX_TOKEN)`)
  const state = await readFile(statePath, 'utf8')
  assert.not.match(state, TOKEN)
  assert.not.match(stopped.stderr + stopped.stdout, TOKEN)
  const saved = JSON.parse(state) as { file: { path: string; size: number }; uploadUrl: string; session: { id: string } }
  assert.equal([saved.file.path, saved.file.size, saved.uploadUrl], [path, 4 * 1024 * 1024, box.url])
  const before = partsStored()
  assert.ok(before < 16, `interrupted before the end (${before} parts stored)`)

  // As the hint says: the token again, and the URL the session lives on (the token goes nowhere else).
  const resumed = await run([path, '--resume', '--upload-url', box.url, '--token', TOKEN, '--json', ...small])
  assert.is(resumed.code, 0, resumed.stderr)
  const result = JSON.parse(resumed.stdout) as { id: string; sha1: string; size: number; resumed: boolean; verified: boolean; sentBytes: number }
  assert.equal([result.sha1, result.size, result.resumed, result.verified], [sha1, 4 * 1024 * 1024, true, true])
  assert.is(await downloaded(box, result.id, TOKEN), sha1, 'the committed bytes are the file\'s')
  // What this run sent: the parts Box did not hold (256 KiB each), not the whole file.
  assert.is(result.sentBytes, (partsStored() - before) * 256 * 1024)
  assert.is(partsStored(), 16, 'every part stored exactly once over both runs')
  assert.ok(records.every((r) => r.status !== 416), 'no part sent twice')
  assert.not.ok(await exists(statePath), 'the state file is gone once done')
})

Remote('should keep the session on SIGTERM like the first Ctrl-C: exit 143, state file (mode 600, no token), then --resume', async () => {
  const { path, sha1, upload } = await interrupted('term.bin', 3, 4, 'SIGTERM')
  const stopped = await upload.done
  assert.is(stopped.code, 143, stopped.stderr)
  const statePath = join(dir.path, '.box-upload-state.term.bin.json')
  assert.match(stopped.stderr, 'Terminated (SIGTERM): stopping the upload and keeping its session')
  assert.match(stopped.stderr, `box-upload: terminated (SIGTERM). The upload session `)
  assert.match(stopped.stderr, `(state in ${statePath}).\nContinue with: box-upload ${path} --resume --upload-url ${box.url}`)
  assert.is((await stat(statePath)).mode & 0o777, 0o600)
  const state = await readFile(statePath, 'utf8')
  assert.not.match(state, TOKEN)
  assert.not.match(stopped.stderr + stopped.stdout, TOKEN)
  assert.ok(records.every((r) => r.method !== 'DELETE'), 'the session is kept')
  const before = partsStored()
  assert.ok(before < 16, `terminated before the end (${before} parts stored)`)

  const resumed = await run([path, '--resume', '--upload-url', box.url, '--token', TOKEN, '--json', ...small])
  assert.is(resumed.code, 0, resumed.stderr)
  const result = JSON.parse(resumed.stdout) as { id: string; sha1: string; size: number; resumed: boolean }
  assert.equal([result.sha1, result.size, result.resumed], [sha1, 4 * 1024 * 1024, true])
  assert.is(await downloaded(box, result.id, TOKEN), sha1, 'the committed bytes are the file\'s')
  assert.is(partsStored(), 16, 'every part stored exactly once over both runs')
  assert.not.ok(await exists(statePath), 'the state file is gone once done')
})

Remote('should keep the session on SIGHUP (the terminal closed) as on SIGTERM, then end by that signal (129 in a shell), and --resume', async () => {
  const { path, sha1, upload } = await interrupted('hup.bin', 3, 5, 'SIGHUP')
  // The terminal is gone with the signal: nothing reads the output any more.
  upload.child.stderr?.destroy()
  const stopped = await upload.done
  // By the signal itself, not an exit: Node's exit restores a terminal, and on one that is gone it aborts (SIGABRT).
  assert.equal([stopped.code, stopped.signal], [null, 'SIGHUP'], stopped.stderr)
  const statePath = join(dir.path, '.box-upload-state.hup.bin.json')
  assert.ok(await exists(statePath), 'the state file is written')
  assert.ok(records.every((r) => r.method !== 'DELETE'), 'the session is kept')
  const resumed = await run([path, '--resume', '--upload-url', box.url, '--token', TOKEN, '--json', ...small])
  assert.is(resumed.code, 0, resumed.stderr)
  assert.is(await downloaded(box, (JSON.parse(resumed.stdout) as { id: string }).id, TOKEN), sha1)
})

Remote('should refuse to resume when the file changed since', async () => {
  const { path, upload } = await interrupted('changed.bin', 2, 5)
  assert.is((await upload.done).code, 130)
  await utimes(path, new Date(), new Date(Date.now() + 5000))
  const ran = await run([path, '--resume', '--upload-url', box.url, '--token', TOKEN, ...small])
  assert.is(ran.code, 2)
  assert.is(ran.stderr, `box-upload: refusing to resume: ${path} was modified since the upload was interrupted. Start a new upload without --resume (the old session expires on its own).\n`)
})

Remote('should exit 1 and forget the state when the kept session is gone (expired or aborted)', async () => {
  const { path, upload } = await interrupted('gone.bin', 2, 21)
  assert.is((await upload.done).code, 130)
  const statePath = join(dir.path, '.box-upload-state.gone.bin.json')
  const saved = JSON.parse(await readFile(statePath, 'utf8')) as { session: { endpoints: { abort: string } } }
  const deleted = await fetch(saved.session.endpoints.abort, { method: 'DELETE', headers: { Authorization: `Bearer ${TOKEN}` } })
  assert.is(deleted.status, 204)
  const ran = await run([path, '--resume', '--upload-url', box.url, '--token', TOKEN, ...small])
  assert.is(ran.code, 1, ran.stderr)
  assert.match(ran.stderr, /box-upload: upload failed: Box answered 404 /)
  assert.not.ok(await exists(statePath), 'a dead session is not offered again')
})

Remote('should never send the token to a host the state file names: resuming elsewhere is refused', async () => {
  const { path, upload } = await interrupted('planted.bin', 2, 31)
  assert.is((await upload.done).code, 130)
  const statePath = join(dir.path, '.box-upload-state.planted.bin.json')
  // Another server (which would record the token) written into the state, as anyone able to write the file could.
  const seen: Array<RequestRecord> = []
  const other = await startEmulator({ tokens: [TOKEN], minFileSize: 1, onRequest: (r) => void seen.push(r) })
  try {
    const state = await readFile(statePath, 'utf8')
    await writeFile(statePath, state.split(box.url).join(other.url).split(box.apiUrl).join(other.apiUrl), { mode: 0o600 })
    records = []
    for (const args of [['--token', TOKEN], ['--upload-url', box.url, '--token', TOKEN], ['--upload-url', 'https://upload.box.com/api/2.0', '--token', TOKEN]]) {
      const ran = await run([path, '--resume', ...args, ...small])
      assert.is(ran.code, 2, ran.stderr)
      assert.match(ran.stderr, `the interrupted upload's session is on ${other.url}, not `)
      assert.match(ran.stderr, `to resume it there, add --upload-url ${other.url}`)
    }
    assert.equal(seen, [], 'no request reached the host the state file names')
    assert.equal(records, [], 'nor the configured one')
  } finally {
    await other.close()
  }
})

Remote('should refuse --name, --folder and --part-size with --resume: the upload goes on as it started', async () => {
  const { path, upload } = await interrupted('fixed.bin', 2, 33)
  assert.is((await upload.done).code, 130)
  records = []
  for (const extra of [['--name', 'other.bin'], ['--folder', '999'], ['--part-size', '1MiB']]) {
    const ran = await run([path, '--resume', '--upload-url', box.url, '--token', TOKEN, ...extra, ...small])
    assert.is(ran.code, 2, ran.stderr)
    assert.match(ran.stderr, `${extra[0]} cannot be given with --resume`)
  }
  assert.equal(records, [], 'nothing was sent')
})

Remote('should exit 130 and say the file is committed when Ctrl-C stops the download check', async () => {
  // An API host that takes the download request and never answers: the check is under way for as long as the test likes.
  let asked = false
  const hanging = createServer((request) => { if (request.url?.includes('/content')) asked = true })
  await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', () => resolve()))
  try {
    const port = (hanging.address() as AddressInfo).port
    const path = join(dir.path, 'check.bin')
    await writeFileOf(path, 600 * 1024, 35)
    const upload = start([path, '--upload-url', box.url, '--api-url', `http://127.0.0.1:${port}/2.0`, '--token', TOKEN, ...small])
    await until(() => asked)
    upload.child.kill('SIGINT')
    const ran = await upload.done
    assert.is(ran.code, 130, ran.stderr)
    assert.match(ran.stderr, 'Interrupted: stopping the download check…')
    assert.match(ran.stderr, /box-upload: uploaded as file \d+ \(committed\), then stopped: the download check did not end/)
    assert.not.match(ran.stderr, 'keeping its session')
    assert.not.ok(await exists(join(dir.path, '.box-upload-state.check.bin.json')), 'no state: nothing to resume')
  } finally {
    hanging.closeAllConnections()
    await new Promise((resolve) => hanging.close(resolve))
  }
})

Remote('should not trust *.box.com hosts when only --upload-url names a server: its endpoints there are refused', async () => {
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

Remote('should abort the session on a second Ctrl-C', async () => {
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
Remote('should exit at once on a third Ctrl-C, with the one JSON object --json promises', async () => {
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

Remote('should name the state file in the third Ctrl-C\'s JSON when it holds the session', async () => {
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
Remote('should say the session was gone already, not that it was aborted, when a second Ctrl-C finds it gone', async () => {
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

Remote('should upload to a `box-upload emulator` child that prints its URLs', async () => {
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

Remote('should keep only SHA-1s in a `box-upload emulator --storage digest` (constant memory): uploads commit, downloads answer 404', async () => {
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

Remote('should say so when the emulator\'s port is taken, with exit code 2', async () => {
  const port = new URL(box.url).port
  const ran = await run(['emulator', '--port', port])
  // Bad input, like any other refused before anything happens (exit 2, as src/emulator/main.ts does).
  assert.is(ran.code, 2)
  assert.is(ran.stderr, `box-upload: port ${port} on 127.0.0.1 is in use: choose another --port, or 0 for any free port\n`)
})

Remote('should keep the session and the state when Box refuses the token (401, another user\'s 403): resume later with the right one', async () => {
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

Remote('should keep the folder and name it started with when a resume is interrupted, and resume a file under 20 MB without --min-file-size', async () => {
  const path = join(dir.path, 'named.bin')
  const sha1 = await writeFileOf(path, 4 * 1024 * 1024, 43)
  const statePath = join(dir.path, '.box-upload-state.named.bin.json')
  const first = start([path, ...remote(), '--concurrency', '1', '--name', 'renamed.bin'])
  await until(() => partsStored() >= 2)
  first.child.kill('SIGINT')
  assert.is((await first.done).code, 130)
  records = []
  // As "Continue with" says: no --min-file-size (the session exists: the server took the size when it was made).
  const second = start([path, '--resume', '--upload-url', box.url, '--token', TOKEN, '--concurrency', '1'])
  await until(() => partsStored() >= 2 || second.child.exitCode !== null)
  second.child.kill('SIGINT')
  const stopped = await second.done
  assert.is(stopped.code, 130, stopped.stderr)
  const saved = JSON.parse(await readFile(statePath, 'utf8')) as { folderId: string; name: string }
  assert.equal([saved.folderId, saved.name], ['0', 'renamed.bin'])
  const resumed = await run([path, '--resume', '--upload-url', box.url, '--token', TOKEN, '--json'])
  assert.is(resumed.code, 0, resumed.stderr)
  const result = JSON.parse(resumed.stdout) as { name: string; sha1: string }
  assert.equal([result.name, result.sha1], ['renamed.bin', sha1])
})

Remote('should remove the state of an earlier interrupted upload once a new upload of the file is done', async () => {
  const { path, upload } = await interrupted('stale.bin', 2, 45)
  assert.is((await upload.done).code, 130)
  const statePath = join(dir.path, '.box-upload-state.stale.bin.json')
  const ran = await run([path, ...remote()])
  assert.is(ran.code, 0, ran.stderr)
  assert.match(ran.stderr, `note: ${statePath} holds an interrupted upload of this file; this starts a new upload`)
  assert.match(ran.stderr, `note: removed ${statePath}, the state of the earlier interrupted upload`)
  assert.not.ok(await exists(statePath), 'a later --resume would upload the file again')
})

Remote('should refuse a state file whose session sizes were changed (exit 2), sending nothing', async () => {
  const { path, upload } = await interrupted('edited.bin', 2, 47)
  assert.is((await upload.done).code, 130)
  const statePath = join(dir.path, '.box-upload-state.edited.bin.json')
  const state = JSON.parse(await readFile(statePath, 'utf8')) as { session: { totalParts: number } }
  state.session.totalParts += 1
  await writeFile(statePath, JSON.stringify(state), { mode: 0o600 })
  records = []
  const ran = await run([path, '--resume', '--upload-url', box.url, '--token', TOKEN, ...small])
  assert.is(ran.code, 2, ran.stderr)
  assert.match(ran.stderr, `${statePath} is not a usable box-upload state file: The stored session's totalParts, partSize and fileSize disagree`)
  assert.equal(records, [], 'nothing was sent: the session is not aborted')
  assert.ok(await exists(statePath))
})

Remote('should refuse a --state file holding another file\'s interrupted upload (exit 2) rather than overwrite it', async () => {
  const statePath = join(dir.path, 'shared-state.json')
  const a = join(dir.path, 'a.bin')
  await writeFileOf(a, 4 * 1024 * 1024, 51)
  const upload = start([a, ...remote(), '--concurrency', '1', '--state', statePath])
  await until(() => partsStored() >= 2)
  upload.child.kill('SIGINT')
  assert.is((await upload.done).code, 130)
  const before = await readFile(statePath, 'utf8')
  const b = join(dir.path, 'b.bin')
  await writeFileOf(b, 300 * 1024, 53)
  records = []
  const ran = await run([b, ...remote(), '--state', statePath])
  assert.is(ran.code, 2, ran.stderr)
  assert.match(ran.stderr, `box-upload: ${statePath} holds an interrupted upload of ${a}: resume that one with it, or choose another --state`)
  assert.equal(records, [], 'nothing was sent')
  assert.is(await readFile(statePath, 'utf8'), before, 'a.bin can still be resumed')
})

Remote('should refuse a --state that is the file uploaded, or a file that is no state file, rather than overwrite it on Ctrl-C', async () => {
  const path = join(dir.path, 'precious.bin')
  const notes = join(dir.path, 'notes.txt')
  await writeFileOf(path, 300 * 1024, 61)
  await writeFile(notes, 'my precious notes\n')
  records = []
  const itself = await run([path, ...remote(), '--state', path])
  assert.is(itself.code, 2, itself.stderr)
  assert.match(itself.stderr, `box-upload: --state ${path} is the file being uploaded`)
  const other = await run([path, ...remote(), '--state', notes])
  assert.is(other.code, 2, other.stderr)
  assert.match(other.stderr, `box-upload: --state ${notes} exists and is not a box-upload state file, which an interruption would overwrite`)
  assert.equal(records, [], 'nothing was sent')
  assert.is(await readFile(notes, 'utf8'), 'my precious notes\n')
  // An empty file (what mktemp makes) holds nothing to lose: it may be the state file.
  const placeholder = join(dir.path, 'placeholder.json')
  await writeFile(placeholder, '')
  const ran = await run([path, ...remote(), '--state', placeholder])
  assert.is(ran.code, 0, ran.stderr)
})

Remote('should say to give the host the server named when its URLs are on another (localhost against 127.0.0.1)', async () => {
  const path = join(dir.path, 'localhost.bin')
  await writeFileOf(path, 1000, 83)
  const localhost = box.url.replace('127.0.0.1', 'localhost')
  const ran = await run([path, '--upload-url', localhost, '--token', TOKEN, ...small])
  assert.is(ran.code, 1, ran.stderr)
  assert.match(ran.stderr, `The server answered with URLs on ${new URL(box.url).origin}: if it is the server you meant, give that host in --upload-url.`)
})

Remote('should refuse a state file whose session is for another size than its file (exit 2), sending nothing', async () => {
  const { path, upload } = await interrupted('resized.bin', 2, 67)
  assert.is((await upload.done).code, 130)
  const statePath = join(dir.path, '.box-upload-state.resized.bin.json')
  const state = JSON.parse(await readFile(statePath, 'utf8')) as { session: { fileSize: number; totalParts: number; partSize: number } }
  // A session consistent in itself, for a smaller file: only its parts' ranges would tell, once sent.
  state.session.fileSize = 3 * 1024 * 1024
  state.session.totalParts = Math.ceil(state.session.fileSize / state.session.partSize)
  await writeFile(statePath, JSON.stringify(state), { mode: 0o600 })
  records = []
  const ran = await run([path, '--resume', '--upload-url', box.url, '--token', TOKEN, ...small])
  assert.is(ran.code, 2, ran.stderr)
  assert.match(ran.stderr, `${statePath} is not a usable box-upload state file: its session is for ${3 * 1024 * 1024} bytes, its file ${4 * 1024 * 1024}`)
  assert.equal(records, [], 'nothing was sent: the session is not aborted')
})

Remote('should write a short state file name for a long file name, and hint ./ for a file named like an option', async () => {
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

// A new user ran `npx box-upload`, which a bare `box-upload` is not (h96): npx's own shell has it on its PATH, theirs does not.
Remote('should say to continue with npx box-upload when run through npx', async () => {
  const path = join(dir.path, 'npx.bin')
  await writeFileOf(path, 4 * 1024 * 1024, 74)
  const upload = start([path, ...remote(), '--concurrency', '1'], { env: cleanEnv({ npm_command: 'exec' }) })
  await until(() => partsStored() >= 2)
  upload.child.kill('SIGINT')
  const stopped = await upload.done
  assert.is(stopped.code, 130, stopped.stderr)
  assert.match(stopped.stderr, `Continue with: npx box-upload ${path} --resume --upload-url ${box.url}`)
  const resumed = await run([path, '--resume', '--upload-url', box.url, '--token', TOKEN, ...small])
  assert.is(resumed.code, 0, resumed.stderr)
})

Remote('should refuse a file name Box refuses before any request, and tell the upload\'s own name through --name', async () => {
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

Remote('should say which state file to give when --resume gets a wrong --state (missing, or another file\'s), sending nothing', async () => {
  const { path: other, upload } = await interrupted('other.bin', 2, 61)
  assert.is((await upload.done).code, 130)
  const otherState = join(dir.path, '.box-upload-state.other.bin.json')
  const mine = join(dir.path, 'mine.bin')
  await writeFileOf(mine, 4 * 1024 * 1024, 62)
  const nowhere = join(dir.path, 'nowhere.json')
  const args = ['--upload-url', box.url, '--token', TOKEN]
  records = []
  const missing = await run([mine, '--resume', '--state', nowhere, ...args])
  assert.is(missing.code, 2, missing.stderr)
  assert.is(missing.stderr, `box-upload: nothing to resume: no state file ${nowhere}: check the --state path, or upload without --resume\n`)
  const wrong = await run([mine, '--resume', '--state', otherState, ...args])
  assert.is(wrong.code, 2, wrong.stderr)
  // That state is still the other file's way back: no "start a new upload", no "the old session expires".
  // The command to continue it on a line of its own, last: nothing to copy with it but the command.
  assert.is(wrong.stderr, `box-upload: refusing to resume ${mine} with ${otherState}: it holds the interrupted upload of ${other}. ` +
    `For ${mine}, upload it without --resume.\nTo continue that one (with a valid token of the user who started it, if it had one): box-upload ${other} --resume --upload-url ${box.url}\n`)
  // Once the file has a state of its own, a wrong --state points to it.
  const own = start([mine, ...remote(), '--concurrency', '1'])
  await until(() => partsStored() >= 2)
  own.child.kill('SIGINT')
  assert.is((await own.done).code, 130)
  const ownState = join(dir.path, '.box-upload-state.mine.bin.json')
  records = []
  const missingAgain = await run([mine, '--resume', '--state', nowhere, ...args])
  assert.is(missingAgain.stderr, `box-upload: nothing to resume: no state file ${nowhere}: check the --state path, or leave it out to resume from ${ownState}, this file's own state file\n`)
  const wrongAgain = await run([mine, '--resume', '--state', otherState, ...args])
  assert.match(wrongAgain.stderr, `. For ${mine}, leave out --state to resume from ${ownState}, this file's own state file.\nTo continue that one (with a valid token of the user who started it, if it had one): box-upload ${other} --resume --upload-url ${box.url}\n`)
  assert.equal(records, [], 'nothing was sent')
  assert.not.match(missing.stderr + wrong.stderr + missingAgain.stderr + wrongAgain.stderr, TOKEN)
})

Remote('should resume with --api-url alone (no token, no --upload-url): to the state file\'s server, checking the download there', async () => {
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

Remote('should stop without "keeping its session" on Ctrl-C or SIGTERM before the session exists', async () => {
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

Remote('should say the session being created is kept when Ctrl-C comes while it is created, then keep the one the server creates', async () => {
  // Every request waits 1.5 s in front of the emulator, whose endpoints name this front.
  let asked = 0
  let target = ''
  const late = createServer((req, res) => {
    asked += 1
    const chunks: Array<Buffer> = []
    req.on('data', (chunk: Buffer) => void chunks.push(chunk)).on('end', async () => {
      await new Promise((resolve) => setTimeout(resolve, 1500))
      const headers = Object.fromEntries(Object.entries(req.headers).filter((entry): entry is [string, string] => typeof entry[1] === 'string'))
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

Remote('should say a server (not Box) refused the token, without calling it expired nor printing it', async () => {
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

Remote('should shut the emulator down on SIGHUP (the terminal closed) as on Ctrl-C, then end by that signal', async () => {
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

// An upload of the file to the embedded emulator leaves this machine with nothing: the earlier upload is still to finish.
Remote('should leave an earlier interrupted upload\'s state when the file is then uploaded elsewhere (the embedded emulator)', async () => {
  const { path, upload } = await interrupted('elsewhere.bin', 2, 47)
  assert.is((await upload.done).code, 130)
  const statePath = join(dir.path, '.box-upload-state.elsewhere.bin.json')
  const before = await readFile(statePath, 'utf8')
  const ran = await run([path, ...small])
  assert.is(ran.code, 0, ran.stderr)
  assert.match(ran.stderr, `note: ${statePath} still holds the interrupted upload to ${box.url} (folder 0, as elsewhere.bin), to finish there with --resume`)
  assert.is(await readFile(statePath, 'utf8'), before, 'the earlier upload can still be resumed')
  const resumed = await run([path, '--resume', '--upload-url', box.url, '--token', TOKEN, ...small])
  assert.is(resumed.code, 0, resumed.stderr)
})

Remote('should leave an earlier interrupted upload\'s state when the file is then uploaded to another server', async () => {
  const { path, upload } = await interrupted('other-server.bin', 2, 52)
  assert.is((await upload.done).code, 130)
  const statePath = join(dir.path, '.box-upload-state.other-server.bin.json')
  const before = await readFile(statePath, 'utf8')
  const other = await startEmulator({ tokens: [TOKEN], minFileSize: 1, partSize: 256 * 1024 })
  try {
    const ran = await run([path, '--upload-url', other.url, '--token', TOKEN, ...small])
    assert.is(ran.code, 0, ran.stderr)
    assert.match(ran.stderr, `note: ${statePath} still holds the interrupted upload to ${box.url} (folder 0, as other-server.bin), to finish there with --resume`)
  } finally {
    await other.close()
  }
  assert.is(await readFile(statePath, 'utf8'), before, 'the earlier upload can still be resumed')
})

// The same server named otherwise (localhost, 127.0.0.1): its sessions' URLs are what it calls itself.
Remote('should remove an earlier interrupted upload\'s state once the file is uploaded to the same server named otherwise', async () => {
  const path = join(dir.path, 'renamed-host.bin')
  await writeFileOf(path, 4 * 1024 * 1024, 53)
  const localhost = box.url.replace('127.0.0.1', 'localhost')
  const upload = start([path, '--upload-url', localhost, '--api-url', box.apiUrl, '--token', TOKEN, ...small, '--concurrency', '1'])
  await until(() => partsStored() >= 2)
  upload.child.kill('SIGINT')
  assert.is((await upload.done).code, 130)
  const statePath = join(dir.path, '.box-upload-state.renamed-host.bin.json')
  const ran = await run([path, ...remote()])
  assert.is(ran.code, 0, ran.stderr)
  assert.match(ran.stderr, `note: removed ${statePath}, the state of the earlier interrupted upload`)
  assert.not.ok(await exists(statePath))
})

Remote('should leave an earlier interrupted upload\'s state when the file is then uploaded under another name on the same server', async () => {
  const { path, upload } = await interrupted('other-name.bin', 2, 54)
  assert.is((await upload.done).code, 130)
  const statePath = join(dir.path, '.box-upload-state.other-name.bin.json')
  const before = await readFile(statePath, 'utf8')
  const ran = await run([path, ...remote(), '--name', 'other-name-renamed.bin'])
  assert.is(ran.code, 0, ran.stderr)
  assert.match(ran.stderr, `note: ${statePath} still holds the interrupted upload to ${box.url} (folder 0, as other-name.bin), to finish there with --resume`)
  assert.is(await readFile(statePath, 'utf8'), before, 'the earlier upload can still be resumed')
})

/** An upload of `name` interrupted once, then a new upload of the file given its first Ctrl-C once 2 parts are stored. */
const earlierThenNew = async (name: string, seed: number) => {
  const { path, upload } = await interrupted(name, 2, seed)
  assert.is((await upload.done).code, 130)
  const statePath = join(dir.path, `.box-upload-state.${name}.json`)
  const earlier = JSON.parse(await readFile(statePath, 'utf8')) as { session: { id: string } }
  const stored = partsStored()
  const second = start([path, ...remote(), '--concurrency', '1'])
  await until(() => partsStored() >= stored + 2)
  second.child.kill('SIGINT')
  return { path, statePath, earlier, second }
}

// Folder 0 is each user's own: another user's upload of the file is not this one's to replace.
Remote('should leave an earlier interrupted upload\'s state when another user uploads the file to the same server', async () => {
  const { path, upload } = await interrupted('other-user.bin', 2, 57)
  assert.is((await upload.done).code, 130)
  const statePath = join(dir.path, '.box-upload-state.other-user.bin.json')
  const before = await readFile(statePath, 'utf8')
  // No token: the emulator's public one, another user of this emulator.
  const ran = await run([path, '--upload-url', box.url, ...small])
  assert.is(ran.code, 0, ran.stderr)
  assert.match(ran.stderr, `note: ${statePath} still holds the interrupted upload to ${box.url} (folder 0, as other-user.bin), to finish there with --resume`)
  assert.is(await readFile(statePath, 'utf8'), before)
})

// Box compares names without case: the same name in other case is the same file there.
Remote('should remove an earlier interrupted upload\'s state once the file is uploaded under its name in other case', async () => {
  const { path, upload } = await interrupted('case-name.bin', 2, 59)
  assert.is((await upload.done).code, 130)
  const statePath = join(dir.path, '.box-upload-state.case-name.bin.json')
  const ran = await run([path, ...remote(), '--name', 'CASE-NAME.bin'])
  assert.is(ran.code, 0, ran.stderr)
  assert.match(ran.stderr, `note: removed ${statePath}, the state of the earlier interrupted upload`)
})

Remote('should give an earlier interrupted upload its state back when a new upload of the file is stopped with Ctrl-C twice', async () => {
  const { path, statePath, earlier: before, second } = await earlierThenNew('twice-earlier.bin', 48)
  await until(() => second.stderr().includes('Ctrl-C again to abort'))
  second.child.kill('SIGINT')
  const ran = await second.done
  assert.is(ran.code, 130, ran.stderr)
  assert.match(ran.stderr, `interrupted twice: the upload session was aborted, nothing to resume (${statePath} holds the earlier interrupted upload again)`)
  const after = JSON.parse(await readFile(statePath, 'utf8')) as { session: { id: string } }
  assert.is(after.session.id, before.session.id)
  const resumed = await run([path, '--resume', '--upload-url', box.url, '--token', TOKEN, ...small])
  assert.is(resumed.code, 0, resumed.stderr)
})

// Another run may write its own state there between this run's Ctrl-Cs: that one's way back stays.
Remote('should not put an earlier upload\'s state back over a state another run wrote after the first Ctrl-C', async () => {
  const { statePath, earlier, second } = await earlierThenNew('twice-other-run.bin', 56)
  // Once this run saved its own session there (read at once: a read still pending must not meet the write below).
  await until(() => (JSON.parse(readFileSync(statePath, 'utf8')) as { session: { id: string } }).session.id !== earlier.session.id)
  // A third run's state: the earlier one's, under a session id of its own.
  const third = { ...earlier, session: { ...earlier.session, id: 'F00D'.repeat(8) } }
  await writeFile(statePath, JSON.stringify(third))
  second.child.kill('SIGINT')
  const ran = await second.done
  assert.is(ran.code, 130, ran.stderr)
  assert.match(ran.stderr, 'interrupted twice: the upload session was aborted, nothing to resume')
  assert.not.match(ran.stderr, 'holds the earlier interrupted upload again')
  assert.is((JSON.parse(await readFile(statePath, 'utf8')) as { session: { id: string } }).session.id, third.session.id)
})

// Node's working directory is the physical one: a shell in a linked directory names its files otherwise.
Remote('should resume a file through its physical path when it was started through a link to its directory', async () => {
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

// The session's URLs are on the --api-url's host: a resume takes no --api-url from the state file, so the advice gives it.
Remote('should say --api-url in the advice when it is on another host than --upload-url, and keep the state when a resume without it is refused', async () => {
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

Remote('should fail, not report a mix of two versions as uploaded, when the file is rewritten in place (same size) while it is read', async () => {
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
})

const Committing = suite('Ctrl-C once every part is uploaded')

Committing('should let the commit in flight finish, then say the file is committed (no session left to resume)', async () => {
  // Every answer takes 700 ms: the commit is in flight for that long after the last part is confirmed.
  const slow = await startEmulator({ tokens: [TOKEN], minFileSize: 1, partSize: 256 * 1024, faults: { latencyMs: 700 } })
  const temp = await tempDir()
  try {
    const path = join(temp.path, 'commit.bin')
    await writeFileOf(path, 512 * 1024, 49)
    const upload = start([path, '--upload-url', slow.url, '--api-url', slow.apiUrl, '--token', TOKEN, ...small])
    await until(() => upload.stderr().includes('progress 100%'))
    upload.child.kill('SIGINT')
    const ran = await upload.done
    assert.is(ran.code, 130, ran.stderr)
    assert.match(ran.stderr, 'Interrupted: every part is uploaded, so the commit gets up to 5 s to finish')
    assert.match(ran.stderr, /box-upload: uploaded as file \d+ \(committed\), then stopped: the file was not checked/)
    assert.not.ok(await exists(join(temp.path, '.box-upload-state.commit.bin.json')), 'no state: nothing to resume')
  } finally {
    await slow.close()
    await temp.remove()
  }
})

Committing('should stop at once on a resume whose parts Box holds while the file is still being read (no commit on its way yet)', async () => {
  // Commits answered 202 (wait 60 s) for ever: the first run stops in the commit's wait with every part stored.
  const held = await startEmulator({ tokens: [TOKEN], minFileSize: 1, partSize: 1024 * 1024, faults: { commitAccepted: 1_000_000, retryAfterSeconds: 60 } })
  const temp = await tempDir()
  try {
    const path = join(temp.path, 'held.bin')
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
  } finally {
    await held.close()
    await temp.remove()
  }
})

// A committed session may still answer the DELETE 204: whether a commit was under way decides what is said.
Committing('should say a commit a second Ctrl-C cut off may have gone through, and where to look', async () => {
  const held = await startEmulator({ tokens: [TOKEN], minFileSize: 1, partSize: 256 * 1024, faults: { commitAccepted: 1_000_000, retryAfterSeconds: 60 } })
  const temp = await tempDir()
  try {
    const path = join(temp.path, 'cut-off.bin')
    await writeFileOf(path, 512 * 1024, 58)
    const upload = start([path, '--upload-url', held.url, '--token', TOKEN, ...small])
    await until(() => upload.stderr().includes('progress 100%'))
    const ran = await ctrlCs(upload, ['the commit gets up to 5 s to finish'])
    assert.is(ran.code, 130, ran.stderr)
    assert.match(ran.stderr, 'box-upload: interrupted twice: the upload session was deleted, but its commit was under way and may have gone through: look for cut-off.bin in folder 0')
  } finally {
    await held.close()
    await temp.remove()
  }
})

/** A 4 MiB file at `path` uploaded to `url` one part at a time, stopped with Ctrl-C once a part is stored (`seen`: the server's records). */
const interruptedAt = async (url: string, seen: ReadonlyArray<RequestRecord>, path: string, seed: number) => {
  const sha1 = await writeFileOf(path, 4 * 1024 * 1024, seed)
  const args = ['--upload-url', url, '--token', TOKEN, ...small]
  const first = start([path, ...args, '--concurrency', '1'])
  await until(() => seen.some((r) => r.method === 'PUT' && r.status === 200))
  first.child.kill('SIGINT')
  assert.is((await first.done).code, 130)
  return { path, args, sha1 }
}

/** What a `proxy` hook sees of a request: its method and path (with the query). */
type Seen = { readonly method: string; readonly url: string }

/**
 * An HTTP proxy on 127.0.0.1 forwarding to `target()` (an origin, which may be set once the proxy
 * listens); `answer` may take a request itself (answering it, or holding it: never answering), and
 * `rewrite` may change the forwarded answers' bodies.
 */
const proxy = async (
  target: () => string,
  answer: (request: Seen, response: ServerResponse) => boolean = () => false,
  rewrite: (body: string) => string = (body) => body,
) => {
  const seen: Array<Seen> = []
  const server = createServer((request, response) => {
    const chunks: Array<Buffer> = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const asked = { method: request.method ?? 'GET', url: request.url ?? '' }
      seen.push(asked)
      if (answer(asked, response)) return
      const headers = Object.fromEntries(Object.entries(request.headers).filter(([name, value]) => typeof value === 'string' && !['host', 'connection', 'content-length'].includes(name))) as Record<string, string>
      void fetch(target() + asked.url, { method: asked.method, headers, ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}) })
        .then(async (forwarded) => {
          const body = Buffer.from(await forwarded.arrayBuffer())
          const json = (forwarded.headers.get('content-type') ?? '').includes('json')
          response.writeHead(forwarded.status, { 'content-type': forwarded.headers.get('content-type') ?? 'application/json', ...(forwarded.headers.has('retry-after') ? { 'retry-after': forwarded.headers.get('retry-after') as string } : {}) })
          response.end(json ? rewrite(body.toString('utf8')) : body)
        }, () => response.destroy())
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: async () => {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

const Refusals = suite('a 403 that is not about the token')

Refusals('should abort the session on a 403 storage_limit_exceeded at the commit, not keep it for another token', async () => {
  // The emulator never refuses room mid-session; a proxy in front of it answers the commit so.
  const TOKEN2 = 'room-test-token'
  let target = ''
  const front = await proxy(() => target, (request, response) => {
    if (request.method !== 'POST' || !request.url.endsWith('/commit')) return false
    response.writeHead(403, { 'content-type': 'application/json' })
    response.end(JSON.stringify({ type: 'error', status: 403, code: 'storage_limit_exceeded', message: 'Account storage limit reached', request_id: 'room1' }))
    return true
  })
  const origin = front.origin
  const behind = await startEmulator({ tokens: [TOKEN2], minFileSize: 1, partSize: 256 * 1024, uploadBaseUrl: `${origin}/api/2.0` })
  target = new URL(behind.url).origin
  const temp = await tempDir()
  try {
    const path = join(temp.path, 'room.bin')
    await writeFileOf(path, 600 * 1024, 55)
    const ran = await run([path, '--upload-url', `${origin}/api/2.0`, '--token', TOKEN2, ...small])
    assert.is(ran.code, 1, ran.stderr)
    assert.match(ran.stderr, 'box-upload: upload failed: Box answered 403 storage_limit_exceeded')
    assert.not.match(ran.stderr, '--resume')
    assert.ok(front.seen.some((request) => request.method === 'DELETE'), 'the session was aborted')
    assert.not.ok(await exists(join(temp.path, '.box-upload-state.room.bin.json')))
  } finally {
    await behind.close()
    await front.close()
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

const Kept = suite('the session kept where a resume can finish it')

/** An emulator of its own for one test, its records, and a temp directory; both closed after `body`. */
const alone = async (options: Parameters<typeof startEmulator>[0], body: (own: RunningEmulator, seen: Array<RequestRecord>, path: string) => Promise<void>) => {
  const seen: Array<RequestRecord> = []
  const own = await startEmulator({ tokens: [TOKEN], minFileSize: 1, partSize: 256 * 1024, ...options, onRequest: (r) => void seen.push(r) })
  const temp = await tempDir()
  try {
    await body(own, seen, temp.path)
  } finally {
    await own.close()
    await temp.remove()
  }
}

Kept('should leave a state file from the session\'s creation, so that an upload killed with SIGKILL can be resumed', () => alone({ faults: { latencyMs: 40 } }, async (own, seen, folder) => {
  const path = join(folder, 'killed.bin')
  const sha1 = await writeFileOf(path, 4 * 1024 * 1024, 61)
  const args = ['--upload-url', own.url, '--api-url', own.apiUrl, '--token', TOKEN, ...small]
  const statePath = join(folder, '.box-upload-state.killed.bin.json')
  const first = start([path, ...args, '--concurrency', '1'])
  await until(() => seen.filter((r) => r.method === 'PUT' && r.status === 200).length >= 3)
  first.child.kill('SIGKILL')
  assert.is((await first.done).signal, 'SIGKILL')
  const stored = seen.filter((r) => r.method === 'PUT' && r.status === 200).length
  assert.ok(await exists(statePath), 'the state was written when the session was created')
  const resumed = await run([path, '--resume', '--upload-url', own.url, '--token', TOKEN, '--json', ...small])
  assert.is(resumed.code, 0, resumed.stderr)
  const result = JSON.parse(resumed.stdout) as { id: string; sha1: string; resumed: boolean }
  assert.equal([result.sha1, result.resumed], [sha1, true])
  assert.is(await downloaded(own, result.id, TOKEN), sha1)
  // Parts in flight at the kill may be sent again: stored ones are not.
  assert.ok(seen.filter((r) => r.method === 'PUT' && r.status === 200).length <= 16 + 1, 'parts stored before the kill were not sent again')
  assert.ok(stored < 16, `killed before the end (${stored} parts stored)`)
  assert.not.ok(seen.some((r) => r.method === 'DELETE'))
  assert.not.ok(await exists(statePath), 'the state file is gone once done')
}))

Kept('should remove the state file it wrote once the upload is committed, or its session deleted after a failure', () => alone({ faults: { uploadFailedAfterParts: 2 } }, async (own, seen, folder) => {
  const path = join(folder, 'done.bin')
  await writeFileOf(path, 1024 * 1024, 62)
  const args = ['--upload-url', own.url, '--api-url', own.apiUrl, '--token', TOKEN, ...small]
  const failed = await run([path, ...args])
  assert.is(failed.code, 1, failed.stderr)
  assert.ok(seen.some((r) => r.method === 'DELETE'), 'the failed session was deleted')
  assert.equal((await readdir(folder)).sort(), ['done.bin'], 'no state file, no temp file left')
}))

Kept('should keep the session and the state when the commit is still answered 202 past its wait, and commit it with --resume', () => alone({ faults: { commitAccepted: 1, retryAfterSeconds: 400 } }, async (own, seen, folder) => {
  const path = join(folder, 'slow.bin')
  const sha1 = await writeFileOf(path, 1024 * 1024, 63)
  const args = ['--upload-url', own.url, '--api-url', own.apiUrl, '--token', TOKEN, ...small]
  const first = await run([path, ...args])
  assert.is(first.code, 1, first.stderr)
  assert.match(first.stderr, 'Box answered 202')
  assert.match(first.stderr, 'longer than the command waits')
  assert.match(first.stderr, 'Continue with: box-upload')
  assert.not.match(first.stderr, 'keepSessionOnError')
  assert.not.ok(seen.some((r) => r.method === 'DELETE'), 'every part is uploaded: the session is not deleted')
  const puts = seen.filter((r) => r.method === 'PUT').length
  const resumed = await run([path, '--resume', '--upload-url', own.url, '--token', TOKEN, '--json', ...small])
  assert.is(resumed.code, 0, resumed.stderr)
  assert.is((JSON.parse(resumed.stdout) as { sha1: string }).sha1, sha1)
  assert.is(seen.filter((r) => r.method === 'PUT').length, puts, 'no part sent again')
}))

Kept('should keep the session when a file of its name appeared before the commit, and say to move that file, not to rename the upload', () => alone({ faults: { latencyMs: 40 } }, async (own, seen, folder) => {
  const path = join(folder, 'clash.bin')
  await writeFileOf(path, 4 * 1024 * 1024, 64)
  const other = join(folder, 'other.bin')
  await writeFileOf(other, 300 * 1024, 65)
  const args = ['--upload-url', own.url, '--api-url', own.apiUrl, '--token', TOKEN, ...small]
  const first = start([path, ...args, '--concurrency', '1'])
  await until(() => seen.some((r) => r.method === 'PUT' && r.status === 200))
  first.child.kill('SIGINT')
  assert.is((await first.done).code, 130)
  assert.is((await run([other, ...args, '--name', 'clash.bin'])).code, 0)
  const resumed = await run([path, '--resume', '--upload-url', own.url, '--token', TOKEN, '--json', ...small])
  assert.is(resumed.code, 1, resumed.stderr)
  assert.match(resumed.stderr, 'item_name_in_use')
  assert.match(resumed.stderr, 'rename, move or delete that file in Box')
  assert.not.match(resumed.stderr, 'with --name')
  const json = JSON.parse(resumed.stdout) as { error: { code: string; message: string } }
  assert.is(json.error.code, 'item_name_in_use')
  assert.match(json.error.message, 'rename, move or delete that file in Box')
  assert.match(resumed.stderr, 'Continue with: box-upload')
  assert.not.ok(seen.some((r) => r.method === 'DELETE'), 'the session is kept')
  assert.ok(await exists(join(folder, '.box-upload-state.clash.bin.json')))
}))

Kept('should resume a state file whose URL is spelled otherwise than the --upload-url given (upper case, a trailing slash)', () => alone({ faults: { latencyMs: 40 } }, async (own, seen, folder) => {
  const { path, sha1 } = await interruptedAt(own.url, seen, join(folder, 'spelled.bin'), 67)
  const statePath = join(folder, '.box-upload-state.spelled.bin.json')
  const state = JSON.parse(await readFile(statePath, 'utf8')) as { uploadUrl: string }
  await writeFile(statePath, JSON.stringify({ ...state, uploadUrl: `${own.url.replace('http://', 'HTTP://')}/` }))
  const resumed = await run([path, '--resume', '--upload-url', own.url, '--token', TOKEN, '--json', ...small])
  assert.is(resumed.code, 0, resumed.stderr)
  assert.is((JSON.parse(resumed.stdout) as { sha1: string }).sha1, sha1)
}))

Kept("should remove the state file only while it holds its own session: an upload done after another of the file was kept leaves that one's state", () => alone({ faults: { latencyMs: 60 } }, async (own, seen, folder) => {
  const path = join(folder, 'twice.bin')
  const sha1 = await writeFileOf(path, 4 * 1024 * 1024, 68)
  const args = ['--upload-url', own.url, '--api-url', own.apiUrl, '--token', TOKEN, ...small]
  const statePath = join(folder, '.box-upload-state.twice.bin.json')
  const sessionIn = async () => (JSON.parse(await readFile(statePath, 'utf8')) as { session: { id: string } }).session.id
  const first = start([path, ...args, '--concurrency', '1'], { timeoutMs: 60_000 })
  await until(() => seen.some((r) => r.method === 'PUT' && r.status === 200))
  const firstSession = await sessionIn()
  // A second upload of the file, kept by Ctrl-C: its state replaces the first one's.
  const second = start([path, ...args, '--concurrency', '1', '--name', 'second.bin'], { timeoutMs: 60_000 })
  await until(() => seen.filter((r) => r.method === 'POST' && r.status === 201).length >= 2)
  await until(() => second.stderr().includes('progress'))
  second.child.kill('SIGINT')
  assert.is((await second.done).code, 130)
  const secondSession = await sessionIn()
  assert.is.not(secondSession, firstSession)
  assert.is((await first.done).code, 0)
  assert.is(await sessionIn(), secondSession, 'the first upload, done, left the state that is not its own')
  const resumed = await run([path, '--resume', '--upload-url', own.url, '--token', TOKEN, '--json', ...small], { timeoutMs: 60_000 })
  assert.is(resumed.code, 0, resumed.stderr)
  assert.equal(JSON.parse(resumed.stdout).sha1, sha1)
}))

Kept('should say at once when the state file cannot be written, and still upload', () => alone({}, async (own, _seen, folder) => {
  const path = join(folder, 'nowhere.bin')
  await writeFileOf(path, 600 * 1024, 66)
  // A directory that is missing, and one that is a file (where even the temp file's removal fails: ENOTDIR).
  await writeFile(join(folder, 'a-file'), 'x')
  for (const [state, name] of [[join(folder, 'missing-dir', 'state.json'), 'one.bin'], [join(folder, 'a-file', 'state.json'), 'two.bin']] as const) {
    const ran = await run([path, '--upload-url', own.url, '--api-url', own.apiUrl, '--token', TOKEN, '--state', state, '--name', name, '--json', ...small])
    assert.is(ran.code, 0, ran.stderr)
    assert.match(ran.stderr, `note: cannot write the state file ${state}`)
    assert.match(ran.stderr, 'if this upload is killed it cannot be resumed (give --state a writable path)')
    assert.is((JSON.parse(ran.stdout) as { ok: boolean }).ok, true)
  }
}))

Embedded.run()
Remote.run()
Committing.run()
Refusals.run()
Kept('should keep the session and its state when a second Ctrl-C cannot abort it (the server is gone)', async () => {
  const seen: Array<RequestRecord> = []
  const own = await startEmulator({ tokens: [TOKEN], minFileSize: 1, partSize: 256 * 1024, faults: { latencyMs: 40 }, onRequest: (r) => void seen.push(r) })
  const temp = await tempDir()
  let closed = false
  try {
    const path = join(temp.path, 'unreachable.bin')
    await writeFileOf(path, 4 * 1024 * 1024, 51)
    const upload = start([path, '--upload-url', own.url, '--token', TOKEN, ...small, '--concurrency', '1'])
    await until(() => seen.some((r) => r.method === 'PUT' && r.status === 200))
    upload.child.kill('SIGINT')
    await until(() => upload.stderr().includes('Ctrl-C again to abort'))
    await own.close()
    closed = true
    upload.child.kill('SIGINT')
    const ran = await upload.done
    assert.is(ran.code, 130, ran.stderr)
    assert.match(ran.stderr, 'box-upload: interrupted twice, but the upload session could not be aborted: ')
    assert.match(ran.stderr, `Continue with: box-upload ${path} --resume --upload-url ${own.url}`)
    assert.ok(await exists(join(temp.path, '.box-upload-state.unreachable.bin.json')), 'the state stays with the session')
    assert.not.ok(seen.some((r) => r.method === 'DELETE'))
  } finally {
    if (!closed) await own.close()
    await temp.remove()
  }
})

// Nobody can resume an expired session: its state is done with, whoever's it was.
Kept('should remove an earlier interrupted upload\'s state whose session expired once the file is uploaded there again', async () => {
  let now = Date.now()
  await alone({ faults: { latencyMs: 40 }, clock: () => now }, async (own, seen, folder) => {
    const { path, args } = await interruptedAt(own.url, seen, join(folder, 'expired.bin'), 60)
    now += 8 * 24 * 3600_000
    const statePath = join(folder, '.box-upload-state.expired.bin.json')
    const ran = await run([path, ...args])
    assert.is(ran.code, 0, ran.stderr)
    assert.match(ran.stderr, `note: removed ${statePath}, the state of the earlier interrupted upload`)
    assert.not.ok(await exists(statePath))
  })
})

// README: "A resume whose session is gone (404) ends with the file when the commit Box applied was its own": here the
// interrupted upload's session is committed behind the CLI's back (as when a commit went through but its answers were
// lost), by the library's resume with the same bytes; --resume then meets a session gone (its status and parts 404).
Kept('should end a --resume with the file when the session\'s commit was applied though the interrupted upload never learned it', () => alone({}, async (own, seen, folder) => {
  const { path, sha1 } = await interruptedAt(own.url, seen, join(folder, 'applied.bin'), 62)
  const statePath = join(folder, '.box-upload-state.applied.bin.json')
  const state = JSON.parse(await readFile(statePath, 'utf8')) as { readonly session: StoredSession }
  const box = client({ token: TOKEN, uploadUrl: own.url, apiUrl: own.apiUrl })
  const committed = await resume(box)({ session: state.session, source: Readable.toWeb(createReadStream(path)) as unknown as ReadableStream<Uint8Array> })()
  assert.ok(E.isRight(committed), JSON.stringify(committed))
  const before = seen.length
  const resumed = await run([path, '--resume', '--upload-url', own.url, '--token', TOKEN, '--json', ...small])
  assert.is(resumed.code, 0, resumed.stderr)
  const result = JSON.parse(resumed.stdout) as { id: string; sha1: string }
  assert.equal([result.id, result.sha1], [(committed as E.Right<BoxFile>).right.id, sha1])
  const sent = seen.slice(before).map((r) => `${r.method} ${r.status}`)
  assert.not.ok(sent.some((r) => r.startsWith('PUT')), `no part sent: ${sent.join(', ')}`)
  assert.ok(sent.includes('POST 201'), `the commit sent once more gave the file: ${sent.join(', ')}`)
  assert.not.ok(await exists(statePath), 'the state file is removed')
}))

Kept.run()

const AfterCommit = suite('after the commit: the earlier upload\'s state, the download check')

/**
 * An emulator behind a proxy that holds (never answers) `GET` of the session `held()` names, and what
 * the emulator saw; an earlier upload of a 4 MiB file `name` there interrupted once; then `body`.
 */
const behindProxy = async (
  name: string, seed: number,
  body: (args: ReadonlyArray<string>, path: string, statePath: string, earlier: string, holding: () => boolean) => Promise<void>,
) => {
  const seen: Array<RequestRecord> = []
  let held: string | undefined
  let holding = false
  let target = ''
  const front = await proxy(() => target, (request) => {
    if (held === undefined || request.method !== 'GET' || request.url !== `/api/2.0/files/upload_sessions/${held}`) return false
    holding = true
    return true
  })
  const behind = await startEmulator({ tokens: [TOKEN], minFileSize: 1, partSize: 256 * 1024, uploadBaseUrl: `${front.origin}/api/2.0`, faults: { latencyMs: 40 }, onRequest: (r) => void seen.push(r) })
  target = new URL(behind.url).origin
  const temp = await tempDir()
  try {
    const { path, args } = await interruptedAt(`${front.origin}/api/2.0`, seen, join(temp.path, name), seed)
    const statePath = join(temp.path, `.box-upload-state.${name}.json`)
    held = (JSON.parse(await readFile(statePath, 'utf8')) as { session: { id: string } }).session.id
    await body([...args, '--api-url', `${front.origin}/2.0`], path, statePath, held, () => holding)
  } finally {
    await behind.close()
    await front.close()
    await temp.remove()
  }
}

AfterCommit('should give the check of an earlier upload\'s session 5 s at most, then keep its state', () => behindProxy('bounded.bin', 71, async (args, path, statePath, earlier, holding) => {
  const upload = start([path, ...args, '--json'], { timeoutMs: 30_000 })
  await until(holding, 15_000)
  const asked = Date.now()
  const ran = await upload.done
  const waited = Date.now() - asked
  assert.is(ran.code, 0, ran.stderr)
  assert.is((JSON.parse(ran.stdout) as { verified: boolean }).verified, true)
  assert.ok(waited >= 4500 && waited < 15_000, `the check was given its 5 s, no more (${waited} ms)`)
  assert.match(ran.stderr, `note: ${statePath} still holds the interrupted upload to `)
  assert.is((JSON.parse(await readFile(statePath, 'utf8')) as { session: { id: string } }).session.id, earlier, 'a session that could not be read stays resumable')
}))

AfterCommit('should cut the check of an earlier upload\'s session short on Ctrl-C: committed, not checked, its state kept', () => behindProxy('cut-short.bin', 72, async (args, path, statePath, earlier, holding) => {
  const upload = start([path, ...args, '--json'], { timeoutMs: 30_000 })
  await until(holding, 15_000)
  const asked = Date.now()
  upload.child.kill('SIGINT')
  const ran = await upload.done
  const waited = Date.now() - asked
  assert.is(ran.code, 130, ran.stderr)
  assert.ok(waited < 4000, `stopped at once, not after the check's 5 s (${waited} ms)`)
  assert.match(ran.stderr, 'Interrupted: stopping the check of the earlier upload\'s state…')
  assert.match(ran.stderr, /box-upload: uploaded as file \d+ \(committed\), then stopped: the file was not checked/)
  assert.match((JSON.parse(ran.stdout) as { message: string }).message, 'then stopped: the file was not checked')
  assert.is((JSON.parse(await readFile(statePath, 'utf8')) as { session: { id: string } }).session.id, earlier)
}))

/**
 * A 600 KiB file `name` uploaded with `--json` to an emulator of its own that puts a FIFO in the file's place once
 * it is committed: the check's second read of the file then lasts as the test likes. `body` gets the run, the
 * file's path, and whether the download (which comes with that read) has begun.
 */
const fifoAtCommit = async (name: string, seed: number, body: (upload: Running, path: string, downloading: () => boolean) => Promise<void>) => {
  const temp = await tempDir()
  const path = join(temp.path, name)
  const fifo = join(temp.path, 'fifo')
  let downloading = false
  const own = await startEmulator({
    tokens: [TOKEN], minFileSize: 1, partSize: 256 * 1024,
    onRequest: (r) => {
      if (r.method === 'POST' && r.path.endsWith('/commit') && r.status === 201) renameSync(fifo, path)
      if (r.method === 'GET' && r.path.endsWith('/content')) downloading = true
    },
  })
  try {
    await writeFileOf(path, 600 * 1024, seed)
    execFileSync('mkfifo', [fifo])
    await body(start([path, '--upload-url', own.url, '--api-url', own.apiUrl, '--token', TOKEN, '--json', ...small]), path, () => downloading)
  } finally {
    await own.close()
    await temp.remove()
  }
}

// The local file is read again for the check, alongside the download: the first Ctrl-C stops that read too. Here
// the FIFO is fed a little at a time for as long as it is read: read to its end, it would never end.
AfterCommit('should stop reading the local file again on the first Ctrl-C during the download check: exit 130 at once, committed, not checked', () => fifoAtCommit('fed.bin', 79, async (upload, path, downloading) => {
  await until(downloading)
  // The check opens the FIFO to read it: opened to write as well, it is fed.
  const writer = await open(path, 'w')
  let feeding = true
  let fed = 0
  const feed = (async () => {
    while (feeding) {
      // Once the reader is gone: EPIPE.
      fed += (await writer.write(new Uint8Array(4096)).catch(() => ({ bytesWritten: 0 }))).bytesWritten
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  })()
  try {
    await until(() => fed > 0)
    const asked = Date.now()
    upload.child.kill('SIGINT')
    const ran = await upload.done
    const waited = Date.now() - asked
    assert.is(ran.code, 130, ran.stderr)
    assert.ok(waited < 3000, `stopped at once, not when the file's read ends (${waited} ms)`)
    assert.match(ran.stderr, 'Interrupted: stopping the download check…')
    assert.match((JSON.parse(ran.stdout) as { message: string }).message, /^uploaded as file \d+ \(committed\), then stopped: the download check did not end, so the file was not checked$/)
  } finally {
    feeding = false
    await feed
    await writer.close()
  }
}))

// A read that never ends (a hung network mount; here the FIFO, never fed) holds the check past two Ctrl-Cs.
AfterCommit('should exit at once on a third Ctrl-C during the download check, saying in the one JSON object that the file is committed but not checked', () => fifoAtCommit('unread.bin', 73, async (upload, _path, downloading) => {
  await until(downloading)
  upload.child.kill('SIGINT')
  await until(() => upload.stderr().includes('Interrupted: stopping the download check…'))
  upload.child.kill('SIGINT')
  await until(() => upload.stderr().includes('Interrupted again: still stopping the download check (Ctrl-C once more to exit at once)…'))
  // Ctrl-C until the run ends (a signal sent before the last was taken may merge with it).
  for (let i = 0; upload.child.exitCode === null && upload.child.signalCode === null && i < 100; i++) {
    upload.child.kill('SIGINT')
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  const ran = await upload.done
  // 130, or the end by SIGINT itself that a shell reports as 130 (not the test's kill when the run times out).
  assert.ok(ran.code === 130 || (ran.code === null && ran.signal === 'SIGINT'), `${ran.code} ${ran.signal} ${ran.stderr}`)
  const result = JSON.parse(ran.stdout) as { ok: boolean; exitCode: number; message: string; state?: string }
  assert.equal([result.ok, result.exitCode, result.state], [false, 130, undefined])
  assert.match(result.message, /^uploaded as file \d+ \(committed\), then interrupted three times: exited at once, the file not checked$/)
}))

AfterCommit.run()

const Places = suite('the second Ctrl-C\'s 410, the folder rule, a proxy, a state file edited by hand')

// An expired session answers every use 410, its DELETE included: gone already, not "could not be aborted".
Places('should say the session was gone already when a second Ctrl-C\'s DELETE is answered 410 (expired), and drop its state', async () => {
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

// The folder rule: an earlier interrupted upload is done with only once the file went to the same folder (as the same name, server and user).
Places('should leave an earlier interrupted upload\'s state when the file is then uploaded into another folder of the same server', () => alone({ faults: { latencyMs: 40 }, folders: ['123'] }, async (own, seen, folder) => {
  const { path, args } = await interruptedAt(own.url, seen, join(folder, 'other-folder.bin'), 75)
  const statePath = join(folder, '.box-upload-state.other-folder.bin.json')
  const before = await readFile(statePath, 'utf8')
  const ran = await run([path, ...args, '--folder', '123'])
  assert.is(ran.code, 0, ran.stderr)
  assert.match(ran.stderr, `note: ${statePath} still holds the interrupted upload to ${own.url} (folder 0, as other-folder.bin), to finish there with --resume`)
  assert.is(await readFile(statePath, 'utf8'), before, 'the earlier upload can still be resumed')
  const resumed = await run([path, '--resume', ...args])
  assert.is(resumed.code, 0, resumed.stderr)
}))

// Behind a proxy, a server may name its sessions on a host of its own, one time or another: the same
// --upload-url still names the same server, whose sessions' URLs then differ.
Places('should remove an earlier interrupted upload\'s state once the file is uploaded through the same --upload-url, its sessions now named on another host', async () => {
  const seen: Array<RequestRecord> = []
  const own = await startEmulator({ tokens: [TOKEN], minFileSize: 1, partSize: 256 * 1024, faults: { latencyMs: 40 }, onRequest: (r) => void seen.push(r) })
  const backend = new URL(own.url).origin
  // First the proxy names the sessions on its own host, then it passes the server's answers as they are.
  let renaming = true
  const front = await proxy(() => backend, undefined, (body) => (renaming ? body.split(backend).join(front.origin) : body))
  const temp = await tempDir()
  try {
    const { path, args } = await interruptedAt(`${front.origin}/api/2.0`, seen, join(temp.path, 'proxied.bin'), 76)
    const statePath = join(temp.path, '.box-upload-state.proxied.bin.json')
    const earlier = JSON.parse(await readFile(statePath, 'utf8')) as { uploadUrl: string; session: { endpoints: { commit: string } } }
    assert.ok(earlier.session.endpoints.commit.startsWith(`${front.origin}/`), earlier.session.endpoints.commit)
    renaming = false
    // The server's own host is where its sessions now are: --api-url names it, so the token may go there.
    const ran = await run([path, ...args, '--api-url', own.apiUrl, '--json'])
    assert.is(ran.code, 0, ran.stderr)
    assert.match(ran.stderr, `note: removed ${statePath}, the state of the earlier interrupted upload`)
    assert.not.ok(await exists(statePath))
  } finally {
    await own.close()
    await front.close()
    await temp.remove()
  }
})

/** The state file at `path` with `edit` applied to its JSON, written back as a hand would. */
const editState = async (path: string, edit: (state: Record<string, any>) => void): Promise<void> => {
  const state = JSON.parse(await readFile(path, 'utf8')) as Record<string, any>
  edit(state)
  await writeFile(path, JSON.stringify(state, null, 2), { mode: 0o600 })
}

Places('should refuse a state file whose file size or upload URL was edited (exit 2, nothing sent), and resume one whose session id was', () => alone({ faults: { latencyMs: 40 } }, async (own, seen, folder) => {
  const { path, args } = await interruptedAt(own.url, seen, join(folder, 'by-hand.bin'), 77)
  const statePath = join(folder, '.box-upload-state.by-hand.bin.json')
  const original = await readFile(statePath, 'utf8')
  const id = (JSON.parse(original) as { session: { id: string } }).session.id
  const resume = [path, '--resume', ...args, '--json']
  for (const [edit, refusal] of [
    [(state: Record<string, any>) => { state['file'].size += 1 }, `${statePath} is not a usable box-upload state file: its session is for ${4 * 1024 * 1024} bytes, its file ${4 * 1024 * 1024 + 1}`],
    [(state: Record<string, any>) => { state['uploadUrl'] = own.url.replace('/api/2.0', '/other/2.0') }, `the interrupted upload's session is on ${own.url.replace('/api/2.0', '/other/2.0')}, not ${own.url}`],
  ] as const) {
    await writeFile(statePath, original, { mode: 0o600 })
    await editState(statePath, edit)
    const sent = seen.length
    const ran = await run(resume)
    assert.is(ran.code, 2, ran.stderr)
    assert.match(ran.stderr, refusal)
    assert.is(seen.length, sent, 'nothing was sent')
  }
  await writeFile(statePath, original, { mode: 0o600 })
  // Fields a resume does not send by: the session's id (its URLs name it), the name and folder (it goes on as it
  // started), when it was saved. The session is healthy: it is committed, never aborted.
  await writeFile(statePath, original, { mode: 0o600 })
  await editState(statePath, (state) => {
    state['session'].id = 'F00D'.repeat(8)
    state['name'] = 'edited.bin'
    state['folderId'] = '999'
    state['savedAt'] = 'yesterday'
  })
  const ran = await run(resume)
  assert.is(ran.code, 0, ran.stderr)
  const result = JSON.parse(ran.stdout) as { ok: boolean; name: string; folderId: string; resumed: boolean }
  assert.equal([result.ok, result.name, result.folderId, result.resumed], [true, 'by-hand.bin', '0', true])
  assert.ok(seen.some((r) => r.method === 'POST' && r.path === `/api/2.0/files/upload_sessions/${id}/commit` && r.status === 201), 'the session itself was committed')
  assert.not.ok(seen.some((r) => r.method === 'DELETE'), 'never aborted')
  assert.not.ok(await exists(statePath), 'done: its state is gone')
}))

// Part size and count edited together still agree with each other and with the file: only the session on the
// server tells. Resumed, its parts would be cut otherwise than Box holds them, fail as a digest mismatch, and the
// failure would abort the healthy session.
Places('should refuse a state file whose part size and count were edited together, as the session on the server tells (exit 2, only its status read, the session left as it was)', () => alone({ faults: { latencyMs: 40 } }, async (own, seen, folder) => {
  const { path, args } = await interruptedAt(own.url, seen, join(folder, 'parts.bin'), 78)
  const statePath = join(folder, '.box-upload-state.parts.bin.json')
  const original = await readFile(statePath, 'utf8')
  const id = (JSON.parse(original) as { session: { id: string } }).session.id
  await editState(statePath, (state) => {
    state['session'].partSize *= 2
    state['session'].totalParts = Math.ceil(state['session'].fileSize / state['session'].partSize)
  })
  const edited = await readFile(statePath, 'utf8')
  const sent = seen.length
  const ran = await run([path, '--resume', ...args, '--json'])
  assert.is(ran.code, 2, ran.stderr)
  assert.match(ran.stderr, `box-upload: ${statePath} is not a usable box-upload state file: its session is cut into 8 parts of 524288 bytes, the session on the server into 16 of 262144`)
  assert.is((JSON.parse(ran.stdout) as { exitCode: number }).exitCode, 2)
  assert.equal(seen.slice(sent).map((r) => `${r.method} ${r.path}`), [`GET /api/2.0/files/upload_sessions/${id}`], 'nothing sent but the status read')
  assert.is(await readFile(statePath, 'utf8'), edited, 'the state file is left as it is')
  // The session is left as it was: the state as written resumes it to the file.
  await writeFile(statePath, original, { mode: 0o600 })
  const resumed = await run([path, '--resume', ...args, '--json'])
  assert.is(resumed.code, 0, resumed.stderr)
  assert.is((JSON.parse(resumed.stdout) as { resumed: boolean }).resumed, true)
  assert.not.ok(seen.some((r) => r.method === 'DELETE'), 'never aborted')
}))

Places.run()
