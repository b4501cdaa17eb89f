import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import * as E from 'fp-ts/lib/Either.js'
import { parse } from '../../src/cli/Args.ts'
import { BOX_MIN_FILE_SIZE, type Command, DEMO_SIZE } from '../../src/cli/Command.ts'
import type { ReadText } from '../../src/cli/EmulatorFaults.ts'
import { MAX_SECONDS, bytes, duration } from '../../src/cli/FlagValues.ts'
import { BOX_UPLOAD_URL } from '../../src/cli/Target.ts'
import { usage } from '../../src/cli/Usage.ts'
import { usageError } from '../../src/cli/UsageError.ts'
import { defaultPartSize } from '../../src/emulator/Config.ts'
import { defaultRetryPolicy } from '../../src/Retry.ts'
import { timerMs } from '../../src/Sleep.ts'

const none = parse({})
/** One field of a parsed command. */
const field = (key: string) => E.map((c: Command) => (c as unknown as Record<string, unknown>)[key])

const Parse = suite('parse')

Parse('should upload to the embedded emulator with defaults when no token is given', () => {
  assert.equal(none(['big.bin']), E.right({
    _tag: 'Upload', file: 'big.bin', folderId: '0', json: false, resume: false,
    minFileSize: BOX_MIN_FILE_SIZE, target: { _tag: 'Embedded' },
  }))
})

Parse('should read every upload flag, in both --flag value and --flag=value forms', () => {
  assert.equal(none(['--json', 'a.bin', '--folder', '123', '--name=b.bin', '--concurrency', '3', '--state', 's.json', '--part-size', '1MiB', '--min-file-size=1']), E.right({
    _tag: 'Upload', file: 'a.bin', folderId: '123', name: 'b.bin', concurrency: 3, json: true, resume: false,
    state: 's.json', minFileSize: 1, target: { _tag: 'Embedded', partSize: 1024 * 1024 },
  }))
  assert.equal(none(['a.bin', '--resume', '--state=s.json', '--concurrency', '2']), E.right({
    _tag: 'Upload', file: 'a.bin', folderId: '0', concurrency: 2, json: false, resume: true,
    state: 's.json', minFileSize: BOX_MIN_FILE_SIZE, target: { _tag: 'Embedded' },
  }))
})

Parse('should go to Box with a token from the flag or from BOX_TOKEN', () => {
  const box = { _tag: 'Remote', uploadUrl: BOX_UPLOAD_URL, token: 'T' }
  assert.equal(field('target')(none(['f', '--token', 'T'])), E.right(box))
  assert.equal(field('target')(parse({ BOX_TOKEN: 'T' })(['f'])), E.right(box))
  // an empty BOX_TOKEN counts as none
  assert.equal(field('target')(parse({ BOX_TOKEN: '' })(['f'])), E.right({ _tag: 'Embedded' }))
  // one of spaces is a mistake, said now (it was sent, and refused as a token function's failure); surrounding spaces go
  assert.equal(parse({ BOX_TOKEN: '  ' })(['f']), E.left(usageError('BOX_TOKEN is blank')))
  assert.equal(field('target')(parse({ BOX_TOKEN: ' T\n' })(['f'])), E.right(box))
  // Box's upload API spelled otherwise is still Box (its API base and messages are Box's), a look-alike is not
  for (const spelled of ['https://UPLOAD.box.com/api/2.0', 'https://upload.box.com:443/api/2.0/', 'HTTPS://upload.BOX.com/api/2.0']) {
    assert.equal(field('target')(none(['f', '--token', 'T', '--upload-url', spelled])), E.right(box), spelled)
  }
  // any URL is kept in one spelling (scheme and host in lower case, no default port or trailing slash)
  assert.equal(field('target')(none(['f', '--upload-url', 'HTTP://LocalHost:80/api/2.0/'])), E.right({ _tag: 'Remote', uploadUrl: 'http://localhost/api/2.0', token: 'dev-token' }))
  for (const other of ['http://upload.box.com/api/2.0', 'https://upload.box.com:8443/api/2.0', 'https://upload.box.com/api/2.1']) {
    assert.equal(field('target')(none(['f', '--token', 'T', '--upload-url', other])), E.right({ ...box, uploadUrl: other }), other)
  }
})

Parse('should take --file-id (a new version of that file, --name renaming it) and --overwrite', () => {
  assert.equal(field('fileId')(none(['f', '--token', 'T', '--file-id', '123'])), E.right('123'))
  assert.equal(field('name')(none(['f', '--upload-url', 'http://h/api/2.0', '--file-id', '123', '--name', 'n.bin'])), E.right('n.bin'))
  assert.equal(field('overwrite')(none(['f', '--token', 'T', '--overwrite'])), E.right(true))
  assert.equal(field('overwrite')(none(['f', '--token', 'T'])), E.right(undefined))
  // The embedded emulator holds no file to take the name: harmless there.
  assert.equal(field('overwrite')(none(['f', '--overwrite'])), E.right(true))
})

