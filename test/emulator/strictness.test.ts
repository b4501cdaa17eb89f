/**
 * Where the emulator must be as strict as the protocol, so that a client's mistake fails here as it
 * may at Box (found by a contract review): dates without an offset, digests that are not canonical
 * base64, a new version's name, an expired failed session, unit-suffixed settings, the adapter's own answers.
 */
import { execFileSync, spawn } from 'node:child_process'
import { connect } from 'node:net'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { defaultPartSize } from '../../src/emulator/Config.ts'
import { type EmulatorOptions, type RequestRecord, emulator } from '../../src/emulator/index.ts'
import { type ServeOptions, serve } from '../../src/emulator/node.ts'
import {
  SMALL, assertBoxError, call, commit, createVersionSession, openSession, putPart, randomFile, sha1Base64, sleep, status, uniqueName,
  uploadAll, uploadFile, withEmulator, type Session,
} from '../helpers/box.ts'
import { type Running, start, until } from '../helpers/cli.ts'
import { createdVia, exchange } from '../helpers/rawHttp.ts'

test('should refuse commit dates that are not RFC 3339 with an offset (read in the server\'s time zone otherwise)', () =>
  withEmulator(SMALL, async (em) => {
    // Without an offset, not RFC 3339, or a field out of range (Date.parse would roll it over).
    for (const date of ['2024-01-01T00:00:00', 'Jan 2 2024 10:00', '2024-01-01', '2024-01-01 00:00:00Z', '2024-02-31T00:00:00Z', '2023-02-29T00:00:00Z', '2024-01-01T24:00:00Z', '2024-01-01T00:00:00+24:00']) {
      const bytes = randomFile(1500)
      const s = await openSession(em, bytes.length)
      const r = await commit(s, bytes, await uploadAll(s, bytes), { attributes: { content_modified_at: date } })
      assertBoxError(r, 400, 'bad_request')
      assert.match(r.text, 'RFC 3339 date-time with an offset', date)
    }
    for (const [date, stored] of [
      ['2024-01-01T00:00:00-08:00', '2024-01-01T08:00:00Z'], ['2024-01-02T03:04:05.250Z', '2024-01-02T03:04:05Z'],
      ['2024-02-29t12:00:00+05:45', '2024-02-29T06:15:00Z'], ['2016-12-31T23:59:60Z', '2017-01-01T00:00:00Z'],
      // Years 0000-0099 are years, not 1900-1999 (as Date.UTC takes them); 0000 is a leap year.
      ['0050-06-15T12:00:00Z', '0050-06-15T12:00:00Z'], ['0000-02-29T00:00:00Z', '0000-02-29T00:00:00Z'],
    ] as const) {
      const bytes = randomFile(1500)
      const s = await openSession(em, bytes.length)
      const r = await commit(s, bytes, await uploadAll(s, bytes), { attributes: { content_created_at: date } })
      assert.is(r.status, 201, r.text)
      assert.is(r.json.entries[0].content_created_at, stored)
    }
  }))

test('should refuse a Digest that is not canonical base64 with its padding, on parts and on commit', () =>
  withEmulator(SMALL, async (em) => {
    const bytes = randomFile(2000)
    const s = await openSession(em, bytes.length)
    const good = sha1Base64(bytes.subarray(0, 1024))
    // The last character's unused bits differ (same 20 bytes to a lenient decoder).
    const last = good.at(-2) as string
    const otherBits = good.slice(0, -2) + String.fromCharCode(last.charCodeAt(0) ^ 1) + '='
    for (const value of [good.slice(0, -1), `${good.slice(0, 4)} ${good.slice(4)}`, otherBits]) {
      assertBoxError(await putPart(s, bytes, 0, { digest: `sha=${value}` }), 400, 'invalid_digest')
    }
    const parts = await uploadAll(s, bytes)
    assertBoxError(await commit(s, bytes, parts, { digest: `sha=${sha1Base64(bytes).slice(0, -1)}` }), 400, 'invalid_digest')
    assert.is((await commit(s, bytes, parts, { digest: `SHA-1=${sha1Base64(bytes)}` })).status, 201)
  }))

