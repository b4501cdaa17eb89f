/** What `box-upload` can be asked to do: the `Command` values `Args.parse` makes of a command line. */
import type { Faults } from '../emulator/Options.ts'
import type { Proxies } from './Proxy.ts'
import type { Target } from './Target.ts'

// ---------------------------------------------------------------------------------------------
// model

/** Box's smallest file for a chunked upload (protocol §6.1: "20 MB", exact bytes as the Android app uses). */
export const BOX_MIN_FILE_SIZE = 20_000_000

/** Most digits a Box id has (a 64-bit number; the emulator refuses a longer folder id). */
export const MAX_ID_DIGITS = 20

/** Size of the sample `npm start` uploads when none is given: 64 MiB. */
export const DEMO_SIZE = 64 * 1024 * 1024

/** Upload (or, with `resume`, continue uploading) one file. */
export interface UploadCommand {
  readonly _tag: 'Upload'
  readonly file: string
  readonly folderId: string
  readonly name?: string
  /** Upload a new version of this Box file (`--file-id`) instead of a new file; `name` then renames it. */
  readonly fileId?: string
  /** When the name is taken in the folder as the session is created, upload a new version of that file (`--overwrite`). */
  readonly overwrite?: boolean
  readonly concurrency?: number
  /** Time one try of each request may take (`--timeout`), the library's `RetryPolicy.timeoutMs`; default its 10 minutes. */
  readonly timeoutMs?: number
  readonly json: boolean
  /** Nothing on stderr but a failure's message: no progress, no notes (`--quiet`, `-q`). Never with `verbose`. */
  readonly quiet?: boolean
  /** A line on stderr for every HTTP exchange (`--verbose`, `Exchanges.ts`). Never with `quiet`. */
  readonly verbose?: boolean
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
  /** The emulator's faults (`--faults`), with `--latency` as their `latencyMs`: checked as the emulator checks them. */
  readonly faults?: Faults
  /** `serve`'s `bodyIdleTimeoutMs` (`--body-idle-timeout`; 0: never); default its 60 s. */
  readonly bodyIdleTimeoutMs?: number
  /** Whether each answer is logged to stderr, one line (`--log`). */
  readonly log?: boolean
  /** The bearer tokens it accepts (`--tokens`), each its own user, in place of `dev-token`. */
  readonly tokens?: ReadonlyArray<string>
  /** How long each part stays "processing" (`--processing-delay`): a commit before then gets 202 with Retry-After. */
  readonly processingDelayMs?: number
  /** Largest `file_size` a session takes (`--max-file-size`): above it 403 file_size_limit_exceeded. Default: no limit. */
  readonly maxFileSize?: number
  /** How long a session lives (`--session-ttl`): then 410 session_expired. Default: the emulator's 7 days. */
  readonly sessionTtlMs?: number
  /** Folder ids that exist besides `0` (`--folders`), or `'any'`: another folder's session is 404. Default: none. */
  readonly folders?: ReadonlyArray<string> | 'any'
  /** The address it listens on (`--host`); default 127.0.0.1. `0.0.0.0` or `::`: every interface. */
  readonly host?: string
  /** The base of the `session_endpoints` it gives (`--upload-base-url`), as clients reach it through a proxy. */
  readonly uploadBaseUrl?: string
}

/** What `npm start` runs: make a sample file in a temp dir and upload it to the embedded emulator. */
export interface DemoCommand {
  readonly _tag: 'Demo'
  readonly size: number
  readonly concurrency?: number
  readonly partSize?: number
  readonly json: boolean
  /** As an upload's `quiet` and `verbose`. */
  readonly quiet?: boolean
  readonly verbose?: boolean
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
