/**
 * The command line of `box-upload`, parsed into a `Command` value by a pure function of `argv`, the
 * environment and a file reader. Wrong usage is a `UsageError` value with a one-line reason (exit code 2);
 * nothing here touches the file system (the one file a flag may name, `--faults @path`, is read through
 * the `ReadText` given) or the network.
 */
import * as E from 'fp-ts/lib/Either.js'
import { flow, pipe } from 'fp-ts/lib/function.js'
import { foldersFromText, uploadBaseUrlFromText } from '../emulator/SettingsText.ts'
import { type Raw, noPositionals, optional, split, text } from './Argv.ts'
import { BOX_MIN_FILE_SIZE, type Command, DEMO_SIZE, MAX_ID_DIGITS } from './Command.ts'
import { type ReadText, faults, withLatency } from './EmulatorFaults.ts'
import { bytes, duration, durationOrNever, integer, nameRefused, partSize, readByEmulator, storage, takenByEmulator, tokens } from './FlagValues.ts'
import { type ProxyEnv, proxies } from './Proxy.ts'
import { type TargetEnv, target } from './Target.ts'
import { type UsageError, usageError } from './UsageError.ts'

// ---------------------------------------------------------------------------------------------
// model

/** The environment variables the CLI reads. */
export interface Env extends ProxyEnv, TargetEnv {}

/** Flags each command accepts; `true` means the flag takes a value. */
const flags = {
  Upload: {
    folder: true, name: true, 'file-id': true, overwrite: false, concurrency: true, timeout: true, token: true, json: false, resume: false, state: true,
    'upload-url': true, 'api-url': true, 'part-size': true, 'min-file-size': true, proxy: true, help: false, version: false,
    'token-command': true, quiet: false, verbose: false,
  },
  Emulator: {
    port: true, 'part-size': true, 'min-file-size': true, storage: true, faults: true, latency: true, 'body-idle-timeout': true,
    tokens: true, 'processing-delay': true, 'max-file-size': true, 'session-ttl': true, folders: true, host: true, 'upload-base-url': true,
    log: false, help: false, version: false,
  },
  Demo: { size: true, concurrency: true, 'part-size': true, json: false, quiet: false, verbose: false, help: false, version: false },
} as const

// ---------------------------------------------------------------------------------------------
// operations

/** Whether `arg` is an option that takes the next argument as its value (`--name`, not `--name=x`). */
export const takesValue = (arg: string | undefined): boolean =>
  arg !== undefined && /^--[^=]+$/.test(arg) && Object.values(flags).some((known) => (known as Readonly<Record<string, boolean>>)[arg.slice(2)] === true)

/** `--help` or `--version`, which any command takes in place of its work (help first, when both are given). */
const asked = (raw: Raw): E.Either<UsageError, Command> | undefined =>
  raw.values.help ? E.right({ _tag: 'Help' }) : raw.values.version ? E.right({ _tag: 'Version' }) : undefined