Parse('should go to a running emulator with --upload-url or BOX_UPLOAD_URL, with its default token', () => {
  const target = (env: object, argv: ReadonlyArray<string>) => field('target')(parse(env)(argv))
  assert.equal(target({}, ['f', '--upload-url', 'http://127.0.0.1:9/api/2.0/', '--api-url', 'http://127.0.0.1:9/2.0']),
    E.right({ _tag: 'Remote', uploadUrl: 'http://127.0.0.1:9/api/2.0', apiUrl: 'http://127.0.0.1:9/2.0', token: 'dev-token' }))
  assert.equal(target({ BOX_UPLOAD_URL: 'http://h:1/api/2.0', BOX_API_URL: 'http://h:1/2.0', BOX_TOKEN: 'X' }, ['f']),
    E.right({ _tag: 'Remote', uploadUrl: 'http://h:1/api/2.0', apiUrl: 'http://h:1/2.0', token: 'X' }))
  // A flag takes the place of its variable, each URL on its own.
  const env = { BOX_UPLOAD_URL: 'http://h:1/api/2.0', BOX_API_URL: 'http://h:1/2.0', BOX_TOKEN: 'X' }
  assert.equal(target(env, ['f', '--upload-url', 'http://g:2/api/2.0', '--api-url', 'http://g:2/2.0']),
    E.right({ _tag: 'Remote', uploadUrl: 'http://g:2/api/2.0', apiUrl: 'http://g:2/2.0', token: 'X' }))
  assert.equal(target(env, ['f', '--api-url', 'http://g:2/2.0']),
    E.right({ _tag: 'Remote', uploadUrl: 'http://h:1/api/2.0', apiUrl: 'http://g:2/2.0', token: 'X' }))
  assert.equal(target(env, ['f', '--upload-url', 'http://g:2/api/2.0']),
    E.right({ _tag: 'Remote', uploadUrl: 'http://g:2/api/2.0', apiUrl: 'http://h:1/2.0', token: 'X' }))
})

Parse('should keep a --folder id of up to 20 digits as written, past Number.MAX_SAFE_INTEGER too', () => {
  for (const id of ['0', '9007199254740993', '18446744073709551615']) assert.equal(field('folderId')(none(['f', '--folder', id])), E.right(id))
})

Parse('should take --api-url alone with --resume (no token): the upload goes to the state file\'s server, the check to that URL', () => {
  assert.equal(field('target')(none(['f', '--resume', '--api-url', 'http://127.0.0.1:9/2.0/'])), E.right({ _tag: 'Embedded', apiUrl: 'http://127.0.0.1:9/2.0' }))
  assert.equal(field('target')(parse({ BOX_API_URL: 'http://h:1/2.0' })(['f', '--resume'])), E.right({ _tag: 'Embedded', apiUrl: 'http://h:1/2.0' }))
  assert.equal(none(['f', '--resume', '--api-url', 'ftp://x']), E.left(usageError("--api-url must be an http(s) URL without a query or fragment, not 'ftp://x'")))
})

Parse('should parse the emulator and demo subcommands', () => {
  assert.equal(none(['emulator']), E.right({ _tag: 'Emulator', port: 0 }))
  assert.equal(none(['emulator', '--port', '8080', '--part-size', '1MiB', '--min-file-size', '1']),
    E.right({ _tag: 'Emulator', port: 8080, partSize: 1048576, minFileSize: 1 }))
  assert.equal(none(['emulator', '--storage', 'digest']), E.right({ _tag: 'Emulator', port: 0, storage: 'digest' }))
  assert.equal(none(['emulator', '--tokens', ' a, b ', '--processing-delay', '1.5']), E.right({ _tag: 'Emulator', port: 0, tokens: ['a', 'b'], processingDelayMs: 1500 }))
  assert.equal(none(['emulator', '--min-file-size', '1', '--max-file-size', '2MiB', '--session-ttl', '90s']),
    E.right({ _tag: 'Emulator', port: 0, minFileSize: 1, maxFileSize: 2_097_152, sessionTtlMs: 90_000 }))
  assert.equal(none(['emulator', '--folders', '123, 456', '--host', '0.0.0.0', '--upload-base-url', 'HTTPS://Proxy.test:443/api/2.0/']),
    E.right({ _tag: 'Emulator', port: 0, folders: ['123', '456'], host: '0.0.0.0', uploadBaseUrl: 'https://proxy.test/api/2.0' }))
  assert.equal(none(['emulator', '--folders', 'any', '--host', '::']), E.right({ _tag: 'Emulator', port: 0, folders: 'any', host: '::' }))
  // The emulator's default minimum (20,000,000) is a maximum it takes: not below it.
  assert.equal(none(['emulator', '--max-file-size', '20MB', '--session-ttl', '0.001']), E.right({ _tag: 'Emulator', port: 0, maxFileSize: 20_000_000, sessionTtlMs: 1 }))
  assert.equal(none(['demo']), E.right({ _tag: 'Demo', size: DEMO_SIZE, json: false }))
  assert.ok(DEMO_SIZE >= 64 * 1024 * 1024, 'npm start uploads at least 64 MiB')
  assert.equal(none(['demo', '--size', '2MB', '--concurrency', '2', '--part-size', '1MiB']),
    E.right({ _tag: 'Demo', size: 2_000_000, concurrency: 2, partSize: 1048576, json: false }))
  assert.equal(field('_tag')(none(['./emulator'])), E.right('Upload'))
})

