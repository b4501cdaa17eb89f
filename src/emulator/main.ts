/**
 * `npx tsx src/emulator/main.ts`: runs the emulator on 127.0.0.1 (`BOX_HOST` env; `PORT` env, default 0 = any free
 * port), prints its URLs and how to use them, and runs until SIGINT/SIGTERM. Configuration from the environment:
 * `BOX_TOKENS` (comma-separated), `BOX_MIN_FILE_SIZE`, `BOX_MAX_FILE_SIZE`, `BOX_PART_SIZE`, `BOX_STORAGE` (memory|digest),
 * `BOX_PROCESSING_DELAY_MS`, `BOX_SESSION_TTL_MS`, `BOX_LATENCY_MS`, `BOX_FAULTS` (JSON, as `box-upload emulator --faults`),
 * `BOX_FOLDERS` and `BOX_UPLOAD_BASE_URL` (as `--folders` and `--upload-base-url` take them).
 */
import { config } from './Config.ts'
import { faultsFromJson, faultsToJson } from './FaultsJson.ts'
import { serve } from './node.ts'
import type { EmulatorOptions, Faults, Storage } from './Options.ts'
import { foldersFromText, listenRefused, uploadBaseUrlFromText } from './SettingsText.ts'

/** Stops with one line on stderr and exit code 2: a setting this emulator cannot take. */
// Typed as a whole (not only its return), so that a call narrows like `throw` does.
const refuse: (message: string) => never = (message) => {
  process.stderr.write(`${message}\n`)
  return process.exit(2)
}

/** A whole number from the environment (plain digits: `20MB` or `1KiB` would read as NaN and be ignored, so they are refused). */
const env = (name: string): number | undefined => {
  const v = process.env[name]?.trim()
  if (v === undefined || v === '') return undefined
  return /^\d+$/.test(v) ? Number(v) : refuse(`${name} must be a whole number (plain digits, in bytes or ms), got ${JSON.stringify(v)}`)
}

/**
 * The setting variable `name` writes, read as `box-upload emulator`'s flag is (`read`, given the name to say in its
 * refusal): `BOX_FAULTS` in JSON, "Infinity" where a field takes it; `BOX_FOLDERS`; `BOX_UPLOAD_BASE_URL`. Unset or
 * blank: none.
 */
const setting = <A>(name: string, read: (name: string) => (text: string) => A): A | undefined => {
  const text = process.env[name]
  if (text === undefined || text.trim() === '') return undefined
  try {
    return read(name)(text)
  } catch (error) {
    return refuse((error as Error).message)
  }
}

/**
 * Stops unless the emulator takes `options`, which variable `name` set: its refusal in its own words, naming the
 * variable, as `box-upload emulator` names its flag (`serve` would name only the option, `maxFileSize`).
 */
const taken = (name: string, options: EmulatorOptions): void => {
  try {
    config(options)
  } catch (error) {
    refuse(`${name} is refused by the emulator: ${(error as Error).message}`)
  }
}

const tokens = (process.env['BOX_TOKENS'] ?? 'dev-token').split(',').map((t) => t.trim()).filter(Boolean)
if (tokens.length === 0) refuse('BOX_TOKENS must name at least one token (comma-separated), or be unset for dev-token')
const minFileSize = env('BOX_MIN_FILE_SIZE')
const maxFileSize = env('BOX_MAX_FILE_SIZE')
const partSize = env('BOX_PART_SIZE')
const processingDelayMs = env('BOX_PROCESSING_DELAY_MS')
const sessionTtlMs = env('BOX_SESSION_TTL_MS')
const latencyMs = env('BOX_LATENCY_MS')
taken('BOX_TOKENS', { tokens })
taken('BOX_MIN_FILE_SIZE', { minFileSize })
taken('BOX_MAX_FILE_SIZE', { minFileSize, maxFileSize })
taken('BOX_PART_SIZE', { partSize })
taken('BOX_PROCESSING_DELAY_MS', { processingDelayMs })
taken('BOX_SESSION_TTL_MS', { sessionTtlMs })
const given = setting('BOX_FAULTS', faultsFromJson)
// Both setting it is refused rather than one silently winning, as --latency with a latencyMs in --faults is.
if (latencyMs !== undefined && given?.latencyMs !== undefined) refuse('BOX_LATENCY_MS and the latencyMs of BOX_FAULTS both set the latency: give one of them')
const faults: Faults | undefined = latencyMs === undefined ? given : { ...given, latencyMs }
const storageName = process.env['BOX_STORAGE'] || undefined
if (storageName !== undefined && storageName !== 'memory' && storageName !== 'digest') refuse(`BOX_STORAGE must be memory or digest, got ${JSON.stringify(storageName)}`)
const storage: Storage | undefined = storageName
const folders = setting('BOX_FOLDERS', foldersFromText)
const uploadBaseUrl = setting('BOX_UPLOAD_BASE_URL', uploadBaseUrlFromText)
// Where it listens is for the listen to judge (an address this machine lacks, a name that resolves to none), as --host.
const host = process.env['BOX_HOST']?.trim() || undefined
const port = env('PORT') ?? 0
if (port > 65_535) refuse(`PORT must be a port number from 0 to 65535 (0: any free port), got ${port}`)

