/**
 * `box-upload --quiet` and `--verbose` as child processes against emulators over loopback: nothing on stderr but a
 * failure's message, the result on stdout unchanged; a line for every HTTP exchange, a scripted 500 and its retry,
 * a failure's code and request id among them, and the token in none.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { join } from 'node:path'
import type { RequestRecord } from '../../src/emulator/Options.ts'
import { run, start, tempDir, until, writeFileOf } from '../helpers/cli.ts'
import { TOKEN, alone, small } from '../helpers/cliUploads.ts'
import { startEmulator } from '../helpers/emulator.ts'
import { answerBoxError, emulatorBehindProxy } from '../helpers/reverseProxy.ts'

/** 600 KiB in 256 KiB parts: 3 parts. */
const SIZE = 600 * 1024
const parts = ['--part-size', '256KiB']

/** What a run prints on stdout, without the time it took (the one line two runs of the same upload differ in). */
const timeless = (stdout: string): string => stdout.replace(/^ {2}time: .*$/m, '  time: …').replace(/"seconds":[\d.e-]+/, '"seconds":0')

/** A commit refused as Box refuses one for a full account, by a proxy in front of an emulator. */
const refusedCommit = () => emulatorBehindProxy({ tokens: [TOKEN], minFileSize: 1, partSize: 256 * 1024 }, (request, response) =>
  request.method === 'POST' && request.url.endsWith('/commit') && answerBoxError(response, 403, 'storage_limit_exceeded', 'Account storage limit reached', 'req-full-1'))

const Quiet = suite('--quiet')

let dir: Awaited<ReturnType<typeof tempDir>>
let file: string

Quiet.before(async () => {
  dir = await tempDir()
  file = join(dir.path, 'quiet.bin')
  await writeFileOf(file, SIZE, 71)
})
Quiet.after(() => dir.remove())

Quiet('should print nothing on stderr for a good upload, and the same result on stdout', async () => {
  // The embedded emulator: each run gets a fresh one, so the file id is the same too.
  const normal = await run([file, ...small, ...parts])
  assert.is(normal.code, 0, normal.stderr)
  assert.match(normal.stderr, 'No token given')
  for (const flag of ['--quiet', '-q']) {
    const quiet = await run([file, ...small, ...parts, flag])
    assert.is(quiet.code, 0, quiet.stderr)
    assert.is(quiet.stderr, '', flag)
    assert.is(timeless(quiet.stdout), timeless(normal.stdout), flag)
  }
  const json = await run([file, ...small, ...parts, '--quiet', '--json'])
  assert.is(json.stderr, '')
  assert.is(JSON.parse(json.stdout).ok, true)
  assert.is(json.stdout.trim().split('\n').length, 1, 'one object')
})

Quiet('should print nothing on stderr for the demo either', async () => {
  const demo = await run(['demo', '--size', '600KiB', '--part-size', '256KiB', '-q'])
  assert.is(demo.code, 0, demo.stderr)
  assert.is(demo.stderr, '')
  assert.match(demo.stdout, 'check:    downloaded back')
})

Quiet('should print a failure\'s one line on stderr, with how to --resume where the session is kept', async () => {
  const { uploadUrl, close } = await refusedCommit()
  try {
    const failed = await run([file, '--upload-url', uploadUrl, '--token', TOKEN, ...small, '--quiet'])
    assert.is(failed.code, 1, failed.stderr)
    assert.is(failed.stdout, '')
    assert.equal(failed.stderr.split('\n').filter(Boolean).length, 1, failed.stderr)
    assert.match(failed.stderr, /^box-upload: upload failed: Box answered 403 storage_limit_exceeded.*req-full-1/)
  } finally {
    await close()
  }
  // A failure a resume mends (every part's tries got a 500): its message, and the command to continue, are kept.
  const box = await startEmulator({ tokens: [TOKEN], minFileSize: 1, partSize: 256 * 1024, faults: { script: [1, 2, 3, 4, 5, 6].map((attempt) => ({ part: 1, attempt, fault: 'error_before' as const })) } })
  try {
    const kept = await run([file, '--upload-url', box.url, '--token', TOKEN, ...small, '-q', '--timeout', '5'], { timeoutMs: 60_000 })
    assert.is(kept.code, 1, kept.stderr)
    assert.is(kept.stdout, '')
    assert.match(kept.stderr, /^box-upload: upload failed: .*500 internal_server_error.*\nContinue with: .* --resume --upload-url /)
    assert.is(kept.stderr.split('\n').filter(Boolean).length, 2, kept.stderr)
  } finally {
    await box.close()
  }
})

Quiet('should still say what a SIGTERM does (a supervisor\'s stop, a CI cancel): the session kept, and how to --resume', async () => {
  // Every answer 40 ms late, one part at a time: the signal comes with most of the 16 parts still to send.
  await alone({ faults: { latencyMs: 40 } }, async (own, seen, temp) => {
    const path = join(temp, 'stopped.bin')
    await writeFileOf(path, 4 * 1024 * 1024, 73)
    const upload = start([path, '--upload-url', own.url, '--token', TOKEN, ...small, '--concurrency', '1', '--quiet'])
    await until(() => seen.some((r) => r.method === 'PUT' && r.status === 200))
    upload.child.kill('SIGTERM')
    const stopped = await upload.done
    assert.is(stopped.code, 143, stopped.stderr)
    assert.is(stopped.stdout, '')
    // No progress nor notes before it: the line answering the signal, the message, the command to continue.
    const lines = stopped.stderr.split('\n').filter(Boolean)
    assert.is(lines.length, 3, stopped.stderr)
    assert.match(lines[0] ?? '', /^Terminated \(SIGTERM\): stopping the upload and keeping its session/)
    assert.match(lines[1] ?? '', /^box-upload: terminated \(SIGTERM\)\. The upload session \w+ is kept on /)
    assert.match(lines[2] ?? '', `Continue with: box-upload ${path} --resume --upload-url ${own.url}`)
    assert.ok(seen.every((r) => r.method !== 'DELETE'), 'the session is kept')
  })
})

