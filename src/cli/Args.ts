/**
 * The command line of `box-upload`, parsed into a `Command` value by a pure function of `argv` and the
 * environment. Wrong usage is a `UsageError` value with a one-line reason (exit code 2); nothing here
 * touches the file system or the network.
 */
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import { type ProxyEnv, type Proxies, proxies } from './Proxy.ts'

// ---------------------------------------------------------------------------------------------
// model

/** Box's upload host, where chunked uploads go when a token is given. */
export const BOX_UPLOAD_URL = 'https://upload.box.com/api/2.0'

/** Box's smallest file for a chunked upload (protocol §6.1: "20 MB", exact bytes as the Android app uses). */
export const BOX_MIN_FILE_SIZE = 20_000_000

/** Most digits a Box id has (a 64-bit number; the emulator refuses a longer folder id). */
export const MAX_ID_DIGITS = 20

/** Size of the sample `npm start` uploads when none is given: 64 MiB. */
export const DEMO_SIZE = 64 * 1024 * 1024

/** Where an upload goes. */
export type Target =
  /**
   * An emulator started inside this process on 127.0.0.1 (no token given). With `--resume`: the
   * state file's server, with `apiUrl` (an `--api-url` given alone) to download the file back from.
   */
  | { readonly _tag: 'Embedded'; readonly partSize?: number; readonly apiUrl?: string }
  /** A running server: Box (`BOX_UPLOAD_URL`) or a `box-upload emulator` (`--upload-url`). */
  | { readonly _tag: 'Remote'; readonly uploadUrl: string; readonly apiUrl?: string; readonly token: string }

/** Upload (or, with `resume`, continue uploading) one file. */
export interface UploadCommand {
  readonly _tag: 'Upload'
  readonly file: string
  readonly folderId: string
  readonly name?: string
  readonly concurrency?: number
  readonly json: boolean
  readonly resume: boolean
  /** The resume state file; default: beside the file (see `State.pathFor`). */
  readonly state?: string
  /** Files smaller than this are refused before any request (default `BOX_MIN_FILE_SIZE`). */
  readonly minFileSize: number
  readonly target: Target
  /** The HTTP proxies (`--proxy`, HTTPS_PROXY, …); none when absent. Loopback never goes through one. */
  readonly proxies?: Proxies
}

/** Serve the emulator until killed. */
export interface EmulatorCommand {
  readonly _tag: 'Emulator'
  readonly port: number
  readonly partSize?: number
  readonly minFileSize?: number
  /** What it keeps of uploaded files: every byte (default), or only their SHA-1s, in constant memory. */
  readonly storage?: 'memory' | 'digest'
}

/** What `npm start` runs: make a sample file in a temp dir and upload it to the embedded emulator. */
export interface DemoCommand {
  readonly _tag: 'Demo'
  readonly size: number
  readonly concurrency?: number
  readonly partSize?: number
  readonly json: boolean
}

export interface HelpCommand {
  readonly _tag: 'Help'
}

/** Print the package's version (`--version`, `-v`). */
export interface VersionCommand {
  readonly _tag: 'Version'
}

/** Everything `box-upload` can be asked to do. */
export type Command = UploadCommand | EmulatorCommand | DemoCommand | HelpCommand | VersionCommand

/** Wrong usage: exit code 2 and this one-line reason. */
export interface UsageError {
  readonly _tag: 'UsageError'
  readonly message: string
}

/** The environment variables the CLI reads. */
export interface Env extends ProxyEnv {
  readonly BOX_TOKEN?: string
  readonly BOX_UPLOAD_URL?: string
  readonly BOX_API_URL?: string
}

// ---------------------------------------------------------------------------------------------
// constructors

/** A `UsageError` with this reason. */
export const usageError = (message: string): UsageError => ({ _tag: 'UsageError', message })