Parse('should take --timeout in seconds as each try\'s time, for an upload and a resume, and name its default in the help', () => {
  assert.equal(field('timeoutMs')(none(['f', '--timeout', '30'])), E.right(30_000))
  assert.equal(field('timeoutMs')(none(['f', '--timeout=0.3', '--token', 'T'])), E.right(300))
  assert.equal(field('timeoutMs')(none(['f', '--resume', '--timeout', '90s'])), E.right(90_000))
  assert.equal(field('timeoutMs')(none(['f'])), E.right(undefined))
  // Not a flag of the subcommands: the emulator answers, and the demo's uploads go to it in this process.
  assert.equal(none(['emulator', '--timeout', '1']), E.left(usageError('unknown option --timeout (see box-upload --help)')))
  assert.equal(none(['demo', '--timeout', '1']), E.left(usageError('unknown option --timeout (see box-upload --help)')))
  const line = usage.slice(usage.indexOf('  --timeout SECONDS  '), usage.indexOf('  --token TOKEN  '))
  assert.ok(line.includes(`(default ${(defaultRetryPolicy.timeoutMs as number) / 1000},`), line)
  assert.ok(usage.includes('[--concurrency N] [--timeout SECONDS]') && usage.includes('--resume [--state PATH] [--timeout SECONDS]'), usage)
})

Parse('should answer help', () => {
  for (const argv of [['--help'], ['-h'], ['f', '--help'], ['emulator', '-h'], ['demo', '--help']]) {
    assert.equal(none(argv), E.right({ _tag: 'Help' }), argv.join(' '))
  }
})

Parse('should answer the version, in any command, help first when both are asked', () => {
  for (const argv of [['--version'], ['-v'], ['f', '--version'], ['emulator', '-v'], ['demo', '--version'], ['f', '--resume', '-v']]) {
    assert.equal(none(argv), E.right({ _tag: 'Version' }), argv.join(' '))
  }
  assert.equal(none(['-v', '-h']), E.right({ _tag: 'Help' }))
  assert.equal(none(['f', '--version=1']), E.left({ _tag: 'UsageError', message: '--version takes no value' }))
  assert.equal(none(['f', '-V']), E.left({ _tag: 'UsageError', message: 'unknown option -V (see box-upload --help)' }))
  assert.ok(usage.includes('\n  -v, --version        the version of box-upload\n'), usage)
})

// The help named only the small files' 8 MiB, where the benchmark's 1 GiB (and `npm start`'s demo above 256 MiB) get 32.
Parse("should give the embedded emulator's default part sizes in the help as the emulator has them", () => {
  const MiB = 1024 * 1024
  const line = usage.slice(usage.indexOf('  --part-size BYTES  '), usage.indexOf('  --min-file-size BYTES  '))
  for (const fileSize of [20_000_000, 256 * MiB, 1024 * MiB]) assert.ok(line.includes(`${defaultPartSize(fileSize) / MiB} MiB`), `${fileSize}: ${line}`)
  assert.ok(line.includes('256 MiB') && defaultPartSize(256 * MiB - 1) !== defaultPartSize(256 * MiB), line)
  assert.ok(line.includes('312.5 GiB') && defaultPartSize(312.5 * 1024 * MiB + MiB) > defaultPartSize(312.5 * 1024 * MiB), line)
})

