/**
 * `--token-command`: a token that expires mid-upload (the emulator's `rotateToken`, as Box's hourly expiry) is had
 * again from the command, and the upload goes on; with a fixed `--token` it fails as before, the session kept.
 * The command's failures at the start, and after a 401, say why without its output; one that fails after a 401 is
 * not run again for the other parts in flight. The CLI runs as a child process.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { serve } from '../../src/emulator/node.ts'
import type { RequestRecord } from '../../src/emulator/Options.ts'
import { shellQuote } from '../../src/cli/ShellCommand.ts'
import { type Ran, type Running, cleanEnv, run, start, tempDir, until, writeFileOf } from '../helpers/cli.ts'
import { downloaded, small } from '../helpers/cliUploads.ts'

const OLD = 'first-token-of-the-hour'
const FRESH = 'second-token-of-the-hour'

const Refresh = suite('--token-command: a token had again after a 401')

/** How many times the command of `at` ran (a line each in its log). */
const runs = async (at: Setup): Promise<number> =>
  existsSync(at.log) ? (await readFile(at.log, 'utf8')).split('\n').filter((l) => l !== '').length : 0

type Setup = Awaited<ReturnType<typeof setup>>

/**
 * An emulator taking `OLD` (256 KiB parts, `latencyMs` late), a temp dir with a 4 MiB file and a token file holding
 * `OLD`, and the command that logs its run and prints that file. `then` runs once the first part is stored (or
 * the session made: every part then meets a 401), before its answer leaves (onRequest): the token is rotated there,
 * and the file given `FRESH` (or removed), synchronously: done before the command can run again.
 */
const setup = async (then: 'rotate' | 'rotate and remove the file' | 'rotate at the session and remove the file' | 'rotate, the file kept' | 'nothing', latencyMs = 40) => {
  const dir = await tempDir()
  const records: Array<RequestRecord> = []
  const tokenFile = join(dir.path, 'token')
  const log = join(dir.path, 'runs.log')
  writeFileSync(tokenFile, `${OLD}\n`)
  let rotated = false
  const box = await serve({
    port: 0, tokens: [OLD], minFileSize: 1, partSize: 256 * 1024, faults: { latencyMs },
    onRequest: (r) => {
      records.push(r)
      const atSession = then === 'rotate at the session and remove the file'
      if (then === 'nothing' || rotated || r.method !== (atSession ? 'POST' : 'PUT') || r.status !== (atSession ? 201 : 200)) return
      rotated = true
      box.rotateToken(OLD, FRESH)
      if (then === 'rotate') writeFileSync(tokenFile, `${FRESH}\n`)
      else if (then !== 'rotate, the file kept') rmSync(tokenFile)
    },
  })
  const path = join(dir.path, 'big.bin')
  const sha1 = await writeFileOf(path, 4 * 1024 * 1024, 29)
  const command = `echo run >> ${shellQuote(log)}; cat ${shellQuote(tokenFile)}`
  const close = async () => {
    await box.close()
    await dir.remove()
  }
  return { dir, box, records, tokenFile, log, path, sha1, command, close, rotated: () => rotated }
}

const neither = (text: string) => {
  assert.not.match(text, OLD)
  assert.not.match(text, FRESH)
}

/** Runs `body` on a `setup(then, latencyMs)`, closed after it. */
const withSetup = async (then: Parameters<typeof setup>[0], body: (at: Setup) => Promise<void>, latencyMs?: number): Promise<void> => {
  const at = await setup(then, latencyMs)
  try {
    await body(at)
  } finally {
    await at.close()
  }
}

/** A `--resume` of the upload of `at` with `args` (a token command) finishes it with the fresh token, printing neither token. */
const resumes = async (at: Setup, args: ReadonlyArray<string>, env?: NodeJS.ProcessEnv) => {
  const resumed = await run([at.path, '--resume', '--upload-url', at.box.url, '--json', ...args], env === undefined ? {} : { env })
  assert.is(resumed.code, 0, resumed.stderr)
  const result = JSON.parse(resumed.stdout) as { id: string; sha1: string; resumed: boolean }
  assert.equal([result.sha1, result.resumed], [at.sha1, true])
  assert.is(await downloaded(at.box, result.id, FRESH), at.sha1)
  neither(resumed.stdout + resumed.stderr)
}

