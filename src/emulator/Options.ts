import type { Sha1Factory } from './Sha1.ts'

/**
 * Options of the Box upload-session emulator. These names are public: tests and users rely on them.
 * Written from `box-protocol.md` alone; nothing here is shared with the client.
 */

/** A fault the emulator can inject into a part upload (`PUT` of a part). */
export type PartFault =
  /** 429 `rate_limit_exceeded` with `Retry-After`, part not stored. */
  | 'rate_limit'
  /** 503 `unavailable` (with `Retry-After`) before the part is stored. */
  | 'unavailable_before'
  /** 500 `internal_server_error` before the part is stored. */
  | 'error_before'
  /** 500 `internal_server_error` after the part WAS stored (Box does this: box-java-sdk#781). */
  | 'error_after'
  /** The connection is reset in the middle of the request body (Node adapter; in-process the fetch rejects). Part not stored. */
  | 'reset'
  /** The answer is delayed by `slowMs`, then the part is stored normally. */
  | 'slow'

/** A fault the emulator can inject into a commit (`POST …/commit`). */
export type CommitFault =
  /** 500 `internal_server_error`; the commit was NOT applied. */
  | 'error_before'
  /** 500 `internal_server_error`, but the commit WAS applied: the file exists (a 5xx'd write may have persisted, protocol §5). */
  | 'error_after'
  /** The connection is closed without an answer, after the commit WAS applied (in-process the fetch rejects). */
  | 'reset_after'

/** One scripted fault: the `attempt`-th upload (1-based, default 1) of the part with index `part` (0-based) gets `fault`. */
export interface ScriptedFault {
  readonly part: number
  readonly attempt?: number | undefined
  readonly fault: PartFault
}

/**
 * Seeded, deterministic fault injection: the same seed gives the same faults per upload (user, folder, name and
 * size, as the client sent them) and session of it, part and attempt, whatever order concurrent part uploads
 * arrive in and whichever of concurrent creates is served first.
 */
export interface Faults {
  /** Seed of the random faults (default 1): with the session's upload and place among that upload's sessions, the part index and the attempt, it alone decides a part upload's random fault. */
  readonly seed?: number | undefined
  /** Probability (0..1) that a part upload gets a random fault drawn from `kinds` (default 0). */
  readonly probability?: number | undefined
  /** The kinds random faults are drawn from (default: all `PartFault`s). */
  readonly kinds?: ReadonlyArray<PartFault> | undefined
  /** Exact faults for given parts and attempts, applied before random ones. */
  readonly script?: ReadonlyArray<ScriptedFault> | undefined
  /** Seconds sent in `Retry-After` with 429, 503 and commit 202 (default 1; 0 is allowed for fast tests). */
  readonly retryAfterSeconds?: number | undefined
  /** Delay of a `slow` fault, in ms (default 200). */
  readonly slowMs?: number | undefined
  /** Latency added to every answer, in ms (default 0), e.g. 30 to model a real network in benchmarks. */
  readonly latencyMs?: number | undefined
  /** Commit is answered 202 (with `Retry-After`, empty body) this many times per session before it may succeed (default 0). */
  readonly commitAccepted?: number | undefined
  /**
   * Faults of the commit requests of every session, in order: the n-th commit request gets the n-th
   * entry (`null`: none), e.g. `['error_after']`. A faulted request of a session already committed
   * gets a 500 (or the reset) instead of the file again; a request due a 202 gets its fault in the
   * 202's place (the 202 counts as given) and commits nothing (default: none).
   */
  readonly commitFaults?: ReadonlyArray<CommitFault | null> | undefined
  /**
   * Every session becomes unrecoverable once this many of its parts are stored (default: never),
   * as Box's `410 upload_failed` describes (overlapping parts, too many parts; protocol §5): the part
   * that reaches the count is answered 200, then every part upload, list parts, status or commit of
   * the session is answered `410 upload_failed`; `DELETE` still answers 204. A part in flight when
   * the session fails is not stored. 0: sessions are failed from their creation (which answers 201).
   */
  readonly uploadFailedAfterParts?: number | undefined
  /**
   * Creating a session for a file that already has an open session of the same user (the same folder
   * and name, compared as Box compares names, or the same file for a new version) is answered
   * `409 session_conflict` with that session in `context_info.session`, which Box's own web uploader
   * expects (protocol §3.1) though no trigger is documented (default false: every create gets 201).
   */
  readonly sessionConflict?: boolean | undefined
}