Parse('should refuse wrong usage with a one-line reason', () => {
  const cases: ReadonlyArray<readonly [ReadonlyArray<string>, string]> = [
    [[], 'no file given (box-upload <file>; see box-upload --help)'],
    [['--json'], 'no file given (box-upload <file>; see box-upload --help)'],
    [['f', '--frobnicate'], 'unknown option --frobnicate (see box-upload --help)'],
    [['f', '--frob=1'], 'unknown option --frob (see box-upload --help)'],
    [['f', '-x'], 'unknown option -x (see box-upload --help)'],
    [['f', '--constructor'], 'unknown option --constructor (see box-upload --help)'],
    [['f', '--toString=1'], 'unknown option --toString (see box-upload --help)'],
    [['f', '--port', '1'], 'unknown option --port (see box-upload --help)'],
    [['emulator', '--json'], 'unknown option --json (see box-upload --help)'],
    [['a', 'b'], "one file at a time (got 'a' and 'b')"],
    [['f', '--folder'], '--folder needs a value'],
    [['f', '--folder', 'abc'], "--folder must be a Box folder id (digits), not 'abc'"],
    // Past Number.MAX_SAFE_INTEGER is fine (ids stay strings), past 20 digits no Box id goes.
    [['f', '--folder', '12345678901234567890123'], "--folder must be a Box folder id of at most 20 digits, not '12345678901234567890123' (23 digits)"],
    [['f', '--folder', '1', '--folder', '2'], '--folder given twice'],
    [['f', '--json=yes'], '--json takes no value'],
    // Each name quoted as the message quotes it (JSON), a line break or backslash escaped.
    ...([['a/b', '"a/b"'], ['a\\b', '"a\\\\b"'], ['a\nb', '"a\\nb"'], ['a\u007fb', '"a\\u007fb"']] as const).map(
      ([name, quoted]) => [['f', '--name', name], `--name must have no slash, backslash or control character (a line break, a tab), as Box refuses them: ${quoted}`] as const),
    [['f', '--name', ' a.bin'], '--name must not start or end with a space, as Box refuses that: " a.bin"'],
    [['f', '--name', 'x'.repeat(256)], '--name must be 1 to 255 characters long (this one has 256)'],
    [['f', '--name', '..'], "--name cannot be '..'"],
    [['f', '--token', '  '], '--token is blank'],
    [['f', '--token', 'abc\ndef'], '--token has a line break or other control character, which no header can carry'],
    // Pasted from a rich-text page: curly quotes or a zero-width space (past Latin-1) no header can carry either;
    // they were sent and failed as 'Cannot convert argument to a ByteString' (exit 1, not naming the token).
    [['f', '--token', '\u201cabc\u201d'], '--token has a character no header can carry (past Latin-1: a curly quote, a zero-width space), as pasted from a web page: copy it again'],
    [['f', '--token', 'abc\u200b'], '--token has a character no header can carry (past Latin-1: a curly quote, a zero-width space), as pasted from a web page: copy it again'],
    [['f', '--token', 'T', '--upload-url', 'http://h/api/2.0?x=1'], "--upload-url must be an http(s) URL without a query or fragment, not 'http://h/api/2.0?…'"],
    [['f', '--concurrency', '0'], "--concurrency must be a whole number from 1 to 64, not '0'"],
    [['f', '--concurrency', '2.5'], "--concurrency must be a whole number from 1 to 64, not '2.5'"],
    ...['0', '0.0', '-1', '-0.5', '0.0004', 'NaN', 'Infinity', 'abc', '1e3', '0x10', '1.', '1.5.2', '10ms', '1d', '5 mins', ' ', '2147484', '2147483.5', '99999999999999999999'].map(
      (text) => [['f', '--timeout', text], `--timeout must be a number of seconds from 0.001 to 2147483 (like 30, 0.5 or 10m), not '${text}'`] as const),
    [['f', '--timeout='], '--timeout needs a value'],
    [['f', '--part-size', '-1'], "--part-size must be a positive number of bytes (like 8MiB), not '-1'"],
    [['f', '--part-size', '1'], "--part-size must be at least 1KiB (1024 bytes), not '1'"],
    [['emulator', '--part-size', '1023'], "--part-size must be at least 1KiB (1024 bytes), not '1023'"],
    [['f', '--resume', '--name', 'b.bin'], '--name cannot be given with --resume: the upload goes on as it started (see its state file)'],
    [['f', '--folder', '1', '--resume', '--part-size', '1MiB'], '--folder, --part-size cannot be given with --resume: the upload goes on as it started (see its state file)'],
    [['f', '--resume', '--file-id', '5'], '--file-id cannot be given with --resume: the upload goes on as it started (see its state file)'],
    [['f', '--resume', '--overwrite'], '--overwrite cannot be given with --resume: the upload goes on as it started (see its state file)'],
    [['f', '--token', 'T', '--file-id', '5', '--folder', '7'], "--folder cannot be given with --file-id: a new version stays in its file's folder"],
    [['f', '--token', 'T', '--file-id', '5', '--overwrite'], '--overwrite cannot be given with --file-id, which names the file to upload a new version of already'],
    [['f', '--token', 'T', '--file-id', 'abc'], "--file-id must be a Box file id (digits), not 'abc'"],
    [['f', '--token', 'T', '--file-id', '123456789012345678901'], "--file-id must be a Box file id of at most 20 digits, not '123456789012345678901' (21 digits)"],
    [['f', '--token', 'T', '--overwrite=1'], '--overwrite takes no value'],
    [['f', '--file-id', '5'], '--file-id needs Box (--token or BOX_TOKEN) or a server (--upload-url): the emulator started in this process without them holds no files'],
    [['f', '--token', 'T', '--part-size', '1MiB'], '--part-size only applies to the embedded emulator (no token, no --upload-url); Box chooses the part size'],
    [['f', '--upload-url', 'ftp://x'], "--upload-url must be an http(s) URL without a query or fragment, not 'ftp://x'"],
    // Unparsed (from the third on), a password may hold '/', '?' or '#', or follow one slash or backslashes: never quoted, nor a query.
    ...['http://user:s3cret@h/api/2.0', 'http://user:s3cret@h:99999/api/2.0', 'https://u:s3cret/PW@h:99999/api/2.0', 'https:/u:s3cret@h:99999/api/2.0', 'https:\\\\u:s3cret@h:99999/api/2.0', 'https://u:pa#ss@h/api/2.0'].map(
      (url) => [['f', '--upload-url', url], '--upload-url must not hold a user or password (fetch refuses them): give the token with --token or BOX_TOKEN'] as const),
    [['f', '--token', 'T', '--upload-url', 'https://h/api/2.0?access_token=S3CRET'], "--upload-url must be an http(s) URL without a query or fragment, not 'https://h/api/2.0?…'"],
    [['f', '--api-url', 'http://x/2.0'], '--api-url needs --upload-url too'],
    [['emulator', 'file'], "box-upload emulator takes no file (got 'file')"],
    [['emulator', '--port', '70000'], "--port must be a whole number from 0 to 65535, not '70000'"],
    [['emulator', '--storage', 'Memory'], "--storage must be memory or digest, not 'Memory'"],
  ]
  for (const [argv, message] of cases) assert.equal(none(argv), E.left(usageError(message)), argv.join(' '))
})

