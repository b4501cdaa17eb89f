/**
 * `box-upload emulator`: serves the Box upload-session emulator on 127.0.0.1 (or `--host`) until the process is
 * told to stop (Ctrl-C, SIGTERM, or SIGHUP when its terminal closes), printing the URLs a client or
 * `box-upload --upload-url` needs, the faults it was asked to inject and the limits set (processing delay, largest
 * file, session lifetime), if any, and how many tokens it takes (never the tokens).
 */
import { type Served, serve } from '../emulator/node.ts'
import type { RequestRecord } from '../emulator/Options.ts'
import { listenRefused } from '../emulator/SettingsText.ts'
import type { EmulatorCommand } from './Command.ts'
import { described } from './EmulatorFaults.ts'
import { HUNG_UP, OK, USAGE } from './Exit.ts'
import { noteHangup } from './Interrupts.ts'

// ---------------------------------------------------------------------------------------------
// operations

/** What the banner says of the command: the settings that change what clients meet. */
type Settings = Pick<EmulatorCommand, 'storage' | 'faults' | 'tokens' | 'processingDelayMs' | 'maxFileSize' | 'sessionTtlMs' | 'folders' | 'host' | 'uploadBaseUrl'>

/**
 * What the emulator command prints once it listens: URLs first, so scripts can read them; then a line for each
 * setting that changes what clients meet (`settingLines`); then how to upload to it. Only the public `dev-token` is
 * printed: tokens given with `--tokens` are secrets of the test (a CI log keeps the banner), so only their number is,
 * and the example names none.
 */
export const banner = (served: Pick<Served, 'url' | 'apiUrl' | 'everyInterface'>, settings: Settings = {}): string => {
  // With digest storage downloads answer 404: the check --api-url asks for would fail.
  const check = (settings.storage ?? 'memory') === 'memory'
  // The example must work as printed: with --tokens, dev-token is refused (401); behind --upload-base-url, the client
  // sends its token only there (its --upload-url), and where that proxy has the API is not known.
  const token = settings.tokens === undefined ? '' : ' --token <one of --tokens>'
  const uploadUrl = settings.uploadBaseUrl ?? served.url
  const apiUrl = check && settings.uploadBaseUrl === undefined ? served.apiUrl : undefined
  return [
    `Box emulator listening (sessions live in this process; Ctrl-C stops it${check ? '' : '; it keeps only SHA-1s, so downloads answer 404'})`,
    `  upload url: ${served.url}`,
    `  api url:    ${served.apiUrl}`,
    ...settingLines(served, settings),
    `Upload to it: box-upload <file> --upload-url ${uploadUrl}${apiUrl === undefined ? '' : ` --api-url ${apiUrl}`}${token}`,
    `  (or BOX_UPLOAD_URL=${uploadUrl}${apiUrl === undefined ? '' : ` BOX_API_URL=${apiUrl}`}${token === '' ? '' : ' BOX_TOKEN=<one of --tokens>'} box-upload <file>)`,
  ].join('\n')
}

/**
 * A line for each setting given that changes what clients meet: where it listens and the URLs it gives, the folders and
 * tokens it takes; the faults, so that nobody takes their failures for a bug of the emulator, and the processing
 * delay, the largest file size and the session lifetime, whose 202s, 403s and 410s are as easily taken for one.
 */
const settingLines = (served: Pick<Served, 'everyInterface'>, settings: Settings): ReadonlyArray<string> => {
  const misbehaving = described(settings.faults)
  const { host, uploadBaseUrl, folders, tokens, processingDelayMs, maxFileSize, sessionTtlMs } = settings
  return [
    // The URLs above are then the loopback's: clients elsewhere (a container, another machine) use theirs.
    ...(served.everyInterface ? [`  listening:  on every interface (--host ${host}): session_endpoints name the host and port each client used`] : []),
    ...(uploadBaseUrl === undefined ? [] : [`  endpoints:  session_endpoints under ${uploadBaseUrl} (--upload-base-url), where clients reach it`]),
    ...(folders === undefined ? [] : [`  folders:    ${folders === 'any' ? 'any all-digits id' : `0 and ${folders.join(', ')}`} (--folders); another folder is 404`]),
    tokens === undefined ? '  token:      dev-token' : `  tokens:     ${tokens.length} given with --tokens, each its own user (not printed)`,
    ...(misbehaving === undefined ? [] : [`  faults:     ${misbehaving} (on purpose: --faults, --latency)`]),
    ...(processingDelayMs === undefined ? [] : [
      `  processing: ${processingDelayMs / 1000} s a part (--processing-delay): a commit before then gets 202 with Retry-After`,
    ]),
    ...(maxFileSize === undefined ? [] : [`  max size:   ${maxFileSize} bytes (--max-file-size): a session for a larger file gets 403 file_size_limit_exceeded`]),
    ...(sessionTtlMs === undefined ? [] : [`  sessions:   expire ${sessionTtlMs / 1000} s after creation (--session-ttl): then 410 session_expired`]),
  ]
}