/** What `--help` prints. */
export const usage = `Usage:
  box-upload <file> [--folder ID] [--name NAME] [--concurrency N] [--token TOKEN] [--proxy URL] [--json]
  box-upload <file> --resume [--state PATH] [--token TOKEN] [--upload-url URL] [--api-url URL] [--proxy URL] [--json]
  box-upload emulator [--port N] [--part-size BYTES] [--min-file-size BYTES] [--storage memory|digest]
  box-upload demo [--size BYTES] [--concurrency N]

Uploads <file> to Box with the chunked upload API (files of 20 MB and more), with a progress bar.
Without a token (--token or BOX_TOKEN) it uploads to a Box emulator started in this process,
downloads the file back and checks its SHA-1.

Options:
  --folder ID          Box folder to upload into (default 0, the root)
  --name NAME          file name in Box (default: the file's own name)
  --concurrency N      parts uploaded at the same time (1-64)
  --token TOKEN        Box access token (default: $BOX_TOKEN, better: other users can see
                       a command line); never written anywhere
  --json               print one JSON object as the result
  --resume             continue an upload interrupted (Ctrl-C, a signal, a kill) or kept after a failure, from its state file
  --state PATH         the resume state file (default: .box-upload-state.<name>.json beside the file)
  --upload-url URL     upload API base (default: $BOX_UPLOAD_URL, or ${BOX_UPLOAD_URL} with a token),
                       e.g. the url a running 'box-upload emulator' prints
  --api-url URL        API base to download the file back from and check it (default: $BOX_API_URL)
  --proxy URL          HTTP proxy for every request, http://[user:password@]host:port (default:
                       $HTTPS_PROXY for https URLs, $HTTP_PROXY for http ones and for https ones
                       without $HTTPS_PROXY; lowercase forms first); hosts in $NO_PROXY go direct,
                       and so does loopback always (127.0.0.1, ::1, localhost: the embedded emulator)
  --part-size BYTES    part size of the embedded emulator (default: the emulator's, as Box's: 8 MiB
                       under 256 MiB, 32 MiB from 256 MiB, more past 312.5 GiB to stay within 10,000 parts)
  --min-file-size BYTES  refuse smaller files (default ${BOX_MIN_FILE_SIZE}, Box's minimum)
  --port N             (emulator) port to listen on, 127.0.0.1 (default 0: any free port)
  --storage KIND       (emulator) memory: keep every uploaded byte (default), digest: keep only
                       SHA-1s, in constant memory (downloads then answer 404)
  --size BYTES         (demo) size of the generated sample (default ${DEMO_SIZE})
  -h, --help           this text
  -v, --version        the version of box-upload

BYTES accepts a plain number or a unit: 512KiB, 8MiB (8M is 8MiB too), 1GiB, 20MB (20,000,000).
Exit codes: 0 done, 1 upload failed, 2 wrong usage or bad input (or the emulator's --port in use),
130 interrupted with Ctrl-C, 143 stopped by SIGTERM, 129 by SIGHUP (the terminal closed); after
those three the session of an upload to Box or a running emulator is kept for --resume, unless
Ctrl-C came twice. The emulator exits 0 on Ctrl-C or SIGTERM, and ends by SIGHUP (129) on a hangup.`

// ---------------------------------------------------------------------------------------------
// operations

/** Flags each command accepts; `true` means the flag takes a value. */
const flags = {
  Upload: {
    folder: true, name: true, concurrency: true, token: true, json: false, resume: false, state: true,
    'upload-url': true, 'api-url': true, 'part-size': true, 'min-file-size': true, proxy: true, help: false, version: false,
  },
  Emulator: { port: true, 'part-size': true, 'min-file-size': true, storage: true, help: false, version: false },
  Demo: { size: true, concurrency: true, 'part-size': true, json: false, help: false, version: false },
} as const

/** Whether `arg` is an option that takes the next argument as its value (`--name`, not `--name=x`). */
export const takesValue = (arg: string | undefined): boolean =>
  arg !== undefined && /^--[^=]+$/.test(arg) && Object.values(flags).some((known) => (known as Readonly<Record<string, boolean>>)[arg.slice(2)] === true)

/** The one-letter forms of flags. */
const shortFlags: Readonly<Record<string, string>> = { '-h': 'help', '-v': 'version' }

type Raw = { readonly positionals: ReadonlyArray<string>; readonly values: Readonly<Record<string, string | true>> }

/** Splits argv into positionals and `--flag value` / `--flag=value` pairs, refusing unknown and repeated flags. */
export const split = (known: Readonly<Record<string, boolean>>) => (argv: ReadonlyArray<string>): E.Either<UsageError, Raw> => {
  const positionals: Array<string> = []
  const values: Record<string, string | true> = {}
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1))
      break
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg)
      continue
    }
    const eq = arg.indexOf('=')
    const short = Object.hasOwn(shortFlags, arg) ? shortFlags[arg] : undefined
    const name = short ?? arg.slice(2, eq === -1 ? undefined : eq)
    const takesValue = Object.hasOwn(known, name) ? known[name] : undefined
    if ((!arg.startsWith('--') && short === undefined) || takesValue === undefined) return E.left(usageError(`unknown option ${eq === -1 ? arg : arg.slice(0, eq)} (see box-upload --help)`))
    if (Object.hasOwn(values, name)) return E.left(usageError(`--${name} given twice`))
    if (!takesValue) {
      if (eq !== -1) return E.left(usageError(`--${name} takes no value`))
      values[name] = true
      continue
    }
    const value = eq !== -1 ? arg.slice(eq + 1) : argv[++i]
    if (value === undefined || value === '') return E.left(usageError(`--${name} needs a value`))
    values[name] = value
  }
  return E.right({ positionals, values })
}