// A URL from the environment (a CI setting) is named as such, and never quoted with a password or a query.
Parse('should name BOX_UPLOAD_URL and BOX_API_URL, not the flags, when the refused URL came from them', () => {
  assert.equal(parse({ BOX_UPLOAD_URL: 'https://ci:s3cret/PW@h:99999/api/2.0', BOX_TOKEN: 'T' })(['f']),
    E.left(usageError('BOX_UPLOAD_URL must not hold a user or password (fetch refuses them): give the token with --token or BOX_TOKEN')))
  assert.equal(parse({ BOX_UPLOAD_URL: 'http://h/api/2.0', BOX_API_URL: 'ftp://h/2.0?t=S3CRET', BOX_TOKEN: 'T' })(['f']),
    E.left(usageError("BOX_API_URL must be an http(s) URL without a query or fragment, not 'ftp://h/2.0?…'")))
  assert.equal(parse({ BOX_UPLOAD_URL: 'http://h/api/2.0' })(['f', '--token', 'T', '--upload-url', 'ftp://x']),
    E.left(usageError("--upload-url must be an http(s) URL without a query or fragment, not 'ftp://x'")))
})

// A BOX_API_URL exported for other Box tools, and no token: `box-upload f` was refused naming a flag never given.
Parse('should name BOX_API_URL, not --api-url, when it is given without an upload URL', () => {
  assert.equal(parse({ BOX_API_URL: 'https://api.box.com/2.0' })(['f']), E.left(usageError('BOX_API_URL needs --upload-url too')))
})

Parse('should take anything after -- as the file', () => {
  assert.equal(field('file')(none(['--', '--json'])), E.right('--json'))
})

const Bytes = suite('bytes')

Bytes('should read plain numbers and units', () => {
  const table: ReadonlyArray<readonly [string, number]> = [
    ['1', 1], ['8388608', 8388608], ['512KiB', 524288], ['8MiB', 8388608], ['8m', 8388608], ['1GiB', 1073741824],
    ['20MB', 20_000_000], ['20 mb', 20_000_000], ['3kB', 3000],
  ]
  for (const [text, n] of table) assert.equal(bytes('x')(text), E.right(n), text)
  for (const text of ['0', '', 'MiB', '1.5MiB', '1XB', '-3']) assert.ok(E.isLeft(bytes('x')(text)), text)
})

const Duration = suite('duration')

Duration('should read seconds, with decimals or a unit, as whole ms', () => {
  const table: ReadonlyArray<readonly [string, number]> = [
    ['1', 1000], ['0.5', 500], ['.25', 250], ['0.3', 300], ['1.1', 1100], ['0.001', 1], ['600', 600_000], [' 30 ', 30_000],
    ['30s', 30_000], ['30 S', 30_000], ['10m', 600_000], ['1.5m', 90_000], ['1h', 3_600_000], ['2H', 7_200_000],
  ]
  for (const [text, ms] of table) assert.equal(duration('x')(text), E.right(ms), text)
})

// Past what a timer holds the library would wait ~24.8 days all the same (Sleep.ts's timerMs): refused, not cut short.
Duration('should go up to what a timer holds, and not past it', () => {
  assert.is(MAX_SECONDS, 2147483)
  assert.equal(duration('x')(String(MAX_SECONDS)), E.right(MAX_SECONDS * 1000))
  assert.is(timerMs(MAX_SECONDS * 1000), MAX_SECONDS * 1000)
  assert.ok(E.isLeft(duration('x')(String(MAX_SECONDS + 1))))
  assert.equal(duration('x')('596h'), E.right(596 * 3_600_000))
  assert.ok(E.isLeft(duration('x')('597h')), '597 h is past 24.8 days')
})

const EmulatorFlags = suite('emulator flags')

/** Files as a parse reads them (`--faults @path`): these texts, any other path unreadable. */
const files = (texts: Readonly<Record<string, string>>): ReadText => (path) =>
  Object.hasOwn(texts, path) ? E.right(texts[path] as string) : E.left(`no such file: ${path}`)
const withFiles = parse({}, files({ 'faults.json': '{ "probability": 0.25, "seed": 7, "kinds": ["reset"] }\n', 'list.json': '[]', 'bad.json': '{"slowMs": -1}' }))
const faultsOf = (argv: ReadonlyArray<string>) => field('faults')(withFiles(['emulator', ...argv]))