/**
 * `ran` (with --json) ended as the command's run after the 401 failed, the token file gone: exit 1, why (without
 * its output), the session kept for a `--resume` with the command, no token anywhere.
 */
const failedAfter401 = async (at: Setup, ran: Ran): Promise<void> => {
  assert.is(ran.code, 1, ran.stderr)
  const line = ran.stderr.split('\n').find((l) => l.startsWith('box-upload: ')) ?? ''
  assert.is(line.slice(0, line.indexOf(' The upload session ')),
    'box-upload: upload failed: The server refused the token (expired or revoked) and a new one could not be had: ' +
    `the token command (--token-command) exited with code 1; the last line of its stderr: cat: ${at.tokenFile}: No such file or directory.`)
  assert.match(ran.stderr, `--resume --upload-url ${at.box.url} (with --token-command or BOX_TOKEN_COMMAND, once it prints a valid token of the user who started it)`)
  assert.ok(at.records.every((r) => r.method !== 'DELETE'), 'the session is not aborted')
  const failure = JSON.parse(ran.stdout) as { ok: boolean; exitCode: number; state: string; error: { tag: string } }
  assert.equal([failure.ok, failure.exitCode, failure.error.tag], [false, 1, 'InvalidInput'])
  neither(ran.stdout + ran.stderr + await readFile(failure.state, 'utf8'))
}

/** Whether process `pid` is gone. */
const gone = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return false
  } catch {
    return true
  }
}

/**
 * After a test whose token command sleeps: `upload` if still running, and the command's process group named by
 * `pidFile` (its shell's pid), if box-upload did not stop it or an assertion failed first. Its own group is out of
 * reach of the run's time limit (a SIGKILL of box-upload, whose exit handler then does not run): a `sleep 30` would
 * outlive the test.
 */
const leftovers = async (pidFile: string, upload?: Running): Promise<void> => {
  if (upload !== undefined && upload.child.exitCode === null && upload.child.signalCode === null) {
    upload.child.kill('SIGKILL')
    await upload.done
  }
  const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : NaN
  // Not 0 (a file still empty): kill(-0) is this process's own group.
  if (!Number.isInteger(pid) || pid <= 1) return
  try {
    process.kill(-pid, 'SIGKILL')
  } catch {
    // Gone already: box-upload stopped it.
  }
}

Refresh('should run the command again after the token expired mid-upload, and finish the upload with the fresh one', async () => {
  const at = await setup('rotate')
  try {
    const ran = await run([at.path, '--upload-url', at.box.url, '--api-url', at.box.apiUrl, '--token-command', at.command, '--concurrency', '1', '--json', ...small])
    assert.is(ran.code, 0, ran.stderr)
    assert.ok(at.rotated(), 'the token was rotated mid-upload')
    const result = JSON.parse(ran.stdout) as { id: string; sha1: string; verified: boolean }
    assert.equal([result.sha1, result.verified], [at.sha1, true])
    assert.is(await downloaded(at.box, result.id, FRESH), at.sha1)
    assert.is(await runs(at), 2, 'once at the start, once after the 401')
    assert.is(at.records.filter((r) => r.status === 401).length, 1)
    neither(ran.stdout + ran.stderr)
    assert.not.ok(existsSync(join(at.dir.path, '.box-upload-state.big.bin.json')))
  } finally {
    await at.close()
  }
})

Refresh('should fail on the 401 with a fixed --token, the session kept; a --resume with BOX_TOKEN_COMMAND then finishes it', async () => {
  const at = await setup('rotate')
  try {
    const ran = await run([at.path, '--upload-url', at.box.url, '--token', OLD, '--concurrency', '1', ...small])
    assert.is(ran.code, 1, ran.stderr)
    assert.match(ran.stderr, 'box-upload: upload failed: Box answered 401 unauthorized')
    assert.match(ran.stderr, `--resume --upload-url ${at.box.url} (with a valid --token or BOX_TOKEN of the user who started it)`)
    assert.ok(at.records.every((r) => r.method !== 'DELETE'), 'the session is not aborted')
    const state = await readFile(join(at.dir.path, '.box-upload-state.big.bin.json'), 'utf8')
    neither(state + ran.stdout + ran.stderr)
    // The token file holds the fresh token now: a resume with the command as an environment variable finishes.
    await resumes(at, [], cleanEnv({ BOX_TOKEN_COMMAND: at.command }))
    assert.is(await runs(at), 1)
  } finally {
    await at.close()
  }
})