test('should rename a file at a new version only when its session was given a file_name', () =>
  withEmulator(SMALL, async (em) => {
    const first = await uploadFile(em, randomFile(1500), uniqueName('a'))
    const open = async (body: Record<string, unknown>): Promise<Session> => {
      const r = await createVersionSession(em, first.id, { file_size: 1500, ...body })
      assert.is(r.status, 201, r.text)
      return r.json as Session
    }
    const keeps = await open({})
    const renames = await open({ file_name: uniqueName('b') })
    const [v1, v2] = [randomFile(1500), randomFile(1500)]
    const renamed = await commit(renames, v2, await uploadAll(renames, v2))
    assert.is(renamed.status, 201, renamed.text)
    const newName = renamed.json.entries[0].name as string
    const kept = await commit(keeps, v1, await uploadAll(keeps, v1))
    assert.is(kept.status, 201, kept.text)
    assert.is(kept.json.entries[0].name, newName, 'the name the file has at the commit, not the one it had when the session was made')
  }))

test('should answer 410 session_expired for a failed session past its lifetime, DELETE included', () => {
  let now = 1_000_000
  return withEmulator({ ...SMALL, sessionTtlMs: 1000, clock: () => now, faults: { uploadFailedAfterParts: 1 } }, async (em) => {
    const bytes = randomFile(2000)
    const s = await openSession(em, bytes.length)
    assert.is((await putPart(s, bytes, 0)).status, 200)
    assertBoxError(await status(s), 410, 'upload_failed')
    now += 5000
    assertBoxError(await status(s), 410, 'session_expired')
    assertBoxError(await call('DELETE', s.session_endpoints.abort), 410, 'session_expired')
  })
})

test('should keep every file within 10,000 parts by default, and refuse a part size that is not a whole number of bytes', () => {
  const GiB = 1024 ** 3
  for (const size of [20_000_000, 256 * 2 ** 20, 300 * GiB, 312.5 * GiB, 313 * GiB, 1024 * GiB, 5 * 1024 * GiB]) {
    const part = defaultPartSize(size)
    assert.ok(Math.ceil(size / part) <= 10_000, `${size} bytes in parts of ${part}`)
    assert.is(part % (1024 * 1024), 0)
  }
  assert.is(defaultPartSize(1024 * GiB), 105 * 1024 * 1024)
  assert.is(defaultPartSize(300 * GiB), 32 * 1024 * 1024)
  for (const partSize of [0, 1.5, Number.NaN, -1]) assert.throws(() => emulator({ partSize }), /partSize must be a whole number/)
  assert.throws(() => emulator({ faults: { retryAfterSeconds: 1.5 } }), /retryAfterSeconds must be a whole number/)
})

// A misplaced or misspelt key was silently ignored: `latencyMs` at the top level (it is a fault) gave no latency.
test('should refuse an option it does not know, at the top level or in faults, saying where a fault belongs', () => {
  const refused: ReadonlyArray<readonly [Record<string, unknown>, string]> = [
    [{ latencyMs: 500 }, 'latencyMs is not an option of the emulator: it is a fault, faults.latencyMs'],
    [{ retryAfterSeconds: 7 }, 'retryAfterSeconds is not an option of the emulator: it is a fault, faults.retryAfterSeconds'],
    [{ partsize: 1024 }, 'partsize is not an option of the emulator'],
    [{ faults: { latency: 5 } }, 'faults.latency is not an option of the emulator'],
    [{ port: 0 }, 'port is not an option of the emulator'],
  ]
  for (const [options, said] of refused) {
    assert.throws(() => emulator(options as EmulatorOptions), (e: unknown) => e instanceof TypeError && e.message === said, JSON.stringify(options))
  }
  // Every known key goes, also set to undefined.
  emulator({ faults: { latencyMs: 0, slowMs: undefined } })
})

// A misspelt field of a scripted fault was ignored: `attempts: 2` put the fault on the part's first attempt, not its second,
// and a test of a client's retries then passed or failed for the wrong reason (from `--faults` JSON as from code).
test('should refuse a scripted fault with a field it does not know, naming the entry and the field', () => {
  const refused: ReadonlyArray<readonly [Record<string, unknown>, string]> = [
    [{ faults: { script: [{ part: 0, fault: 'reset' }, { part: 1, attempts: 2, fault: 'reset' }] } }, 'faults.script[1].attempts is not a field of a scripted fault: { part, attempt?, fault }'],
    [{ faults: { script: [{ part: 0, fault: 'slow', slowMs: 10 }] } }, 'faults.script[0].slowMs is not a field of a scripted fault: { part, attempt?, fault }'],
  ]
  for (const [options, said] of refused) {
    assert.throws(() => emulator(options as EmulatorOptions), (e: unknown) => e instanceof TypeError && e.message === said, JSON.stringify(options))
  }
  emulator({ faults: { script: [{ part: 0, attempt: undefined, fault: 'reset' }, { part: 1, attempt: 2, fault: 'slow' }] } })
})