EmulatorFlags('should take --faults as the emulator\'s faults, in JSON or from @file, "Infinity" where a field takes it', () => {
  const script = [{ part: 0, fault: 'error_before' }]
  assert.equal(none(['emulator', '--faults', JSON.stringify({ script })]), E.right({ _tag: 'Emulator', port: 0, faults: { script } }))
  assert.equal(faultsOf(['--faults={"commitAccepted":2,"commitFaults":[null,"error_after"],"sessionConflict":true}']),
    E.right({ commitAccepted: 2, commitFaults: [null, 'error_after'], sessionConflict: true }))
  assert.equal(faultsOf(['--faults', '{"commitAccepted":"Infinity","uploadFailedAfterParts":"Infinity"}']),
    E.right({ commitAccepted: Infinity, uploadFailedAfterParts: Infinity }))
  assert.equal(faultsOf(['--faults', '@faults.json']), E.right({ probability: 0.25, seed: 7, kinds: ['reset'] }))
  assert.equal(faultsOf(['--faults', '{}']), E.right({}))
  assert.equal(faultsOf([]), E.right(undefined))
})

EmulatorFlags('should take --latency as faults.latencyMs, beside other faults, and --body-idle-timeout as serve\'s, 0 for never', () => {
  assert.equal(faultsOf(['--latency', '0.2']), E.right({ latencyMs: 200 }))
  assert.equal(faultsOf(['--latency', '2s', '--faults', '{"slowMs":5}']), E.right({ slowMs: 5, latencyMs: 2000 }))
  assert.equal(faultsOf(['--faults', '@faults.json', '--latency=1m']), E.right({ probability: 0.25, seed: 7, kinds: ['reset'], latencyMs: 60_000 }))
  assert.equal(faultsOf(['--faults', '{"latencyMs":0}']), E.right({ latencyMs: 0 }))
  const idle = (text: string) => field('bodyIdleTimeoutMs')(none(['emulator', '--body-idle-timeout', text]))
  for (const [text, ms] of [['0', 0], ['0s', 0], ['0.0', 0], ['30', 30_000], ['0.5', 500], ['2m', 120_000]] as const) assert.equal(idle(text), E.right(ms), text)
  assert.equal(none(['emulator', '--port', '9', '--latency', '1', '--body-idle-timeout', '0']), E.right({ _tag: 'Emulator', port: 9, faults: { latencyMs: 1000 }, bodyIdleTimeoutMs: 0 }))
})