/** What the emulator remembers of a part's bytes. */
export type Storage =
  /** Keep every byte: `GET /files/:id/content` returns the file. */
  | 'memory'
  /** Keep only part digests and a running whole-file digest: constant memory for multi-gigabyte benchmarks; content download answers 404. */
  | 'digest'

/** A log line of one request the emulator answered (for tests: which requests came, in which order). */
export interface RequestRecord {
  readonly method: string
  /** Path and query, e.g. `/api/2.0/files/upload_sessions/ABC`. */
  readonly path: string
  readonly status: number
  /** Box error code of the answer, when it is an error. */
  readonly code?: string
  /** The request's `Content-Range` as sent, when it had one (a part upload): which part met which answer. */
  readonly range?: string
  /** The `faults` fault that shaped the answer, when one did: `error_before` and `error_after` are both a 500, `slow` a 200. */
  readonly fault?: PartFault | CommitFault
  /** `Date.now()` when the request arrived. */
  readonly at: number
}

/** Options of `emulator` and `serve`: every one optional, and checked when the emulator is made (a value it cannot use, or a key it does not know, throws a `TypeError` naming it). */
export interface EmulatorOptions {
  /**
   * Accepted bearer tokens (default `['dev-token']`), one user each. A session may only be used by the user
   * whose token created it (403 otherwise); `rotateToken` gives a user a new token in place of its own.
   */
  readonly tokens?: ReadonlyArray<string> | undefined
  /** Part size in bytes, or a function of the file size (default: 8 MiB under 256 MiB, 32 MiB from 256 MiB, growing past 312.5 GiB so that no file has over 10,000 parts; protocol §13). */
  readonly partSize?: number | ((fileSize: number) => number) | undefined
  /** Smallest `file_size` a session accepts (default 20,000,000); below it `400 file_size_too_small`. */
  readonly minFileSize?: number | undefined
  /** Largest `file_size` a session accepts (default: no limit); above it `403 file_size_limit_exceeded`. */
  readonly maxFileSize?: number | undefined
  /** How long each stored part stays "processing" (default 0). A commit while any part is processing gets 202. */
  readonly processingDelayMs?: number | undefined
  /** Session lifetime (default 7 days); an expired session answers `410 session_expired`. */
  readonly sessionTtlMs?: number | undefined
  /** `'memory'` (default) or `'digest'`. */
  readonly storage?: Storage | undefined
  /** Fault injection (default: none). */
  readonly faults?: Faults | undefined
  /**
   * Base URL of the upload API as clients see it, used to build absolute `session_endpoints`
   * (default: taken from each request's origin + `/api/2.0`). The Node adapter sets it to its listen
   * address, unless that is every interface (0.0.0.0, ::): then each request's Host names it.
   */
  readonly uploadBaseUrl?: string | undefined
  /** Called after every answered request. */
  readonly onRequest?: ((record: RequestRecord) => void) | undefined
  /**
   * Folder ids that exist besides the root `'0'` (default: none), or `'any'` for every all-digits id.
   * Creating a session in a folder that does not exist answers `404 invalid_parameter`.
   */
  readonly folders?: ReadonlyArray<string> | 'any' | undefined
  /**
   * SHA-1 implementation for the whole-file digest and, when given, for parts (default: the emulator's own
   * pure-TypeScript one for the file, `crypto.subtle` for parts). The Node adapter passes `node:crypto`'s.
   */
  readonly sha1?: Sha1Factory | undefined
  /** Clock in ms since the epoch (default `Date.now`); tests can move it to expire sessions or finish processing. */
  readonly clock?: (() => number) | undefined
}