test('should refuse, when made, every option it cannot use, naming it, rather than a default or a failure at each request', () => {
  const refused: ReadonlyArray<readonly [string, Record<string, unknown>]> = [
    ['tokens', { tokens: 'dev-token' }], ['tokens', { tokens: [] }], ['tokens', { tokens: ['a b'] }],
    ['partSize', { partSize: '1024' }], ['minFileSize', { minFileSize: Number.NaN }], ['maxFileSize', { maxFileSize: -1 }],
    ['processingDelayMs', { processingDelayMs: -1 }], ['sessionTtlMs', { sessionTtlMs: Number.POSITIVE_INFINITY }],
    ['sessionTtlMs', { sessionTtlMs: 1e17 }], ['storage', { storage: 'Memory' }], ['uploadBaseUrl', { uploadBaseUrl: '/api/2.0' }],
    ['folders', { folders: '123' }], ['clock', { clock: 0 }], ['faults.probability', { faults: { probability: 2 } }],
    ['faults.kinds', { faults: { kinds: [] } }], ['faults.kinds', { faults: { kinds: ['rate-limit'] } }],
    ['faults.script', { faults: { script: [{ part: 0, fault: 'rate-limit' }] } }], ['faults.script', { faults: { script: [{ part: 0, attempt: 0, fault: 'slow' }] } }],
    ['faults.slowMs', { faults: { slowMs: Number.NaN } }], ['faults.latencyMs', { faults: { latencyMs: -1 } }],
    ['faults.commitAccepted', { faults: { commitAccepted: 1.5 } }], ['faults.commitFaults', { faults: { commitFaults: ['error_befor'] } }],
    ['faults.uploadFailedAfterParts', { faults: { uploadFailedAfterParts: Number.NaN } }],
    ['faults.uploadFailedAfterParts', { faults: { uploadFailedAfterParts: 2.7 } }], ['faults.uploadFailedAfterParts', { faults: { uploadFailedAfterParts: -1 } }], ['faults.sessionConflict', { faults: { sessionConflict: 'yes' } }],
  ]
  for (const [name, options] of refused) {
    assert.throws(() => emulator(options as EmulatorOptions), (e: unknown) => e instanceof TypeError && e.message.startsWith(`${name} must be `), `${name}: ${JSON.stringify(options)}`)
  }
  assert.throws(() => emulator({ tokens: ['secret token'] }), (e: unknown) => e instanceof Error && !e.message.includes('secret'), 'a refused token is not printed')
  // Every documented value still goes, Infinity as "no limit" or "never" too, and the longest session lifetime (~100 years).
  emulator({ maxFileSize: Number.POSITIVE_INFINITY, sessionTtlMs: 3_153_600_000_000, faults: { commitAccepted: Number.POSITIVE_INFINITY, uploadFailedAfterParts: Number.POSITIVE_INFINITY } })
  emulator({
    tokens: ['a', 'b'], partSize: (size) => size, minFileSize: 0, maxFileSize: 10, processingDelayMs: 0.5, sessionTtlMs: 0, storage: 'digest',
    uploadBaseUrl: 'http://box.test/api/2.0', onRequest: () => undefined, folders: 'any', clock: Date.now,
    faults: { seed: -3, probability: 1, kinds: ['slow'], script: [{ part: 2, attempt: 3, fault: 'reset' }], retryAfterSeconds: 0, slowMs: 0,
      latencyMs: 0, commitAccepted: 2, commitFaults: [null, 'reset_after'], uploadFailedAfterParts: 0, sessionConflict: true },
  })
})