EmulatorFlags('should refuse a --faults, --latency, --body-idle-timeout, --tokens, --processing-delay, --session-ttl, --max-file-size, --folders, --host or --upload-base-url it cannot use, naming the flag and what is wrong', () => {
  const refused = (argv: ReadonlyArray<string>) => E.swap(withFiles(['emulator', ...argv]))
  const cases: ReadonlyArray<readonly [ReadonlyArray<string>, string]> = [
    ...[['[]', 'an array'], ['null', 'null'], ['200', 'a number'], ['"x"', 'a string'], ['true', 'a boolean']].map(([json, kind]) =>
      [['--faults', json as string], `--faults must be a JSON object (the emulator's faults, like {"latencyMs":200}), not ${kind}`] as const),
    [['--faults', '@list.json'], '--faults @list.json must be a JSON object (the emulator\'s faults, like {"latencyMs":200}), not an array'],
    // The emulator's own checks, and its TypeError's words.
    [['--faults', '{"probability":2}'], '--faults is refused by the emulator: faults.probability must be a number from 0 to 1, got 2'],
    [['--faults', '{"script":[{"part":0,"fault":"explode"}]}'], '--faults is refused by the emulator: faults.script must be an array of { part (from 0), attempt? (from 1), fault (rate_limit, unavailable_before, error_before, error_after, reset, slow) }, got [{"part":0,"fault":"explode"}]'],
    [['--faults', '{"latency":200}'], '--faults is refused by the emulator: faults.latency is not an option of the emulator'],
    [['--faults', '{"slowMs":"Infinity"}'], '--faults is refused by the emulator: faults.slowMs must be a number of ms from 0 up, got "Infinity"'],
    [['--faults', '{"commitAccepted":"infinity"}'], '--faults is refused by the emulator: faults.commitAccepted must be a whole number from 0 up, or Infinity, got "infinity"'],
    [['--faults', '@bad.json'], '--faults @bad.json is refused by the emulator: faults.slowMs must be a number of ms from 0 up, got -1'],
    [['--faults', '@missing.json'], '--faults: no such file: missing.json'],
    [['--faults', '@'], '--faults @ needs the path of a JSON file after the @'],
    [['--faults='], '--faults needs a value'],
    [['--latency', '1', '--faults', '{"latencyMs":5}'], '--latency and the latencyMs of --faults both set the latency: give one of them'],
    ...['0', '-1', 'abc', '10ms'].map((text) => [['--latency', text], `--latency must be a number of seconds from 0.001 to 2147483 (like 30, 0.5 or 10m), not '${text}'`] as const),
    ...['-1', 'never', '1e3', '2147484'].map((text) => [['--body-idle-timeout', text], `--body-idle-timeout must be 0 (never) or a number of seconds from 0.001 to 2147483 (like 30, 0.5 or 10m), not '${text}'`] as const),
    ...['0', '-1', 'soon', '10ms'].map((text) => [['--processing-delay', text], `--processing-delay must be a number of seconds from 0.001 to 2147483 (like 30, 0.5 or 10m), not '${text}'`] as const),
    // No message quotes a token: they are the test's secrets.
    [['--tokens='], '--tokens needs a value'],
    [['--tokens', '  '], '--tokens needs at least one token (comma-separated, like a,b)'],
    ...['s1,,s2', 's1,', ',s1', ','].map((text) => [['--tokens', text], '--tokens has an empty entry (a comma too many?): give tokens separated by single commas, like a,b'] as const),
    [['--tokens', 's1,s 2'], '--tokens is refused by the emulator: tokens must be a non-empty array of tokens (strings without spaces), got an array of 2'],
    [['--tokens', 's1,s\u00002'], '--tokens has a line break or other control character, which no header can carry'],
    [['--tokens', 's1,s\u201c2'], '--tokens has a character no header can carry (past Latin-1: a curly quote, a zero-width space), as pasted from a web page: copy it again'],
    ...['0', '-1', '1e3', 'forever', '2147484'].map((text) => [['--session-ttl', text], `--session-ttl must be a number of seconds from 0.001 to 2147483 (like 30, 0.5 or 10m), not '${text}'`] as const),
    ...['0', '-1', '1.5', 'big'].map((text) => [['--max-file-size', text], `--max-file-size must be a positive number of bytes (like 8MiB), not '${text}'`] as const),
    // Below the minimum, its default or --min-file-size: every file refused. The emulator's own check, and its words.
    [['--max-file-size', '1000'], '--max-file-size is refused by the emulator: maxFileSize (1000) must not be below minFileSize (20000000, its default): no file could be uploaded'],
    [['--min-file-size', '5000', '--max-file-size', '4KiB'], '--max-file-size is refused by the emulator: maxFileSize (4096) must not be below minFileSize (5000): no file could be uploaded'],
    ...['abc', '12a', 'Any', '-1'].map((text) => [['--folders', text], `--folders must be a Box folder id (digits), not '${text}'`] as const),
    [['--folders', '1,abc'], "--folders must be a Box folder id (digits), not 'abc'"],
    [['--folders', '1,,2'], '--folders has an empty entry (a comma too many?): give folder ids separated by single commas, like 123,456'],
    [['--folders', ' '], '--folders needs at least one folder id (comma-separated, like 123,456)'],
    [['--folders', '1,123456789012345678901'], "--folders must be a Box folder id of at most 20 digits, not '123456789012345678901' (21 digits)"],
    [['--host='], '--host needs a value'],
    [['--upload-base-url', 'ftp://proxy.test/api/2.0'], "--upload-base-url must be an http(s) URL without a query or fragment, not 'ftp://proxy.test/api/2.0'"],
    [['--upload-base-url', 'https://proxy.test/api/2.0?x=1'], "--upload-base-url must be an http(s) URL without a query or fragment, not 'https://proxy.test/api/2.0?…'"],
  ]
  for (const [argv, message] of cases) assert.equal(refused(argv), E.right(usageError(message)), argv.join(' '))
  // JSON.parse's own words vary between Node versions: the flag and "not valid JSON" do not.
  for (const argv of [['--faults', '{x'], ['--faults', '{"latencyMs":Infinity}']]) {
    const message = E.match((e: { message: string }) => e.message, () => 'parsed')(withFiles(['emulator', ...argv]))
    assert.match(message, /^--faults is not valid JSON \(.+\)$/, argv.join(' '))
  }
  // Not flags of an upload, nor of the demo (its emulator is the upload's).
  for (const flag of ['--faults', '--latency', '--body-idle-timeout', '--tokens', '--processing-delay', '--session-ttl', '--max-file-size', '--folders', '--host', '--upload-base-url']) {
    assert.equal(none(['f', flag, '1']), E.left(usageError(`unknown option ${flag} (see box-upload --help)`)))
    assert.equal(none(['demo', flag, '1']), E.left(usageError(`unknown option ${flag} (see box-upload --help)`)))
  }
  // A parse given no reader reads no file.
  assert.equal(none(['emulator', '--faults', '@faults.json']), E.left(usageError('--faults: cannot read faults.json: no files are read here')))
})

Parse('should take --quiet (-q) and --verbose for an upload and the demo, not together, and not for the emulator', () => {
  assert.equal(field('quiet')(none(['a.bin', '--quiet'])), E.right(true))
  assert.equal(field('quiet')(none(['-q', 'a.bin'])), E.right(true))
  assert.equal(field('verbose')(none(['a.bin', '--verbose'])), E.right(true))
  assert.equal(field('quiet')(none(['a.bin'])), E.right(undefined), 'absent unless given')
  assert.equal(none(['demo', '-q']), E.right({ _tag: 'Demo', size: DEMO_SIZE, json: false, quiet: true }))
  assert.equal(none(['demo', '--verbose']), E.right({ _tag: 'Demo', size: DEMO_SIZE, json: false, verbose: true }))
  const both = usageError('--quiet (-q) and --verbose cannot be given together: --quiet prints nothing on stderr but a failure, --verbose a line for every request')
  for (const argv of [['a.bin', '--quiet', '--verbose'], ['a.bin', '--verbose', '-q'], ['demo', '-q', '--verbose']]) assert.equal(none(argv), E.left(both), argv.join(' '))
  assert.equal(none(['a.bin', '-q', '--quiet']), E.left(usageError('--quiet given twice')))
  assert.equal(none(['a.bin', '--quiet=yes']), E.left(usageError('--quiet takes no value')))
  // The emulator has its own --log; -v stays --version.
  for (const flag of ['--quiet', '-q', '--verbose']) assert.equal(none(['emulator', flag]), E.left(usageError(`unknown option ${flag} (see box-upload --help)`)))
  assert.equal(none(['a.bin', '-v']), E.right({ _tag: 'Version' }))
  assert.ok(usage.includes('\n  -q, --quiet          (upload, demo)') && usage.includes('\n  --verbose            (upload, demo)'), usage)
  assert.ok(usage.includes('box-upload demo [--size BYTES] [--concurrency N] [--quiet | --verbose]'), usage)
})

