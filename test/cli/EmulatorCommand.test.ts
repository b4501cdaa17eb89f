/**
 * `box-upload emulator` as a child process: an upload to it, `--storage digest`, a port in use, SIGHUP,
 * faults (`--faults`, `--latency`), `--body-idle-timeout`, `--log`, `--tokens`, `--processing-delay`, `--max-file-size`,
 * `--session-ttl`, `--folders`, `--host` and `--upload-base-url`.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { RequestRecord } from '../../src/emulator/Options.ts'
import { assertBoxError, commit, createSession, openSession, putBytes, randomFile, sleep, status, timed, uniqueName, uploadAll } from '../helpers/box.ts'
import { type Running, run, start, until, writeFileOf } from '../helpers/cli.ts'
import { runningEmulator, small } from '../helpers/cliUploads.ts'
import { createdVia, stalledBody } from '../helpers/rawHttp.ts'
import { logLine } from '../../src/cli/Emulator.ts'

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

/** The upload and API URLs a running `box-upload emulator` printed, once it printed them. */
const urlsOf = async (server: Running) => {
  await until(() => server.stdout().includes('Upload to it:'))
  const url = /upload url: +(\S+)/.exec(server.stdout())?.[1] as string
  const apiUrl = /api url: +(\S+)/.exec(server.stdout())?.[1] as string
  return { url, apiUrl, close: async () => undefined }
}

/** Stops a `box-upload emulator` child with Ctrl-C and checks it stopped cleanly. */
const stopped = async (server: Running): Promise<void> => {
  server.child.kill('SIGINT')
  assert.is((await server.done).code, 0, server.stderr())
}

/** Runs `f` on a `box-upload emulator args…` child once it printed its URLs, then stops it (`stopped`). */
const serving = async (args: ReadonlyArray<string>, f: (em: Awaited<ReturnType<typeof urlsOf>>, server: Running) => Promise<void>): Promise<void> => {
  const server = start(['emulator', ...args])
  try {
    await f(await urlsOf(server), server)
  } finally {
    await stopped(server)
  }
}

Command('should fail part 0 once with --faults (a raw PUT gets the 500, then 200; an upload retries it and commits the right bytes), and say so in its banner', async () => {
  const faults = '{"script":[{"part":0,"fault":"error_before"}]}'
  const server = start(['emulator', '--min-file-size', '1', '--part-size', '256KiB', '--faults', faults])
  try {
    const em = await urlsOf(server)
    assert.match(server.stdout(), `\n  faults:     ${faults} (on purpose: --faults, --latency)\n`)
    const bytes = randomFile(1000)
    const session = await openSession(em, bytes.length)
    assertBoxError(await putBytes(session, bytes, 0, bytes.length), 500, 'internal_server_error')
    assert.is((await putBytes(session, bytes, 0, bytes.length)).status, 200, 'the second try of part 0')
    // The script holds in every session (attempts count per session): the CLI's upload, the library's with its
    // retries, meets the same 500 on part 0 and goes on (without a retry it would exit 1).
    const path = join(dir.path, 'faulted.bin')
    const sha1 = await writeFileOf(path, 700_000, 17)
    const ran = await run([path, ...small, '--json', '--upload-url', em.url, '--api-url', em.apiUrl])
    assert.is(ran.code, 0, ran.stderr)
    const result = JSON.parse(ran.stdout) as { sha1: string; verified: boolean }
    assert.equal([result.sha1, result.verified], [sha1, true], 'its download, checked, has the file\'s bytes')
  } finally {
    await stopped(server)
  }
})

Command('should make every answer wait --latency, and say so in its banner', async () => {
  const server = start(['emulator', '--min-file-size', '1', '--latency', '0.3'])
  try {
    const em = await urlsOf(server)
    assert.match(server.stdout(), '\n  faults:     {"latencyMs":300} (on purpose: --faults, --latency)\n')
    const { ms } = await timed(() => openSession(em, 1000))
    assert.ok(ms >= 295, `answered after ${ms} ms`)
  } finally {
    await stopped(server)
  }
})