const units: Readonly<Record<string, number>> = {
  '': 1, b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, k: 1024, m: 1024 ** 2, g: 1024 ** 3,
}

/** Parses a byte count such as `8388608`, `8MiB` or `20MB`. */
export const bytes = (flag: string) => (text: string): E.Either<UsageError, number> => {
  const match = /^(\d+)\s*([a-z]*)$/i.exec(text.trim())
  const factor = match ? units[(match[2] as string).toLowerCase()] : undefined
  const n = match && factor !== undefined ? Number(match[1]) * factor : NaN
  return Number.isSafeInteger(n) && n > 0 ? E.right(n) : E.left(usageError(`--${flag} must be a positive number of bytes (like 8MiB), not '${text}'`))
}

/**
 * Smallest `--part-size`: 1 KiB. A 1-byte part size would mean a part per byte of the file
 * (20 million for Box's smallest), which never ends; Box's own parts are MiB.
 */
export const MIN_PART_SIZE = 1024

/** Parses a part size: bytes, at least `MIN_PART_SIZE`. */
const partSize = (text: string): E.Either<UsageError, number> =>
  pipe(
    bytes('part-size')(text),
    E.filterOrElse((n) => n >= MIN_PART_SIZE, () => usageError(`--part-size must be at least 1KiB (${MIN_PART_SIZE} bytes), not '${text}'`)),
  )

/** Parses an integer in `[min, max]`. */
export const integer = (flag: string, min: number, max: number) => (text: string): E.Either<UsageError, number> => {
  const n = /^\d+$/.test(text) ? Number(text) : NaN
  return n >= min && n <= max ? E.right(n) : E.left(usageError(`--${flag} must be a whole number from ${min} to ${max}, not '${text}'`))
}

/**
 * Parses an http(s) URL, dropping a trailing slash: an API base, so no query or fragment (paths are
 * added to it). A user or password in it is refused without being repeated: fetch refuses such URLs,
 * and the password would be printed with every message naming the server.
 */