// Validate.ts: "a value it cannot use ... throws", rather than being silently replaced (a NaN seed is seed 0 to mulberry32).
test('should refuse a maxFileSize of 0 (from 1 up) and a seed that is not a whole number', () => {
  assert.throws(() => emulator({ maxFileSize: 0 }), (e: unknown) => e instanceof TypeError && e.message.startsWith('maxFileSize must be '))
  // A fraction would be its whole part's faults (0.37 from Math.random() is seed 0); past 2^53 - 1, neighbouring seeds are one number.
  for (const seed of [Number.NaN, Number.POSITIVE_INFINITY, 0.37, 1.5, -2.5, 2 ** 53]) {
    assert.throws(() => emulator({ faults: { seed } }), (e: unknown) => e instanceof TypeError && e.message.startsWith('faults.seed must be '), String(seed))
  }
  emulator({ minFileSize: 1, maxFileSize: 1, faults: { seed: 0 } })
})

test('should refuse a maxFileSize below minFileSize, its default included: no file could be uploaded', () => {
  const refused = (options: Parameters<typeof emulator>[0], message: string) =>
    assert.throws(() => emulator(options), (e: unknown) => e instanceof TypeError && e.message === message, JSON.stringify(options))
  refused({ maxFileSize: 10_000_000 }, 'maxFileSize (10000000) must not be below minFileSize (20000000, its default): no file could be uploaded')
  refused({ minFileSize: 1000, maxFileSize: 999 }, 'maxFileSize (999) must not be below minFileSize (1000): no file could be uploaded')
  emulator({ minFileSize: 1000, maxFileSize: 1000 })
  emulator({ maxFileSize: 20_000_000 })
})

test('should answer a partSize function giving no whole size with a 500 that names it, and store no session', () => {
  let calls = 0
  // With sessionConflict, a session stored for the name would make the next creation a 409.
  return withEmulator({ minFileSize: 1, partSize: () => (calls++ === 0 ? 0 : 1024), faults: { sessionConflict: true } }, async (em) => {
    const name = uniqueName()
    const r = await call('POST', `${em.url}/files/upload_sessions`, { json: { folder_id: '0', file_size: 10, file_name: name } })
    assertBoxError(r, 500, 'internal_server_error')
    assert.match(r.json.message, 'partSize(10) must give a whole number of bytes from 1 up, got 0')
    const again = await call('POST', `${em.url}/files/upload_sessions`, { json: { folder_id: '0', file_size: 10, file_name: name } })
    assert.is(again.status, 201, again.text)
  })
})

/** `src/emulator/main.ts` as a child with `env` added, as `npx tsx src/emulator/main.ts` runs it (killed after 20 s). */
const standalone = (env: Readonly<Record<string, string>>): Running =>
  start([], { command: [process.execPath, '--import', 'tsx', 'src/emulator/main.ts'], env: { ...process.env, PORT: '0', ...env } })