Command('should print no faults line without --faults or --latency, and log no answer without --log', async () => {
  const server = start(['emulator', '--min-file-size', '1'])
  try {
    await openSession(await urlsOf(server), 1000)
    assert.not.match(server.stdout(), 'faults:')
    assert.is(server.stderr(), '')
  } finally {
    await stopped(server)
  }
})

Command('should close a connection whose body stalls for --body-idle-timeout', async () => {
  const server = start(['emulator', '--body-idle-timeout', '0.3'])
  try {
    const closedAfter = await stalledBody((await urlsOf(server)).url, 5_000)
    // The default would hold it 60 s.
    assert.ok(closedAfter !== undefined && closedAfter >= 250, `closed after ${closedAfter} ms`)
  } finally {
    await stopped(server)
  }
})

Command('should refuse --faults it cannot use with exit code 2, naming the flag and what is wrong, serving nothing', async () => {
  const bad = join(dir.path, 'bad-faults.json')
  await writeFile(bad, '{"probability": 2}\n')
  const dangling = join(dir.path, 'dangling.json')
  await symlink(join(dir.path, 'gone.json'), dangling)
  const cases: ReadonlyArray<readonly [ReadonlyArray<string>, string | RegExp]> = [
    [['--faults', '{"probability":2}'], '--faults is refused by the emulator: faults.probability must be a number from 0 to 1, got 2'],
    [['--faults', `@${bad}`], `--faults @${bad} is refused by the emulator: faults.probability must be a number from 0 to 1, got 2`],
    // In the words the file to upload gets (main.test.ts), as Input.describe words them.
    [['--faults', `@${join(dir.path, 'none.json')}`], `--faults: no such file: ${join(dir.path, 'none.json')}`],
    [['--faults', `@${dir.path}`], `--faults: ${dir.path} is a directory, not a file`],
    [['--faults', `@${dangling}`], `--faults: no such file: ${dangling} (a symbolic link to ${join(dir.path, 'gone.json')}, which does not exist)`],
    [['--faults', '[1]'], '--faults must be a JSON object (the emulator\'s faults, like {"latencyMs":200}), not an array'],
    [['--faults', '{"latencyMs":Infinity}'], /^--faults is not valid JSON \(.+\)$/],
  ]
  for (const [args, message] of cases) {
    const ran = await run(['emulator', ...args])
    assert.equal([ran.code, ran.stdout], [2, ''], args.join(' '))
    if (typeof message === 'string') assert.is(ran.stderr, `box-upload: ${message}\n`, args.join(' '))
    else assert.match(ran.stderr.replace(/^box-upload: |\n$/g, ''), message, args.join(' '))
  }
})