Refresh('should keep the session when the command fails after the 401, saying why, and resume once it works', async () => {
  const at = await setup('rotate and remove the file')
  try {
    const ran = await run([at.path, '--upload-url', at.box.url, '--token-command', at.command, '--concurrency', '1', '--json', ...small])
    await failedAfter401(at, ran)
    writeFileSync(at.tokenFile, FRESH)
    await resumes(at, ['--token-command', at.command])
  } finally {
    await at.close()
  }
})

Refresh('should run a failing command once for all the parts in flight that met a 401, and end with its failure, the session kept', async () => {
  // The 4 parts in flight meet a 401 while its second run takes a second; or 3 do, and the one sent after the
  // first part (a 120 ms answer) meets its 401 after that run failed at once: no part runs it a third time.
  const cases = [['rotate at the session and remove the file', 1, 40], ['rotate and remove the file', 0, 120]] as const
  for (const [then, wait, latencyMs] of cases) {
    await withSetup(then, async (at) => {
      const command = `echo run >> ${shellQuote(at.log)}; if [ "$(wc -l < ${shellQuote(at.log)})" -ge 2 ]; then sleep ${wait}; fi; cat ${shellQuote(at.tokenFile)}`
      const ran = await run([at.path, '--upload-url', at.box.url, '--token-command', command, '--concurrency', '4', '--json', ...small])
      assert.is(await runs(at), 2, `${then}: once at the start, once after the 401s`)
      const refused = at.records.filter((r) => r.method === 'PUT' && r.status === 401).length
      assert.ok(wait === 0 || refused === 4, `${refused} parts met a 401`)
      await failedAfter401(at, ran)
    }, latencyMs)
  }
})

Refresh('should advise the token command, not --token, when the server refuses what it printed, at the start and mid-upload', async () => {
  const refused = 'The server did not accept the token the token command (--token-command) printed, nor the one it printed when run again after that 401: ' +
    'make it print one the server accepts (a `box-upload emulator` takes dev-token, `serve` its tokens option).'
  const start = await setup('nothing')
  try {
    // `jq` without -r: the token in quotes, refused at the session's creation, and again once the command ran again.
    const ran = await run([start.path, '--upload-url', start.box.url, '--token-command', `echo run >> ${shellQuote(start.log)}; echo '"${OLD}"'`, '--json', ...small])
    assert.is(ran.code, 1, ran.stderr)
    assert.is(await runs(start), 2, 'once at the start, once after the 401')
    assert.match(ran.stderr, `box-upload: upload failed: Box answered 401 unauthorized to POST ${start.box.url}/files/upload_sessions`)
    assert.ok(ran.stderr.endsWith(`${refused}\n`), ran.stderr)
    assert.not.match(ran.stderr, '--token or BOX_TOKEN')
    const failure = JSON.parse(ran.stdout) as { error: { status: number; message: string } }
    assert.is(failure.error.status, 401)
    assert.ok(failure.error.message.endsWith(refused), failure.error.message)
  } finally {
    await start.close()
  }
  const midway = await setup('rotate, the file kept')
  try {
    const ran = await run([midway.path, '--upload-url', midway.box.url, '--token-command', midway.command, '--concurrency', '1', '--json', ...small])
    assert.is(ran.code, 1, ran.stderr)
    assert.match(ran.stderr, `box-upload: upload failed: Box answered 401 unauthorized`)
    assert.match(ran.stderr, `${refused} The upload session `)
    assert.match(ran.stderr, `--resume --upload-url ${midway.box.url} (with --token-command or BOX_TOKEN_COMMAND, once it prints a valid token of the user who started it)`)
    assert.not.match(ran.stderr, '--token or BOX_TOKEN')
    const failure = JSON.parse(ran.stdout) as { state: string; error: { message: string } }
    assert.ok(failure.error.message.endsWith(refused), failure.error.message)
    neither(ran.stdout + ran.stderr + await readFile(failure.state, 'utf8'))
  } finally {
    await midway.close()
  }
})