test('should refuse unit-suffixed numbers and refused settings in the standalone emulator\'s environment, in one line', async () => {
  const cases: ReadonlyArray<readonly [Readonly<Record<string, string>>, string | RegExp]> = [
    [{ BOX_PART_SIZE: '1KiB' }, 'BOX_PART_SIZE must be a whole number (plain digits, in bytes or ms), got "1KiB"'],
    [{ BOX_SESSION_TTL_MS: '1h' }, 'BOX_SESSION_TTL_MS must be a whole number (plain digits, in bytes or ms), got "1h"'],
    // A value the emulator refuses, in its words, naming the variable (as box-upload emulator names its flag).
    [{ BOX_PART_SIZE: '0' }, 'BOX_PART_SIZE is refused by the emulator: partSize must be a whole number of bytes from 1 up (or a function of the file size giving one), got 0'],
    [{ BOX_MAX_FILE_SIZE: '0' }, 'BOX_MAX_FILE_SIZE is refused by the emulator: maxFileSize must be a whole number of bytes from 1 up, or Infinity, got 0'],
    [{ BOX_MAX_FILE_SIZE: '1000' }, 'BOX_MAX_FILE_SIZE is refused by the emulator: maxFileSize (1000) must not be below minFileSize (20000000, its default): no file could be uploaded'],
    [{ BOX_MIN_FILE_SIZE: '99999999999999999999' }, 'BOX_MIN_FILE_SIZE is refused by the emulator: minFileSize must be a whole number of bytes from 0 up, got 100000000000000000000'],
    [{ BOX_SESSION_TTL_MS: '3153600000001' }, 'BOX_SESSION_TTL_MS is refused by the emulator: sessionTtlMs must be a number of ms from 0 up to 3153600000000 (about 100 years: for sessions that never expire), got 3153600000001'],
    // Digits past a double's range read as Infinity, which no delay is.
    [{ BOX_PROCESSING_DELAY_MS: '9'.repeat(400) }, 'BOX_PROCESSING_DELAY_MS is refused by the emulator: processingDelayMs must be a number of ms from 0 up, got Infinity'],
    [{ BOX_TOKENS: 'alpha,be ta' }, 'BOX_TOKENS is refused by the emulator: tokens must be a non-empty array of tokens (strings without spaces), got an array of 2'],
    [{ PORT: '65536' }, 'PORT must be a port number from 0 to 65535 (0: any free port), got 65536'],
    // BOX_FAULTS as `box-upload emulator --faults` takes it, checked by the emulator.
    [{ BOX_FAULTS: '{"probability":2}' }, 'BOX_FAULTS is refused by the emulator: faults.probability must be a number from 0 to 1, got 2'],
    [{ BOX_FAULTS: '{"latency":200}' }, 'BOX_FAULTS is refused by the emulator: faults.latency is not an option of the emulator'],
    [{ BOX_FAULTS: '[{"part":0}]' }, 'BOX_FAULTS must be a JSON object (the emulator\'s faults, like {"latencyMs":200}), not an array'],
    [{ BOX_FAULTS: '{"commitAccepted":Infinity}' }, /^BOX_FAULTS is not valid JSON \(.+\)$/],
    [{ BOX_FAULTS: '{"latencyMs":5}', BOX_LATENCY_MS: '10' }, 'BOX_LATENCY_MS and the latencyMs of BOX_FAULTS both set the latency: give one of them'],
    // As `box-upload emulator --host`, `--folders` and `--upload-base-url` refuse them, naming the variable. TEST-NET-1
    // (RFC 5737): an address no machine here has.
    [{ BOX_HOST: '192.0.2.1' }, 'BOX_HOST 192.0.2.1 is no address of this machine: give one this machine has (127.0.0.1, the default; 0.0.0.0 or :: for every interface)'],
    [{ BOX_HOST: '0.0.0.0:8080' }, 'BOX_HOST 0.0.0.0:8080 names no address (an address or host name, without a port: that is PORT): give one this machine has (127.0.0.1, the default; 0.0.0.0 or :: for every interface)'],
    [{ BOX_FOLDERS: 'root' }, "BOX_FOLDERS must be a Box folder id (digits), not 'root'"],
    [{ BOX_FOLDERS: '1,,2' }, 'BOX_FOLDERS has an empty entry (a comma too many?): give folder ids separated by single commas, like 123,456'],
    [{ BOX_FOLDERS: '123456789012345678901' }, "BOX_FOLDERS must be a Box folder id of at most 20 digits, not '123456789012345678901' (21 digits)"],
    [{ BOX_UPLOAD_BASE_URL: 'ftp://proxy.test/api/2.0' }, "BOX_UPLOAD_BASE_URL must be an http(s) URL without a query or fragment, not 'ftp://proxy.test/api/2.0'"],
    [{ BOX_UPLOAD_BASE_URL: 'https://proxy.test/api/2.0?token=S3CRET' }, "BOX_UPLOAD_BASE_URL must be an http(s) URL without a query or fragment, not 'https://proxy.test/api/2.0?…'"],
    [{ BOX_UPLOAD_BASE_URL: 'https://user:s3cret@proxy.test/api/2.0' },
      'BOX_UPLOAD_BASE_URL must not hold a user or password: it is the URL clients are sent to (session_endpoints are under it), so the credentials would leak to every client'],
  ]
  for (const [env, said] of cases) {
    const ran = await standalone(env).done
    const what = JSON.stringify(env)
    assert.equal([ran.code, ran.stdout], [2, ''], `${what}: ${ran.stderr}`)
    if (typeof said === 'string') assert.is(ran.stderr, `${said}\n`, what)
    else assert.match(ran.stderr.replace(/\n$/, ''), said, what)
  }
  // A port in use, in box-upload emulator's words too.
  const taken = await serve({ port: 0 })
  try {
    const { port } = new URL(taken.url)
    const ran = await standalone({ PORT: port }).done
    assert.equal([ran.code, ran.stdout, ran.stderr], [2, '', `port ${port} on 127.0.0.1 is in use: choose another PORT, or 0 for any free port\n`])
  } finally {
    await taken.close()
  }
})