Command('should log every answer to stderr with --log: time, method, path, a part\'s range, status, code, ms; never the token', async () => {
  const server = start(['emulator', '--min-file-size', '1', '--latency', '0.05', '--log'])
  try {
    const em = await urlsOf(server)
    const session = await openSession(em, 1000)
    const bytes = randomFile(1000)
    assert.is((await putBytes(session, bytes, 0, bytes.length)).status, 200)
    const missing = await fetch(`${em.apiUrl}/files/999/content`, { headers: { Authorization: 'Bearer dev-token' } })
    await missing.arrayBuffer()
    // A client that puts its token in the query string (RFC 6750 §2.3's form) gets a 401, and its token stays out of the log.
    const queried = await fetch(`${em.url}/files/upload_sessions/${session.id}?access_token=dev-token`)
    await queried.arrayBuffer()
    await until(() => server.stderr().split('\n').length >= 5)
    const lines = server.stderr().trimEnd().split('\n')
    const stamp = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z`
    assert.match(lines[0] ?? '', new RegExp(`^${stamp} POST /api/2\\.0/files/upload_sessions 201 (\\d+) ms$`))
    assert.match(lines[1] ?? '', new RegExp(`^${stamp} PUT /api/2\\.0/files/upload_sessions/${session.id} \\(bytes 0-999/1000\\) 200 \\d+ ms$`))
    assert.match(lines[2] ?? '', new RegExp(`^${stamp} GET /2\\.0/files/999/content 404 not_found \\d+ ms$`))
    assert.match(lines[3] ?? '', new RegExp(`^${stamp} GET /api/2\\.0/files/upload_sessions/${session.id}\\?access_token=\\[token\\] 401 unauthorized \\d+ ms$`))
    assert.ok(Number(/ (\d+) ms$/.exec(lines[0] ?? '')?.[1]) >= 45, `the latency counts: ${lines[0]}`)
    assert.is(lines.length, 4, server.stderr())
    assert.ok(session.id.length > 0)
    assert.not.match(server.stderr(), 'dev-token')
  } finally {
    await stopped(server)
  }
})

const [alice, bob] = ['alice-7f3e9a', 'bob-c41d08']

Command('should take only --tokens, each its own user (another\'s session: 403; dev-token: 401), and print none of them', () =>
  serving(['--min-file-size', '1', '--tokens', `${alice}, ${bob}`], async (em, server) => {
    const session = await openSession(em, 1000, undefined, { token: alice })
    assert.is((await status(session, { token: alice })).status, 200)
    assertBoxError(await status(session, { token: bob }), 403)
    assertBoxError(await status(session, { token: 'dev-token' }), 401, 'unauthorized')
    // Bob is a user: his own sessions are his.
    assert.is((await status(await openSession(em, 1000, undefined, { token: bob }), { token: bob })).status, 200)
    const banner = server.stdout()
    assert.match(banner, '\n  tokens:     2 given with --tokens, each its own user (not printed)\n')
    assert.match(banner, `Upload to it: box-upload <file> --upload-url ${em.url} --api-url ${em.apiUrl} --token <one of --tokens>\n`)
    for (const secret of [alice, bob, 'dev-token']) assert.not.match(banner, secret)
  }))

Command('should keep parts processing for --processing-delay: a commit right after the last part gets 202 with Retry-After, a later one 201', () =>
  serving(['--min-file-size', '1', '--part-size', '1KiB', '--processing-delay', '1.5'], async (em, server) => {
    assert.match(server.stdout(), '\n  processing: 1.5 s a part (--processing-delay): a commit before then gets 202 with Retry-After\n')
    const file = randomFile(3000)
    const session = await openSession(em, file.length)
    const parts = await uploadAll(session, file)
    const early = await commit(session, file, parts)
    assert.equal([early.status, early.headers.get('retry-after'), early.text], [202, '1', ''])
    assert.ok(((await status(session)).json as { num_parts_processed: number }).num_parts_processed < 3, 'num_parts_processed lags')
    await sleep(1_600)
    assert.is(((await status(session)).json as { num_parts_processed: number }).num_parts_processed, 3)
    const later = await commit(session, file, parts)
    assert.is(later.status, 201, later.text)
  }))

Command('should refuse --tokens and --processing-delay it cannot use with exit code 2 before it listens, quoting no token', async () => {
  // Each message in full: Args.test.ts.
  for (const args of [['--tokens', 'sekrit-1,,sekrit-2'], ['--tokens', 'sekrit 1'], ['--tokens', ' '], ['--processing-delay', '0']]) {
    const ran = await run(['emulator', ...args])
    assert.equal([ran.code, ran.stdout], [2, ''], args.join(' '))
    assert.match(ran.stderr, /^box-upload: --(tokens|processing-delay) [^\n]+\n$/, args.join(' '))
    assert.not.match(ran.stderr, 'sekrit', args.join(' '))
  }
})

Command('should refuse a session above --max-file-size (403) and expire sessions after --session-ttl (410), saying both in its banner', () =>
  serving(['--min-file-size', '1', '--max-file-size', '1000', '--session-ttl', '0.8'], async (em, server) => {
    assert.match(server.stdout(), '\n  max size:   1000 bytes (--max-file-size): a session for a larger file gets 403 file_size_limit_exceeded\n')
    assert.match(server.stdout(), '\n  sessions:   expire 0.8 s after creation (--session-ttl): then 410 session_expired\n')
    assertBoxError(await createSession(em, { folder_id: '0', file_size: 1001, file_name: uniqueName() }), 403, 'file_size_limit_exceeded')
    const bytes = randomFile(1000)
    const session = await openSession(em, bytes.length)
    assert.is((await status(session)).status, 200, 'alive at first')
    await sleep(900)
    assertBoxError(await status(session), 410, 'session_expired')
    assertBoxError(await putBytes(session, bytes, 0, bytes.length), 410, 'session_expired')
  }))

Command('should refuse --session-ttl, --max-file-size, --folders and a --host it cannot listen on with exit code 2 before it serves, naming the flag', async () => {
  // Each message of the parse: Args.test.ts. Here the whole line, as a user sees it.
  const cases: ReadonlyArray<readonly [ReadonlyArray<string>, string]> = [
    [['--session-ttl', '0'], "--session-ttl must be a number of seconds from 0.001 to 2147483 (like 30, 0.5 or 10m), not '0'"],
    [['--max-file-size', '0'], "--max-file-size must be a positive number of bytes (like 8MiB), not '0'"],
    [['--max-file-size', '1000'], '--max-file-size is refused by the emulator: maxFileSize (1000) must not be below minFileSize (20000000, its default): no file could be uploaded'],
    [['--folders', 'root'], "--folders must be a Box folder id (digits), not 'root'"],
    // Refused by the listen: TEST-NET-1 (RFC 5737), an address no machine here has; an address with a port.
    [['--host', '192.0.2.1'], '--host 192.0.2.1 is no address of this machine: give one this machine has (127.0.0.1, the default; 0.0.0.0 or :: for every interface)'],
    [['--host', '0.0.0.0:8080'], '--host 0.0.0.0:8080 names no address (an address or host name, without a port: that is --port): give one this machine has (127.0.0.1, the default; 0.0.0.0 or :: for every interface)'],
  ]
  for (const [args, message] of cases) {
    const ran = await run(['emulator', ...args])
    assert.equal([ran.code, ran.stdout, ran.stderr], [2, '', `box-upload: ${message}\n`], args.join(' '))
  }
})

Command('should listen on every interface with --host 0.0.0.0 (session_endpoints on the Host a client used) and take --folders', async () => {
  await serving(['--min-file-size', '1', '--host', '0.0.0.0', '--folders', '123,456'], async (em, server) => {
    assert.match(server.stdout(), '\n  listening:  on every interface (--host 0.0.0.0): session_endpoints name the host and port each client used\n')
    assert.match(server.stdout(), '\n  folders:    0 and 123, 456 (--folders); another folder is 404\n')
    // A client in another container reaches it by a name of its own, and is sent back there.
    const mapped = await createdVia(em.url, 'box.test:8080', '123')
    assert.is(mapped.status, 201, JSON.stringify(mapped.json))
    assert.match(mapped.json.session_endpoints?.upload_part ?? '', /^http:\/\/box\.test:8080\/api\/2\.0\/files\/upload_sessions\/[0-9A-F]{32}$/)
    assert.is((await createdVia(em.url, 'box.test', '456')).status, 201)
    assert.is((await createdVia(em.url, 'box.test', '789')).status, 404, 'a folder it was not given')
  })
  // The line comes from what serve bound (Served.everyInterface), not from --host's text: read again from the text,
  // the IPv4-mapped spelling of every IPv4 interface was taken for some one address.
  await serving(['--host', '::ffff:0.0.0.0'], async (_, server) => {
    assert.match(server.stdout(), '\n  listening:  on every interface (--host ::ffff:0.0.0.0): session_endpoints name the host and port each client used\n')
  })
  // Without --host, on 127.0.0.1, the Host is not trusted, and one folder only exists.
  await serving(['--min-file-size', '1'], async (em, server) => {
    assert.not.match(server.stdout(), 'listening:')
    const own = await createdVia(em.url, 'box.test:8080', '0')
    assert.ok(own.json.session_endpoints?.upload_part.startsWith(`${em.url}/`), JSON.stringify(own.json))
    assert.is((await createdVia(em.url, 'box.test', '123')).status, 404)
  })
})

Command('should put session_endpoints under --upload-base-url, and print an example that uploads there', () =>
  serving(['--min-file-size', '1', '--folders', 'any', '--upload-base-url', 'https://proxy.test/api/2.0'], async (em, server) => {
    assert.match(server.stdout(), '\n  endpoints:  session_endpoints under https://proxy.test/api/2.0 (--upload-base-url), where clients reach it\n')
    assert.match(server.stdout(), '\n  folders:    any all-digits id (--folders); another folder is 404\n')
    // The client sends its token to its --upload-url only: the proxy's, then.
    assert.match(server.stdout(), '\nUpload to it: box-upload <file> --upload-url https://proxy.test/api/2.0\n')
    const session = await createdVia(em.url, 'box.test', '987654')
    assert.is(session.status, 201, JSON.stringify(session.json))
    assert.match(session.json.session_endpoints?.upload_part ?? '', /^https:\/\/proxy\.test\/api\/2\.0\/files\/upload_sessions\/[0-9A-F]{32}$/)
  }))

Command('should word a reset in the log for what it is, having no status', () => {
  assert.is(logLine({ method: 'PUT', path: '/api/2.0/files/upload_sessions/AB', status: 0, code: 'connection_reset', at: Date.UTC(2026, 10, 30, 18, 0, 1, 5) }, Date.UTC(2026, 10, 30, 18, 0, 1, 17)),
    '2026-11-30T18:00:01.005Z PUT /api/2.0/files/upload_sessions/AB reset connection_reset 12 ms')
  assert.is(logLine({ method: 'PUT', path: '/api/2.0/files/upload_sessions/AB', status: 500, code: 'internal_server_error', range: 'bytes 0-1023/1500', at: 0 }, 7),
    '1970-01-01T00:00:00.000Z PUT /api/2.0/files/upload_sessions/AB (bytes 0-1023/1500) 500 internal_server_error 7 ms')
  assert.is(logLine({ method: 'DELETE', path: '/api/2.0/files/upload_sessions/AB', status: 204, at: 0 }, 3), '1970-01-01T00:00:00.000Z DELETE /api/2.0/files/upload_sessions/AB 204 3 ms')
})

Command('should name in the log the fault injected into an answer, which its status alone does not tell', () => {
  assert.is(logLine({ method: 'PUT', path: '/api/2.0/files/upload_sessions/AB', status: 500, code: 'internal_server_error', range: 'bytes 0-1023/1500', fault: 'error_after', at: 0 }, 7),
    '1970-01-01T00:00:00.000Z PUT /api/2.0/files/upload_sessions/AB (bytes 0-1023/1500) 500 internal_server_error (injected error_after) 7 ms')
  assert.is(logLine({ method: 'PUT', path: '/api/2.0/files/upload_sessions/AB', status: 200, range: 'bytes 0-1023/1500', fault: 'slow', at: 0 }, 205),
    '1970-01-01T00:00:00.000Z PUT /api/2.0/files/upload_sessions/AB (bytes 0-1023/1500) 200 (injected slow) 205 ms')
  assert.is(logLine({ method: 'POST', path: '/api/2.0/files/upload_sessions/AB/commit', status: 0, code: 'connection_reset', fault: 'reset_after', at: 0 }, 3),
    '1970-01-01T00:00:00.000Z POST /api/2.0/files/upload_sessions/AB/commit reset connection_reset (injected reset_after) 3 ms')
})

Command('should mask a token sent in the query string in the log, keeping the rest of the query', () => {
  assert.is(logLine({ method: 'GET', path: '/api/2.0/files/upload_sessions/AB/parts?offset=0&access_token=dev-token&limit=5', status: 401, code: 'unauthorized', at: 0 }, 1),
    '1970-01-01T00:00:00.000Z GET /api/2.0/files/upload_sessions/AB/parts?offset=0&access_token=[token]&limit=5 401 unauthorized 1 ms')
  assert.is(logLine({ method: 'GET', path: '/2.0/files/1?ACCESS_TOKEN=s3cret', status: 401, code: 'unauthorized', at: 0 }, 1),
    '1970-01-01T00:00:00.000Z GET /2.0/files/1?ACCESS_TOKEN=[token] 401 unauthorized 1 ms')
})

Command.run()