const upload = (argv: ReadonlyArray<string>, env: Env): E.Either<UsageError, Command> =>
  pipe(
    split(flags.Upload)(argv),
    E.flatMap((raw) => {
      const info = asked(raw)
      if (info !== undefined) return info
      const [file, extra] = raw.positionals
      if (file === undefined) return E.left(usageError('no file given (box-upload <file>; see box-upload --help)'))
      if (extra !== undefined) return E.left(usageError(`one file at a time (got '${file}' and '${extra}')`))
      const name = text(raw, 'name')
      const badName = name === undefined ? undefined : nameRefused(name)
      if (badName !== undefined) return E.left(usageError(`--name ${badName}`))
      // A resumed upload goes on as its session was created: its name, folder and file cannot change.
      const overwrite = raw.values.overwrite === true
      const fixed = ['name', 'folder', 'file-id', 'part-size'].filter((flag) => text(raw, flag) !== undefined).concat(overwrite ? ['overwrite'] : [])
      if (raw.values.resume === true && fixed.length > 0) {
        return E.left(usageError(`--${fixed.join(', --')} cannot be given with --resume: the upload goes on as it started (see its state file)`))
      }
      const fileId = text(raw, 'file-id')
      // A new version stays in its file's folder, and goes to that file whatever holds the name.
      if (fileId !== undefined && text(raw, 'folder') !== undefined) return E.left(usageError('--folder cannot be given with --file-id: a new version stays in its file\'s folder'))
      if (fileId !== undefined && overwrite) return E.left(usageError('--overwrite cannot be given with --file-id, which names the file to upload a new version of already'))
      return pipe(
        E.Do,
        E.bind('folder', () => boxId('folder', 'folder')(text(raw, 'folder') ?? '0')),
        E.bind('fileId', () => (fileId === undefined ? E.right(undefined) : boxId('file-id', 'file')(fileId))),
        E.bind('concurrency', () => optional(raw, 'concurrency', integer('concurrency', 1, 64))),
        E.bind('timeoutMs', () => optional(raw, 'timeout', duration('timeout'))),
        E.bind('output', () => chatter(raw)),
        E.bind('partSize', () => optional(raw, 'part-size', partSize)),
        E.bind('minFileSize', () => optional(raw, 'min-file-size', bytes('min-file-size'))),
        E.bind('target', ({ partSize }) => target(raw, env, partSize)),
        // The emulator started in this process holds no file before this upload: it would only answer 404.
        E.tap(({ target }) => (fileId !== undefined && target._tag === 'Embedded'
          ? E.left(usageError('--file-id needs Box (--token or BOX_TOKEN) or a server (--upload-url): the emulator started in this process without them holds no files'))
          : E.right(undefined))),
        // The embedded emulator is on loopback: a proxy variable it never uses is not checked (--proxy is).
        E.bind('proxies', ({ target }) => pipe(
          proxies(text(raw, 'proxy'), target._tag === 'Embedded' && raw.values.resume !== true ? {} : env),
          E.mapLeft(usageError),
        )),
        E.map(({ folder, fileId, concurrency, timeoutMs, output, minFileSize, target, proxies }): Command => ({
          _tag: 'Upload',
          file,
          folderId: folder,
          ...(name !== undefined ? { name } : {}),
          ...(fileId !== undefined ? { fileId } : {}),
          ...(overwrite ? { overwrite } : {}),
          ...(concurrency !== undefined ? { concurrency } : {}),
          ...(timeoutMs !== undefined ? { timeoutMs } : {}),
          json: raw.values.json === true,
          ...output,
          resume: raw.values.resume === true,
          ...(text(raw, 'state') !== undefined ? { state: text(raw, 'state') } : {}),
          minFileSize: minFileSize ?? BOX_MIN_FILE_SIZE,
          target,
          ...(proxies.http !== undefined || proxies.https !== undefined ? { proxies } : {}),
        })),
      )
    }),
  )

/**
 * `--quiet` or `--verbose` (an upload's, the demo's): fields of the command only when given; both at once
 * contradict each other (one asks for nothing on stderr but a failure, the other for a line per request).
 */
const chatter = (raw: Raw): E.Either<UsageError, { readonly quiet?: true; readonly verbose?: true }> =>
  raw.values.quiet === true && raw.values.verbose === true
    ? E.left(usageError('--quiet (-q) and --verbose cannot be given together: --quiet prints nothing on stderr but a failure, --verbose a line for every request'))
    : E.right({ ...(raw.values.quiet === true ? { quiet: true } : {}), ...(raw.values.verbose === true ? { verbose: true } : {}) })

/** A Box id given with `--flag`, of a folder or a file (`what`): digits, as a string. */
const boxId = (flag: string, what: string) => (id: string): E.Either<UsageError, string> =>
  !/^\d+$/.test(id) ? E.left(usageError(`--${flag} must be a Box ${what} id (digits), not '${id}'`))
    // Ids stay strings (past 2^53 a number would lose digits), but none has more than 20 (2^64 has 20).
    : id.length > MAX_ID_DIGITS ? E.left(usageError(`--${flag} must be a Box ${what} id of at most ${MAX_ID_DIGITS} digits, not '${id}' (${id.length} digits)`))
    : E.right(id)

/**
 * A subcommand that takes no file (`emulator`, `demo`): its own flags, then `--help` or `--version`
 * if asked, else the command `fromFlags` makes of them. A file given is refused first, even with `--help`.
 */
const withoutFile = (name: string, known: Readonly<Record<string, boolean>>, fromFlags: (raw: Raw) => E.Either<UsageError, Command>) =>
  (argv: ReadonlyArray<string>): E.Either<UsageError, Command> =>
    pipe(
      split(known)(argv),
      E.flatMap(noPositionals(name)),
      E.flatMap((raw) => asked(raw) ?? fromFlags(raw)),
    )