/** The standalone emulator started with `env`, until its banner is printed; then `f`, and it is stopped with SIGINT. */
const standaloneServing = async (env: Readonly<Record<string, string>>, f: (url: string, out: string) => Promise<void>): Promise<void> => {
  const child = standalone(env)
  try {
    await until(() => child.stdout().includes('Stop with Ctrl-C'))
    await f(/upload API \(like [^)]*\): +(\S+)/.exec(child.stdout())?.[1] as string, child.stdout())
  } finally {
    child.child.kill('SIGINT')
    assert.is((await child.done).code, 0, child.stderr())
  }
}

test('should take BOX_HOST, BOX_FOLDERS and BOX_UPLOAD_BASE_URL in the standalone emulator as box-upload emulator takes their flags, and say them', async () => {
  const endpoint = (origin: string) => new RegExp(`^${origin.replace(/\./g, '\\.')}/api/2\\.0/files/upload_sessions/[0-9A-F]{32}$`)
  await standaloneServing({ BOX_MIN_FILE_SIZE: '1', BOX_HOST: '0.0.0.0', BOX_FOLDERS: '123, 456' }, async (url, out) => {
    for (const line of [
      '\n  listening on every interface (BOX_HOST=0.0.0.0): session_endpoints name the host and port each client used\n',
      '\n  folders: 0 and 123, 456 (BOX_FOLDERS); another folder is 404\n',
    ]) assert.ok(out.includes(line), `${line} in\n${out}`)
    // On every interface, a client is sent back to the host it named.
    const mapped = await createdVia(url, 'box.test:8080', '123')
    assert.is(mapped.status, 201, JSON.stringify(mapped.json))
    assert.match(mapped.json.session_endpoints?.upload_part ?? '', endpoint('http://box.test:8080'))
    assert.is((await createdVia(url, 'box.test', '789')).status, 404, 'a folder it was not given')
  })
  // A blank setting is none (main.ts: "Unset or blank: none"), not a value to refuse.
  await standaloneServing({ BOX_MIN_FILE_SIZE: '1', BOX_FOLDERS: 'any', BOX_UPLOAD_BASE_URL: 'HTTPS://Proxy.test:443/api/2.0/', BOX_FAULTS: ' ' }, async (url, out) => {
    for (const line of [
      '\n  session_endpoints under https://proxy.test/api/2.0 (BOX_UPLOAD_BASE_URL), where clients reach it\n',
      '\n  folders: any all-digits id (BOX_FOLDERS); another folder is 404\n',
    ]) assert.ok(out.includes(line), `${line} in\n${out}`)
    assert.not.match(out, 'listening on every interface')
    assert.not.match(out, '  faults: ')
    const session = await createdVia(url, 'box.test', '987654')
    assert.is(session.status, 201, JSON.stringify(session.json))
    assert.match(session.json.session_endpoints?.upload_part ?? '', endpoint('https://proxy.test'))
  })
})