/**
 * One answer as `--log` prints it: when the request came (UTC), what it asked (a part's `Content-Range` too), the status and Box's code, and how
 * long the answer took (the latency and slow faults included), and the fault injected, when one shaped it (a 500 is
 * `error_before`'s or `error_after`'s, a 200 may be `slow`'s). A connection reset, the `reset` fault's or a client
 * gone mid-body, has no status: it says so. Paths hold session ids; of the headers only a part's Content-Range is
 * logged, so never the token; nor one a client put in the query instead (`withoutToken`).
 */
export const logLine = (record: RequestRecord, now: number): string =>
  `${new Date(record.at).toISOString()} ${record.method} ${withoutToken(record.path)}${record.range === undefined ? '' : ` (${record.range})`} ` +
  `${record.status === 0 ? 'reset' : record.status}${record.code === undefined ? '' : ` ${record.code}`}` +
  `${record.fault === undefined ? '' : ` (injected ${record.fault})`} ${now - record.at} ms`

/**
 * Serves until SIGINT, SIGTERM or SIGHUP (the terminal closed), then closes the server and its
 * connections. Resolves with the exit code: 0 once stopped; 129 after a hangup, which main.ts ends by
 * the signal itself (Node's own exit aborts on a terminal that is gone); 2 when the port cannot be had.
 */
export const run = async (command: EmulatorCommand): Promise<number> => {
  // The command's fields, but its tag and --log, are serve's options by name.
  const { _tag, log, ...options } = command
  const served = await serve({
    ...options,
    ...(log === true ? { onRequest: (record: RequestRecord) => void process.stderr.write(`${logLine(record, Date.now())}\n`) } : {}),
  }).catch((cause: unknown) => {
    const said = listenRefused({ host: '--host', port: '--port' })(command.host ?? '127.0.0.1', command.port, (cause as { code?: unknown } | null)?.code)
    if (said === undefined) throw cause
    process.stderr.write(`box-upload: ${said}\n`)
    return undefined
  })
  // A port or address that cannot be had is bad input, like anything else refused before anything is served.
  if (served === undefined) return USAGE
  // Listening before the banner: a signal sent as soon as it shows must find the handlers in place.
  const stopped = stopSignal()
  process.stdout.write(`${banner(served, command)}\n`)
  const by = await stopped
  if (by === 'SIGHUP') noteHangup(by)
  process.stderr.write(`Stopping the emulator (${by})…\n`)
  await served.close()
  return by === 'SIGHUP' ? HUNG_UP : OK
}

// ---------------------------------------------------------------------------------------------
// helpers

/**
 * A path with the value of any `access_token` query parameter masked. A client may send its token there
 * (RFC 6750 §2.3's form, which the emulator does not read: it answers 401), and the path is logged with its query.
 */
const withoutToken = (path: string): string => path.replace(/([?&]access_token=)[^&#]*/gi, '$1[token]')

const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const

/** The first of SIGINT, SIGTERM or SIGHUP; its listeners are then removed (a later signal gets Node's default). */
const stopSignal = (): Promise<(typeof signals)[number]> =>
  new Promise((resolve) => {
    const listeners = signals.map((signal) => [signal, () => {
      for (const [s, l] of listeners) process.off(s, l)
      resolve(signal)
    }] as const)
    for (const [s, l] of listeners) process.on(s, l)
  })