Refresh('should refuse to start when the command fails, before any request, without its output', async () => {
  const at = await setup('nothing')
  try {
    const secret = 'what-the-command-printed'
    const cases: ReadonlyArray<readonly [string, string]> = [
      [`echo ${secret}; echo "vault: permission denied" >&2; exit 3`,
        'the token command (--token-command) exited with code 3; the last line of its stderr: vault: permission denied'],
      [`echo ${secret}; exit 4`, 'the token command (--token-command) exited with code 4 and wrote nothing to stderr'],
      // What it printed, echoed to stderr too, is masked there.
      [`echo ${secret}; echo "bad: ${secret}" >&2; exit 5`, 'the token command (--token-command) exited with code 5; the last line of its stderr: bad: [masked]'],
      ['printf "  \\n"', 'the token command (--token-command) printed no token (its output was empty)'],
      [`printf "${secret}\\nand-a-second-line\\n"`,
        'the token command (--token-command) printed what no header can carry (more than one line, a control character, a character past Latin-1, or over 64 KiB): it must print the access token alone'],
      ['kill -9 $$', 'the token command (--token-command) was ended by SIGKILL and wrote nothing to stderr'],
    ]
    for (const [command, reason] of cases) {
      const ran = await run([at.path, '--upload-url', at.box.url, '--token-command', command, ...small])
      assert.is(ran.code, 1, ran.stderr)
      assert.is(ran.stderr, `box-upload: nothing was sent: ${reason}\n`, command)
      assert.not.match(ran.stdout + ran.stderr, 'and-a-second-line')
      assert.not.match(ran.stdout + ran.stderr.replace('[masked]', ''), secret)
    }
    assert.equal(at.records, [], 'nothing reached the server')
  } finally {
    await at.close()
  }
})