// The client's advice (--token) was given for the emulator's URL too, where it means nothing: clients are sent there.
EmulatorFlags('should refuse a user or password in a URL in words for where it goes: the client\'s token, the emulator\'s clients', () => {
  for (const url of ['https://user:s3cret@proxy.test/api/2.0', 'https://u:s3cret/PW@h:99999/api/2.0']) {
    assert.equal(none(['f', '--upload-url', url]),
      E.left(usageError('--upload-url must not hold a user or password (fetch refuses them): give the token with --token or BOX_TOKEN')), url)
    assert.equal(none(['emulator', '--upload-base-url', url]), E.left(usageError(
      '--upload-base-url must not hold a user or password: it is the URL clients are sent to (session_endpoints are under it), so the credentials would leak to every client',
    )), url)
  }
})

// The edges of what the flags take: a 20-digit id (2^64's digits), `any` spaced, a URL's every trailing slash, and a
// password without a user, or no host at all (URL parses 'http:///h' as 'http://h/', which was never written).
EmulatorFlags('should take --folders and --upload-base-url at their edges, and refuse a password alone or a URL with no host', () => {
  assert.equal(none(['emulator', '--folders', '0,12345678901234567890']), E.right({ _tag: 'Emulator', port: 0, folders: ['0', '12345678901234567890'] }))
  assert.equal(none(['emulator', '--folders', ' any ']), E.right({ _tag: 'Emulator', port: 0, folders: 'any' }))
  assert.equal(none(['emulator', '--upload-base-url', 'http://proxy.test/api/2.0///']), E.right({ _tag: 'Emulator', port: 0, uploadBaseUrl: 'http://proxy.test/api/2.0' }))
  assert.equal(none(['emulator', '--upload-base-url', 'https://:s3cret@proxy.test/api/2.0']), E.left(usageError(
    '--upload-base-url must not hold a user or password: it is the URL clients are sent to (session_endpoints are under it), so the credentials would leak to every client',
  )))
  assert.equal(none(['emulator', '--upload-base-url', 'http:///proxy.test/api/2.0']),
    E.left(usageError("--upload-base-url must be an http(s) URL without a query or fragment, not 'http:///proxy.test/api/2.0'")))
})

EmulatorFlags('should take --log for the emulator only, as a switch', () => {
  assert.equal(none(['emulator', '--log']), E.right({ _tag: 'Emulator', port: 0, log: true }))
  assert.equal(none(['emulator']), E.right({ _tag: 'Emulator', port: 0 }))
  assert.ok(E.isLeft(none(['file.bin', '--log'])), 'an upload has no --log')
  assert.ok(E.isLeft(none(['demo', '--log'])), 'nor has the demo')
  assert.ok(usage.includes('\n  --log                (emulator)'), usage)
})

EmulatorFlags('should list the emulator\'s fault flags in the help, with the way to write Infinity', () => {
  assert.ok(usage.includes('box-upload emulator [--port N]') && usage.includes('[--faults JSON|@FILE] [--latency SECONDS] [--body-idle-timeout SECONDS]'), usage)
  for (const text of ['\n  --faults JSON|@FILE  (emulator)', '\n  --latency SECONDS    (emulator)', '\n  --body-idle-timeout SECONDS  (emulator)', 'write "Infinity" for commitAccepted and uploadFailedAfterParts', '(default 60; 0: never)']) {
    assert.ok(usage.includes(text), text)
  }
})

EmulatorFlags('should list --session-ttl, --max-file-size, --folders, --host and --upload-base-url in the help, with their defaults', () => {
  assert.ok(usage.includes('[--session-ttl SECONDS]\n') && usage.includes('[--max-file-size BYTES] [--folders LIST|any] [--host ADDR] [--upload-base-url URL]\n'), usage)
  for (const text of [
    '\n  --session-ttl SECONDS  (emulator)', '(default 7 days, Box\'s)', '\n  --max-file-size BYTES  (emulator)', 'not below --min-file-size (default 20000000)',
    '\n  --folders LIST|any   (emulator)', '(default: 0 only)', '\n  --host ADDR          (emulator)', '(default 127.0.0.1: this machine only)',
    '\n  --upload-base-url URL  (emulator)',
  ]) {
    assert.ok(usage.includes(text), text)
  }
})

Parse.run()
Bytes.run()
Duration.run()
EmulatorFlags.run()