const emulator = (read: ReadText) => withoutFile('emulator', flags.Emulator, (raw) =>
  pipe(
    E.Do,
    E.bind('port', () => optional(raw, 'port', integer('port', 0, 65535))),
    E.bind('partSize', () => optional(raw, 'part-size', partSize)),
    E.bind('minFileSize', () => optional(raw, 'min-file-size', bytes('min-file-size'))),
    E.bind('storage', () => optional(raw, 'storage', storage)),
    E.bind('latencyMs', () => optional(raw, 'latency', duration('latency'))),
    E.bind('faults', ({ latencyMs }) => pipe(optional(raw, 'faults', faults(read)), E.flatMap(withLatency(latencyMs)))),
    E.bind('bodyIdleTimeoutMs', () => optional(raw, 'body-idle-timeout', durationOrNever('body-idle-timeout'))),
    E.bind('tokens', () => optional(raw, 'tokens', tokens)),
    E.bind('processingDelayMs', () => optional(raw, 'processing-delay', duration('processing-delay'))),
    // Checked with --min-file-size (or its default) as the emulator checks them: a maximum below it refuses every file.
    E.bind('maxFileSize', ({ minFileSize }) => optional(raw, 'max-file-size', flow(
      bytes('max-file-size'),
      E.flatMap(takenByEmulator('--max-file-size', (maxFileSize) => ({ maxFileSize, minFileSize }))),
    ))),
    E.bind('sessionTtlMs', () => optional(raw, 'session-ttl', flow(
      duration('session-ttl'),
      E.flatMap(takenByEmulator('--session-ttl', (sessionTtlMs) => ({ sessionTtlMs }))),
    ))),
    // `any` (every all-digits id), or the folder ids that exist besides the root 0, read as BOX_FOLDERS is.
    E.bind('folders', () => optional(raw, 'folders', flow(
      readByEmulator(foldersFromText('--folders')),
      E.flatMap(takenByEmulator('--folders', (folders) => ({ folders }))),
    ))),
    E.bind('uploadBaseUrl', () => optional(raw, 'upload-base-url', flow(
      readByEmulator(uploadBaseUrlFromText('--upload-base-url')),
      E.flatMap(takenByEmulator('--upload-base-url', (uploadBaseUrl) => ({ uploadBaseUrl }))),
    ))),
    E.map(({ port, partSize, minFileSize, storage, faults, bodyIdleTimeoutMs, tokens, processingDelayMs, maxFileSize, sessionTtlMs, folders, uploadBaseUrl }): Command => ({
      _tag: 'Emulator',
      port: port ?? 0,
      ...(partSize !== undefined ? { partSize } : {}),
      ...(minFileSize !== undefined ? { minFileSize } : {}),
      ...(storage !== undefined ? { storage } : {}),
      ...(faults !== undefined ? { faults } : {}),
      ...(bodyIdleTimeoutMs !== undefined ? { bodyIdleTimeoutMs } : {}),
      ...(raw.values.log === true ? { log: true } : {}),
      ...(tokens !== undefined ? { tokens } : {}),
      ...(processingDelayMs !== undefined ? { processingDelayMs } : {}),
      ...(maxFileSize !== undefined ? { maxFileSize } : {}),
      ...(sessionTtlMs !== undefined ? { sessionTtlMs } : {}),
      ...(folders !== undefined ? { folders } : {}),
      // Where it listens is for the listen to judge (an address this machine lacks, a name that resolves to none).
      ...(text(raw, 'host') !== undefined ? { host: text(raw, 'host') } : {}),
      ...(uploadBaseUrl !== undefined ? { uploadBaseUrl } : {}),
    })),
  ))

const demo = withoutFile('demo', flags.Demo, (raw) =>
  pipe(
    E.Do,
    E.bind('size', () => optional(raw, 'size', bytes('size'))),
    E.bind('concurrency', () => optional(raw, 'concurrency', integer('concurrency', 1, 64))),
    E.bind('partSize', () => optional(raw, 'part-size', partSize)),
    E.bind('output', () => chatter(raw)),
    E.map(({ size, concurrency, partSize, output }): Command => ({
      _tag: 'Demo',
      size: size ?? DEMO_SIZE,
      ...(concurrency !== undefined ? { concurrency } : {}),
      ...(partSize !== undefined ? { partSize } : {}),
      json: raw.values.json === true,
      ...output,
    })),
  ))

/** A reader for a parse given none: every file is unreadable (the CLI's main.ts gives one over `node:fs`). */
const noFiles: ReadText = (path) => E.left(`cannot read ${path}: no files are read here`)

/**
 * Parses the arguments after `box-upload` (and the environment) into a `Command`, reading the file
 * `--faults @path` names with `read`. A first argument `emulator` or `demo` names a subcommand; anything
 * else is a file to upload (`./emulator` uploads a file called emulator).
 */
export const parse = (env: Env, read: ReadText = noFiles) => (argv: ReadonlyArray<string>): E.Either<UsageError, Command> => {
  const [first, ...rest] = argv
  if (first === 'emulator') return emulator(read)(rest)
  if (first === 'demo') return demo(rest)
  if (argv.length === 0) return E.left(usageError('no file given (box-upload <file>; see box-upload --help)'))
  return upload(argv, env)
}