Refresh('should stop a command that hangs just under --timeout (at most a minute), its whole process group', async () => {
  const at = await setup('nothing')
  try {
    const pidFile = join(at.dir.path, 'pid')
    try {
      const started = Date.now()
      // A shell that runs `sleep` as its child: killing the shell alone would leave sleep holding the pipe.
      const ran = await run([at.path, '--upload-url', at.box.url, '--token-command', `echo $$ > ${shellQuote(pidFile)}; sleep 30; echo late`, '--timeout', '0.5', '--json', ...small])
      assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`)
      assert.is(ran.code, 1, ran.stderr)
      assert.is(ran.stderr, 'box-upload: nothing was sent: the token command (--token-command) did not finish within 0.4 s and was stopped (a token command may take a minute, or just under --timeout when that is shorter)\n')
      assert.is(JSON.parse(ran.stdout).exitCode, 1)
      const pid = Number(await readFile(pidFile, 'utf8'))
      // Killed, it stays a zombie until reaped (by box-upload, or by init once box-upload exited first): not
      // necessarily yet when box-upload's pipes close. Unkilled, it sleeps 30 s.
      await until(() => gone(pid), 2000).catch(() => assert.unreachable('the command\'s shell was killed'))
      assert.equal(at.records, [])
    } finally {
      await leftovers(pidFile)
    }
  } finally {
    await at.close()
  }
})

Refresh('should stop with a Ctrl-C or SIGTERM while the command runs at the start, the command with it (its own process group), nothing sent', () => withSetup('nothing', async (at) => {
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    const pidFile = join(at.dir.path, `pid-${signal}`)
    const upload = start([at.path, '--upload-url', at.box.url, '--token-command', `echo $$ > ${shellQuote(pidFile)}; sleep 30; echo late`, '--json', ...small])
    try {
      await until(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'))
      upload.child.kill(signal)
      const ran = await upload.done
      assert.is(ran.code, code, ran.stderr)
      assert.match(ran.stderr, 'box-upload: stopped while the token command ran (stopped with it); nothing was sent\n')
      assert.equal(JSON.parse(ran.stdout), { ok: false, exitCode: code, message: 'stopped while the token command ran (stopped with it); nothing was sent' })
      const pid = Number(readFileSync(pidFile, 'utf8'))
      await until(() => gone(pid), 2000)
    } finally {
      await leftovers(pidFile, upload)
    }
  }
  assert.equal(at.records, [], 'nothing reached the server')
}))

Refresh('should stop the command run again after a 401 on a Ctrl-C, without waiting for it, the session kept', () => withSetup('rotate', async (at) => {
  const pidFile = join(at.dir.path, 'pid')
  // Its second run (after the 401) hangs, as a vault asking for a password would.
  const command = `${at.command} && if [ "$(wc -l < ${shellQuote(at.log)})" -ge 2 ]; then echo $$ > ${shellQuote(pidFile)}; sleep 30; fi`
  const upload = start([at.path, '--upload-url', at.box.url, '--token-command', command, '--concurrency', '1', '--json', ...small])
  try {
    await until(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'))
    const stoppedAt = Date.now()
    upload.child.kill('SIGINT')
    const ran = await upload.done
    assert.ok(Date.now() - stoppedAt < 8000, `took ${Date.now() - stoppedAt} ms`)
    assert.is(ran.code, 130, ran.stderr)
    const failure = JSON.parse(ran.stdout) as { exitCode: number; state: string }
    assert.is(failure.exitCode, 130)
    assert.match(ran.stderr, `--resume --upload-url ${at.box.url} (with the same --token-command or BOX_TOKEN_COMMAND)`)
    await until(() => gone(Number(readFileSync(pidFile, 'utf8'))), 2000)
    neither(ran.stdout + ran.stderr + await readFile(failure.state, 'utf8'))
  } finally {
    await leftovers(pidFile, upload)
  }
  await resumes(at, ['--token-command', at.command])
}))

Refresh('should blame the command, not the network, when its run after a 401 hangs past a --timeout under a minute, the session kept', async () => {
  // One part at a time, and 4 that may each meet a 401 while the command runs (they wait for the same run).
  for (const concurrency of ['1', '4']) {
    await withSetup('rotate', async (at) => {
      const pidFile = join(at.dir.path, 'pid')
      // Its second run (after the 401) hangs. The library waits for a token no longer than --timeout, 2 s here: the
      // command's own bound must end first, or the upload fails as a network timeout ("Check the network, proxy…").
      const command = `${at.command} && if [ "$(wc -l < ${shellQuote(at.log)})" -ge 2 ]; then echo $$ > ${shellQuote(pidFile)}; sleep 30; fi`
      try {
        const started = Date.now()
        const ran = await run([at.path, '--upload-url', at.box.url, '--token-command', command, '--timeout', '2', '--concurrency', concurrency, '--json', ...small])
        assert.ok(Date.now() - started < 15_000, `took ${Date.now() - started} ms`)
        assert.is(ran.code, 1, ran.stderr)
        const line = ran.stderr.split('\n').find((l) => l.startsWith('box-upload: ')) ?? ''
        assert.is(line.slice(0, line.indexOf(' The upload session ')),
          'box-upload: upload failed: The server refused the token (expired or revoked) and a new one could not be had: ' +
          'the token command (--token-command) did not finish within 1.9 s and was stopped (a token command may take a minute, ' +
          'or just under --timeout when that is shorter).', `--concurrency ${concurrency}`)
        assert.not.match(ran.stderr, 'Check the network')
        assert.match(ran.stderr, `--resume --upload-url ${at.box.url} (with --token-command or BOX_TOKEN_COMMAND, once it prints a valid token of the user who started it)`)
        assert.is(await runs(at), 2, 'once at the start, once after the 401')
        const failure = JSON.parse(ran.stdout) as { exitCode: number; state: string; error: { tag: string } }
        assert.equal([failure.exitCode, failure.error.tag], [1, 'InvalidInput'])
        assert.ok(at.records.every((r) => r.method !== 'DELETE'), 'the session is not aborted')
        await until(() => gone(Number(readFileSync(pidFile, 'utf8'))), 2000).catch(() => assert.unreachable('the command\'s shell was killed'))
        neither(ran.stdout + ran.stderr + await readFile(failure.state, 'utf8'))
      } finally {
        await leftovers(pidFile)
      }
      await resumes(at, ['--token-command', at.command])
    })
  }
})

Refresh('should not pass the command\'s stderr through when it works', async () => {
  const at = await setup('nothing')
  try {
    const ran = await run([at.path, '--upload-url', at.box.url, '--token-command', `echo "a note from the helper" >&2; ${at.command}`, ...small])
    assert.is(ran.code, 0, ran.stderr)
    assert.not.match(ran.stderr, 'a note from the helper')
    neither(ran.stdout + ran.stderr)
  } finally {
    await at.close()
  }
})

Refresh.run()