const Verbose = suite('--verbose')

Verbose.before(async () => {
  dir = await tempDir()
  file = join(dir.path, 'verbose.bin')
  await writeFileOf(file, SIZE, 72)
})
Verbose.after(() => dir.remove())

/** The exchange lines among what a run printed on stderr. */
const exchanges = (stderr: string): ReadonlyArray<string> => stderr.split('\n').filter((line) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /.test(line))

Verbose('should print the session\'s creation, each part with its range and status, a 500 then its check and retry, the commit and the download check', async () => {
  const seen: Array<RequestRecord> = []
  // The first PUT of part 0 gets a 500, which the library retries.
  const box = await startEmulator({ tokens: [TOKEN], minFileSize: 1, partSize: 256 * 1024, faults: { script: [{ part: 0, fault: 'error_before' }] }, onRequest: (r) => void seen.push(r) })
  try {
    const ran = await run([file, '--upload-url', box.url, '--api-url', box.apiUrl, '--token', TOKEN, ...small, '--concurrency', '1', '--verbose'])
    assert.is(ran.code, 0, ran.stderr)
    const session = /upload_sessions\/(\w+)/.exec(seen.find((r) => r.method === 'PUT')?.path ?? '')?.[1] as string
    const at = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z'
    const expected = [
      'POST /api/2\\.0/files/upload_sessions 201',
      `PUT /api/2\\.0/files/upload_sessions/${session} \\(bytes 0-262143/614400\\) 500 internal_server_error request_id \\w+`,
      // Whether the part was stored all the same (a 500 may come after it was: error_after), before it is sent again.
      `GET /api/2\\.0/files/upload_sessions/${session}/parts 200`,
      `PUT /api/2\\.0/files/upload_sessions/${session} \\(bytes 0-262143/614400\\) 200`,
      `PUT /api/2\\.0/files/upload_sessions/${session} \\(bytes 262144-524287/614400\\) 200`,
      `PUT /api/2\\.0/files/upload_sessions/${session} \\(bytes 524288-614399/614400\\) 200`,
      `POST /api/2\\.0/files/upload_sessions/${session}/commit 201`,
      'GET /2\\.0/files/\\d+/content 200',
    ]
    const lines = exchanges(ran.stderr)
    assert.is(lines.length, expected.length, ran.stderr)
    expected.forEach((pattern, i) => assert.match(lines[i] as string, new RegExp(`^${at} ${pattern} \\d+ ms$`), ran.stderr))
    // Off a terminal, between the plain progress lines; the result as without --verbose.
    assert.match(ran.stderr, /\nprogress +0% /)
    assert.match(ran.stdout, 'check:    downloaded back')
    assert.not.match(ran.stdout + ran.stderr, TOKEN)
  } finally {
    await box.close()
  }
})

Verbose('should print a failure\'s code and request id, then the session\'s deletion, and never the token, even echoed', async () => {
  const { uploadUrl, close } = await refusedCommit()
  try {
    const failed = await run([file, '--upload-url', uploadUrl, '--token', TOKEN, ...small, '--verbose', '--json'])
    assert.is(failed.code, 1, failed.stderr)
    const lines = exchanges(failed.stderr)
    assert.match(lines.at(-2) as string, /Z POST \/api\/2\.0\/files\/upload_sessions\/\w+\/commit 403 storage_limit_exceeded request_id req-full-1 \d+ ms$/)
    assert.match(lines.at(-1) as string, /Z DELETE \/api\/2\.0\/files\/upload_sessions\/\w+ 204 \d+ ms$/)
    assert.is(JSON.parse(failed.stdout).error.requestId, 'req-full-1', 'stdout: the one JSON object')
    assert.not.match(failed.stdout + failed.stderr, TOKEN)
  } finally {
    await close()
  }
  // A server echoing the token it was sent into an error's body.
  let echoed = 0
  const echoing = await emulatorBehindProxy({ tokens: [TOKEN], minFileSize: 1, partSize: 256 * 1024 }, (request, response) =>
    request.method === 'PUT' && echoed++ === 0 && answerBoxError(response, 500, `internal_error_${TOKEN}`, `no ${TOKEN}`, TOKEN))
  try {
    const ran = await run([file, '--upload-url', echoing.uploadUrl, '--token', TOKEN, ...small, '--concurrency', '1', '--verbose'])
    assert.is(ran.code, 0, ran.stderr)
    assert.match(ran.stderr, /Z PUT \/api\/2\.0\/files\/upload_sessions\/\w+ \(bytes 0-262143\/614400\) 500 internal_error_\[token\] request_id \[token\] \d+ ms\n/)
    assert.not.match(ran.stdout + ran.stderr, TOKEN)
  } finally {
    await echoing.close()
  }
})

Verbose('should be refused with --quiet, as wrong usage', async () => {
  for (const args of [[file, '--quiet', '--verbose'], ['demo', '--verbose', '-q']]) {
    const ran = await run(args)
    assert.is(ran.code, 2, ran.stderr)
    assert.is(ran.stdout, '')
    assert.is(ran.stderr, 'box-upload: --quiet (-q) and --verbose cannot be given together: --quiet prints nothing on stderr but a failure, --verbose a line for every request\n')
  }
  const emulator = await run(['emulator', '--verbose'])
  assert.is(emulator.code, 2)
  assert.is(emulator.stderr, 'box-upload: unknown option --verbose (see box-upload --help)\n')
})

Quiet.run()
Verbose.run()