export const url = (name: string) => (text: string): E.Either<UsageError, string> => {
  const parsed = URL.canParse(text) ? new URL(text) : undefined
  // Also when it does not parse: any '@' before a '?' or '#' may end a password (which may itself hold
  // '/', '?' or '#'), and none is quoted: nor is a query, which may carry a token.
  if (parsed === undefined ? text.includes('@') : parsed.username !== '' || parsed.password !== '') {
    return E.left(usageError(`${name} must not hold a user or password (fetch refuses them): give the token with --token or BOX_TOKEN`))
  }
  return /^https?:\/\/[^\s/]+/i.test(text) && parsed !== undefined && !/[?#]/.test(text)
    ? E.right(canonicalUrl(text))
    : E.left(usageError(`${name} must be an http(s) URL without a query or fragment, not '${text.replace(/[?#][\s\S]*/, '?…')}'`))
}

/**
 * A URL as the CLI compares and stores it: scheme and host in lower case, no default port, no trailing
 * slash (`https://UPLOAD.box.com:443/api/2.0/` is `BOX_UPLOAD_URL`). Spelled otherwise, Box counted as
 * another server (its API base taken to be the upload host), and a resume was refused as going elsewhere
 * than the state file's URL. Text that is no URL is returned as it is.
 */
export const canonicalUrl = (text: string): string => {
  if (!URL.canParse(text)) return text
  const { origin, pathname } = new URL(text)
  return `${origin}${pathname}`.replace(/\/+$/, '')
}

/**
 * Why Box would refuse a file name, in the words of a usage error, or `undefined` when it takes it
 * (1 to 255 characters, no slash, backslash or control character, no surrounding spaces, not `.` or `..`).
 */
export const nameRefused = (name: string): string | undefined =>
  name.length === 0 || name.length > 255 ? `must be 1 to 255 characters long (this one has ${name.length})`
    : /[/\\\u0000-\u001f\u007f]/.test(name) ? `must have no slash, backslash or control character (a line break, a tab), as Box refuses them: ${shown(name)}`
    : name.trim() !== name ? `must not start or end with a space, as Box refuses that: ${shown(name)}`
    : name === '.' || name === '..' ? `cannot be '${name}'`
    : undefined

/** A name quoted with its invisible characters written out (JSON leaves DEL as it is). */
const shown = (name: string): string => JSON.stringify(name).replace(/\u007f/g, '\\u007f')

/** A token as a header can carry it (trimmed), or why not; never quoted. */
const usableToken = (flag: string, given: string): E.Either<UsageError, string> => {
  const token = given.trim()
  return token === '' ? E.left(usageError(`${flag} is blank`))
    // A line break or other control character cannot be sent in a header.
    : /[\u0000-\u001f\u007f]/.test(token) ? E.left(usageError(`${flag} has a line break or other control character, which no header can carry`))
    // Headers carry Latin-1 only: fetch throws on more, in words that do not name the token.
    : /[^\u0000-\u00ff]/.test(token) ? E.left(usageError(`${flag} has a character no header can carry (past Latin-1: a curly quote, a zero-width space), as pasted from a web page: copy it again`))
    : E.right(token)
}

/** The emulator's storage kind. */
const storage = (text: string): E.Either<UsageError, 'memory' | 'digest'> =>
  text === 'memory' || text === 'digest' ? E.right(text) : E.left(usageError(`--storage must be memory or digest, not '${text}'`))

/** An optional flag's parsed value (`undefined` when absent). */
const optional = <A>(raw: Raw, name: string, parse: (text: string) => E.Either<UsageError, A>): E.Either<UsageError, A | undefined> => {
  const v = raw.values[name]
  return typeof v === 'string' ? parse(v) : E.right(undefined)
}

const text = (raw: Raw, name: string): string | undefined => {
  const v = raw.values[name]
  return typeof v === 'string' ? v : undefined
}

const noPositionals = (command: string) => (raw: Raw): E.Either<UsageError, Raw> =>
  raw.positionals.length === 0 ? E.right(raw) : E.left(usageError(`box-upload ${command} takes no file (got '${raw.positionals[0]}')`))

/** Decides where an upload goes: a token (flag or env) means a remote server, Box unless a URL is given. */
export const target = (raw: Raw, env: Env, partSize: number | undefined): E.Either<UsageError, Target> => {
  const flagToken = text(raw, 'token')
  const given = flagToken !== undefined ? usableToken('--token', flagToken) : env.BOX_TOKEN ? usableToken('BOX_TOKEN', env.BOX_TOKEN) : E.right(undefined)
  return E.isLeft(given) ? given : where(raw, env, partSize, given.right)
}

const where = (raw: Raw, env: Env, partSize: number | undefined, token: string | undefined): E.Either<UsageError, Target> => {
  const given = text(raw, 'upload-url') ?? (env.BOX_UPLOAD_URL || undefined)
  const api = text(raw, 'api-url') ?? (env.BOX_API_URL || undefined)
  // Errors name where a URL came from: the flag, or the environment variable (CI settings).
  const uploadName = text(raw, 'upload-url') === undefined && env.BOX_UPLOAD_URL ? 'BOX_UPLOAD_URL' : '--upload-url'
  const apiName = text(raw, 'api-url') === undefined && env.BOX_API_URL ? 'BOX_API_URL' : '--api-url'
  if (token === undefined && given === undefined) {
    if (api === undefined) return E.right({ _tag: 'Embedded', ...(partSize ? { partSize } : {}) })
    // A resume goes to the server its state file names (with the emulator's public token): only the check's URL is new.
    return raw.values.resume === true
      ? pipe(url(apiName)(api), E.map((apiUrl): Target => ({ _tag: 'Embedded', apiUrl })))
      : E.left(usageError(`${apiName} needs --upload-url too`))
  }
  if (partSize !== undefined) return E.left(usageError('--part-size only applies to the embedded emulator (no token, no --upload-url); Box chooses the part size'))
  return pipe(
    url(uploadName)(given ?? BOX_UPLOAD_URL),
    E.flatMap((uploadUrl) => pipe(
      api === undefined ? E.right<UsageError, string | undefined>(undefined) : url(apiName)(api),
      // A running `box-upload emulator` accepts the token `dev-token` by default.
      E.map((apiUrl): Target => ({ _tag: 'Remote', uploadUrl, ...(apiUrl ? { apiUrl } : {}), token: token ?? 'dev-token' })),
    )),
  )
}

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
      // A resumed upload goes on as its session was created: its name and folder cannot change.
      const fixed = ['name', 'folder', 'part-size'].filter((flag) => text(raw, flag) !== undefined)
      if (raw.values.resume === true && fixed.length > 0) {
        return E.left(usageError(`--${fixed.join(', --')} cannot be given with --resume: the upload goes on as it started (see its state file)`))
      }
      const folder = text(raw, 'folder') ?? '0'
      if (!/^\d+$/.test(folder)) return E.left(usageError(`--folder must be a Box folder id (digits), not '${folder}'`))
      // Ids stay strings (past 2^53 a number would lose digits), but none has more than 20 (2^64 has 20).
      if (folder.length > MAX_ID_DIGITS) {
        return E.left(usageError(`--folder must be a Box folder id of at most ${MAX_ID_DIGITS} digits, not '${folder}' (${folder.length} digits)`))
      }
      return pipe(
        E.Do,
        E.bind('concurrency', () => optional(raw, 'concurrency', integer('concurrency', 1, 64))),
        E.bind('partSize', () => optional(raw, 'part-size', partSize)),
        E.bind('minFileSize', () => optional(raw, 'min-file-size', bytes('min-file-size'))),
        E.bind('target', ({ partSize }) => target(raw, env, partSize)),
        // The embedded emulator is on loopback: a proxy variable it never uses is not checked (--proxy is).
        E.bind('proxies', ({ target }) => pipe(
          proxies(text(raw, 'proxy'), target._tag === 'Embedded' && raw.values.resume !== true ? {} : env),
          E.mapLeft(usageError),
        )),
        E.map(({ concurrency, minFileSize, target, proxies }): Command => ({
          _tag: 'Upload',
          file,
          folderId: folder,
          ...(name !== undefined ? { name } : {}),
          ...(concurrency !== undefined ? { concurrency } : {}),
          json: raw.values.json === true,
          resume: raw.values.resume === true,
          ...(text(raw, 'state') !== undefined ? { state: text(raw, 'state') } : {}),
          minFileSize: minFileSize ?? BOX_MIN_FILE_SIZE,
          target,
          ...(proxies.http !== undefined || proxies.https !== undefined ? { proxies } : {}),
        })),
      )
    }),
  )