test('should take BOX_FAULTS, BOX_MAX_FILE_SIZE and BOX_SESSION_TTL_MS in the standalone emulator, and say them', async () => {
  const child = standalone({
    BOX_MIN_FILE_SIZE: '1', BOX_MAX_FILE_SIZE: '1000', BOX_SESSION_TTL_MS: '1500',
    BOX_FAULTS: '{"script":[{"part":0,"fault":"error_before"}],"commitAccepted":"Infinity"}',
  })
  try {
    await until(() => child.stdout().includes('Stop with Ctrl-C'))
    const out = child.stdout()
    for (const line of [
      '\n  faults: {"script":[{"part":0,"fault":"error_before"}],"commitAccepted":"Infinity"} (on purpose: BOX_FAULTS, BOX_LATENCY_MS)\n',
      '\n  sessions expire after 1500 ms (BOX_SESSION_TTL_MS): then 410 session_expired\n',
      '\n  files over 1000 bytes are refused (BOX_MAX_FILE_SIZE): 403 file_size_limit_exceeded\n',
      // The example's size is one the emulator takes.
      '"file_size":1000,',
    ]) assert.ok(out.includes(line), `${line} in\n${out}`)
    const url = /upload API \(like [^)]*\): +(\S+)/.exec(out)?.[1] as string
    const em = { url, apiUrl: url.replace(/\/api\/2\.0$/, '/2.0'), close: async () => undefined }
    assertBoxError(await call('POST', `${url}/files/upload_sessions`, { json: { folder_id: '0', file_size: 1001, file_name: uniqueName() } }), 403, 'file_size_limit_exceeded')
    const bytes = randomFile(1000)
    const session = await openSession(em, bytes.length)
    assertBoxError(await putPart(session, bytes, 0), 500, 'internal_server_error')
    const parts = await uploadAll(session, bytes)
    // commitAccepted "Infinity": every commit is 202.
    assert.is((await commit(session, bytes, parts)).status, 202)
    await sleep(1600)
    assertBoxError(await status(session), 410, 'session_expired')
  } finally {
    child.child.kill('SIGINT')
    assert.is((await child.done).code, 0, child.stderr())
  }
})

test('should print a curl example that works as printed, with BOX_TOKENS and BOX_MIN_FILE_SIZE set', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/emulator/main.ts'], {
    env: { ...process.env, PORT: '0', BOX_TOKENS: 'alpha,beta', BOX_MIN_FILE_SIZE: '30000000' }, stdio: ['ignore', 'pipe', 'pipe'],
  })
  try {
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d })
    const started = Date.now()
    while (!out.includes('Stop with Ctrl-C') && Date.now() - started < 15_000) await sleep(50)
    const example = /^ {2}curl [^]*?\}'$/m.exec(out)?.[0]
    assert.ok(example !== undefined, out)
    const reply = execFileSync('/bin/sh', ['-c', example.replace('curl -s ', 'curl -s -o /dev/null -w "%{http_code}" ')], { encoding: 'utf8', timeout: 10_000 })
    assert.is(reply, '201', example)
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill()
    await exited
  }
})

test('should not leave a server listening when serve() refuses its options: the port is free again', async () => {
  const first = await serve({ port: 0, partSize: 2048 })
  const { port } = new URL(first.url)
  await first.close()
  await serve({ port: Number(port), partSize: 0 }).then(
    () => assert.unreachable('partSize 0 is refused'),
    (error: unknown) => assert.match(String(error), 'partSize must be a whole number'),
  )
  const again = await serve({ port: Number(port), partSize: 2048, minFileSize: 1 })
  try {
    const r = await call('POST', `${again.url}/files/upload_sessions`, { json: { folder_id: '0', file_size: 10, file_name: uniqueName() } })
    assert.is(r.status, 201, r.text)
  } finally {
    await again.close()
  }
})

// serve() gave Node its port as it came: a string that is no number is a pipe's path to Node, so `serve({ port: 'abc' })`
// listened on a file in the working directory and its `url` named port 0; a host that is no string, or options
// that are no object (`null`), failed with Node's words or a destructuring error, naming no option.
test('should refuse, before anything listens, a port or host serve() cannot listen on, and options that are no object', async () => {
  const port = 'a whole number from 0 to 65535 (0: any free port)'
  const refused: ReadonlyArray<readonly [unknown, string]> = [
    [{ port: 'abc' }, `port must be ${port}, got "abc"`], [{ port: '8080' }, `port must be ${port}, got "8080"`],
    [{ port: 65_536 }, `port must be ${port}, got 65536`], [{ port: 1.5 }, `port must be ${port}, got 1.5`], [{ port: -1 }, `port must be ${port}, got -1`],
    [{ host: 5 }, 'host must be an address or host name to listen on (a string), got 5'],
    [null, 'options must be an object (or left out), got null'], [[{ port: 0 }], 'options must be an object (or left out), got an array'],
  ]
  for (const [options, said] of refused) {
    await serve(options as ServeOptions).then(
      async (served) => {
        await served.close()
        assert.unreachable(`${JSON.stringify(options)} listened at ${served.url}`)
      },
      (error: unknown) => assert.ok(error instanceof TypeError && error.message === said, `${JSON.stringify(options)}: ${String(error)}`),
    )
  }
  for (const [options, said] of refused.slice(-2)) {
    assert.throws(() => emulator(options as EmulatorOptions), (e: unknown) => e instanceof TypeError && e.message === said, JSON.stringify(options))
  }
  const served = await serve({ port: 0, host: '127.0.0.1' })
  await served.close()
})