const box = await serve({
  port,
  host,
  tokens,
  minFileSize,
  maxFileSize,
  partSize,
  processingDelayMs,
  sessionTtlMs,
  storage,
  faults,
  folders,
  uploadBaseUrl,
  // Where it cannot listen (a port in use, an address this machine lacks): one line, not a stack trace, in box-upload
  // emulator's words, naming the variables. A setting the emulator refuses was stopped above, naming its variable.
}).catch((error: unknown) => refuse(
  listenRefused({ host: 'BOX_HOST', port: 'PORT' })(host ?? '127.0.0.1', port, (error as { code?: unknown } | null)?.code)
    ?? (error instanceof Error ? error.message : String(error)),
))

// The example below must work as printed: with a token this emulator takes (BOX_TOKENS' first: its own test
// tokens, as dev-token is), and a file_size its BOX_MIN_FILE_SIZE and BOX_MAX_FILE_SIZE let through.
const exampleSize = Math.min(Math.max(20_000_000, minFileSize ?? 0), maxFileSize ?? Number.MAX_SAFE_INTEGER)
// Said, so that nobody takes what they do for a bug: the URLs it gives, another folder's 404s, the faults' 500s, a
// short lifetime's 410s, a maximum's 403s.
const settings = [
  // The URLs above are then the loopback's: clients elsewhere (a container, another machine) use theirs.
  ...(box.everyInterface ? [`  listening on every interface (BOX_HOST=${host}): session_endpoints name the host and port each client used`] : []),
  ...(uploadBaseUrl === undefined ? [] : [`  session_endpoints under ${uploadBaseUrl} (BOX_UPLOAD_BASE_URL), where clients reach it`]),
  ...(folders === undefined ? [] : [`  folders: ${folders === 'any' ? 'any all-digits id' : `0 and ${folders.join(', ')}`} (BOX_FOLDERS); another folder is 404`]),
  ...(faults === undefined || Object.keys(faults).length === 0 ? [] : [`  faults: ${faultsToJson(faults)} (on purpose: BOX_FAULTS, BOX_LATENCY_MS)`]),
  ...(sessionTtlMs === undefined ? [] : [`  sessions expire after ${sessionTtlMs} ms (BOX_SESSION_TTL_MS): then 410 session_expired`]),
  ...(maxFileSize === undefined ? [] : [`  files over ${maxFileSize} bytes are refused (BOX_MAX_FILE_SIZE): 403 file_size_limit_exceeded`]),
]

console.log(`Box upload-session emulator
  upload API (like https://upload.box.com/api/2.0): ${box.url}
  API        (like https://api.box.com/2.0):        ${box.apiUrl}
  tokens: ${tokens.length} configured (default token: "dev-token" unless BOX_TOKENS is set)${settings.map((line) => `\n${line}`).join('')}

Try it:
  curl -s -X POST ${box.url}/files/upload_sessions \\
    -H 'Authorization: Bearer ${tokens[0]}' -H 'Content-Type: application/json' \\
    -d '{"folder_id":"0","file_size":${exampleSize},"file_name":"big.bin"}'

Environment: PORT, BOX_HOST, BOX_TOKENS, BOX_MIN_FILE_SIZE, BOX_MAX_FILE_SIZE, BOX_PART_SIZE, BOX_STORAGE (memory|digest),
BOX_PROCESSING_DELAY_MS, BOX_SESSION_TTL_MS, BOX_LATENCY_MS, BOX_FAULTS (JSON), BOX_FOLDERS (ids|any), BOX_UPLOAD_BASE_URL.
Stop with Ctrl-C.`)

const stop = () => {
  void box.close().then(() => process.exit(0))
}
process.once('SIGINT', stop)
process.once('SIGTERM', stop)