const emulator = (argv: ReadonlyArray<string>): E.Either<UsageError, Command> =>
  pipe(
    split(flags.Emulator)(argv),
    E.flatMap(noPositionals('emulator')),
    E.flatMap((raw) => asked(raw) ?? pipe(
      E.Do,
      E.bind('port', () => optional(raw, 'port', integer('port', 0, 65535))),
      E.bind('partSize', () => optional(raw, 'part-size', partSize)),
      E.bind('minFileSize', () => optional(raw, 'min-file-size', bytes('min-file-size'))),
      E.bind('storage', () => optional(raw, 'storage', storage)),
      E.map(({ port, partSize, minFileSize, storage }): Command => ({
        _tag: 'Emulator',
        port: port ?? 0,
        ...(partSize !== undefined ? { partSize } : {}),
        ...(minFileSize !== undefined ? { minFileSize } : {}),
        ...(storage !== undefined ? { storage } : {}),
      })),
    )),
  )

const demo = (argv: ReadonlyArray<string>): E.Either<UsageError, Command> =>
  pipe(
    split(flags.Demo)(argv),
    E.flatMap(noPositionals('demo')),
    E.flatMap((raw) => asked(raw) ?? pipe(
      E.Do,
      E.bind('size', () => optional(raw, 'size', bytes('size'))),
      E.bind('concurrency', () => optional(raw, 'concurrency', integer('concurrency', 1, 64))),
      E.bind('partSize', () => optional(raw, 'part-size', partSize)),
      E.map(({ size, concurrency, partSize }): Command => ({
        _tag: 'Demo',
        size: size ?? DEMO_SIZE,
        ...(concurrency !== undefined ? { concurrency } : {}),
        ...(partSize !== undefined ? { partSize } : {}),
        json: raw.values.json === true,
      })),
    )),
  )

/**
 * Parses the arguments after `box-upload` (and the environment) into a `Command`.
 * A first argument `emulator` or `demo` names a subcommand; anything else is a file to upload
 * (`./emulator` uploads a file called emulator).
 */
export const parse = (env: Env) => (argv: ReadonlyArray<string>): E.Either<UsageError, Command> => {
  const [first, ...rest] = argv
  if (first === 'emulator') return emulator(rest)
  if (first === 'demo') return demo(rest)
  if (argv.length === 0) return E.left(usageError('no file given (box-upload <file>; see box-upload --help)'))
  return upload(argv, env)
}