test('should give the adapter\'s own answers Box\'s error body and the CORS header', () =>
  withEmulator(SMALL, async (em) => {
    const { port } = new URL(em.url)
    const rawAnswer = (text: string) => new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.write(text))
      let got = ''
      socket.setEncoding('utf8').on('data', (d: string) => { got += d }).on('end', () => resolve(got)).on('error', reject)
      setTimeout(() => { socket.destroy(); resolve(got) }, 3000)
    })
    for (const [request, status, code] of [
      ['CONNECT 127.0.0.1:1 HTTP/1.1\r\nHost: 127.0.0.1:1\r\n\r\n', 405, 'method_not_allowed'],
      ['GET / HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n', 400, 'bad_request'],
      ['GET / HTTP/1.1\r\n\r\n', 400, 'bad_request'],
      ['TRACE / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 405, 'method_not_allowed'],
    ] as const) {
      const answer = await rawAnswer(request)
      assert.ok(answer.startsWith(`HTTP/1.1 ${status} `), answer)
      assert.match(answer.toLowerCase(), 'access-control-allow-origin: *')
      const bodyText = answer.slice(answer.indexOf('\r\n\r\n') + 4)
      assert.is((JSON.parse(bodyText) as { code: string }).code, code, request)
    }
  }))

test('should tell onRequest of the answers the adapter gives itself, as of the handler\'s (what --log prints)', async () => {
  const records: Array<RequestRecord> = []
  await withEmulator({ ...SMALL, onRequest: (r) => void records.push(r) }, async (em) => {
    const { port } = new URL(em.url)
    const id = '0123456789ABCDEF0123456789ABCDEF'
    for (const request of [
      `PUT /api/2.0/files/upload_sessions/${id} HTTP/1.1\r\nHost: x\r\nContent-Range: bytes 0-0/1\r\nTransfer-Encoding: gzip, chunked\r\nConnection: close\r\n\r\n0\r\n\r\n`,
      'TRACE /api/2.0 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      'OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      `GET /api/2.0/files/upload_sessions/${id} HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n`,
      'CONNECT 127.0.0.1:1 HTTP/1.1\r\nHost: 127.0.0.1:1\r\n\r\n',
    ]) assert.ok((await exchange(`http://127.0.0.1:${port}`, request)).startsWith('HTTP/1.1 '), request)
  })
  assert.equal(records.map(({ method, path, status, code, range }) => ({ method, path, status, code, range })), [
    { method: 'PUT', path: '/api/2.0/files/upload_sessions/0123456789ABCDEF0123456789ABCDEF', status: 501, code: 'not_implemented', range: 'bytes 0-0/1' },
    { method: 'TRACE', path: '/api/2.0', status: 405, code: 'method_not_allowed', range: undefined },
    { method: 'OPTIONS', path: '*', status: 204, code: undefined, range: undefined },
    { method: 'GET', path: '/api/2.0/files/upload_sessions/0123456789ABCDEF0123456789ABCDEF', status: 400, code: 'bad_request', range: undefined },
    { method: 'CONNECT', path: '127.0.0.1:1', status: 405, code: 'method_not_allowed', range: undefined },
  ])
  assert.ok(records.every((r) => typeof r.at === 'number' && r.at > 0))
})

test('should send no error code in WWW-Authenticate when no token came (RFC 6750 §3.1)', () =>
  withEmulator(SMALL, async (em) => {
    const none = await call('POST', `${em.url}/files/upload_sessions`, { token: null, json: { folder_id: '0', file_size: 10, file_name: 'x' } })
    assert.is(none.status, 401)
    assert.is(none.headers.get('www-authenticate'), 'Bearer realm="Service"')
    const bad = await call('POST', `${em.url}/files/upload_sessions`, { token: 'nope', json: { folder_id: '0', file_size: 10, file_name: 'x' } })
    assert.is(bad.headers.get('www-authenticate'), 'Bearer realm="Service", error="invalid_token"')
  }))

test.run()
