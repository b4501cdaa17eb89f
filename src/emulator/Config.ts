/** The emulator's options with every default filled in (protocol §13 for the defaults). */
import type { CommitFault, EmulatorOptions, Storage } from './Options.ts'
import { hasSubtle, subtle } from './Digest.ts'
import { plan, retryAfter, uploadFailedAfter, type FaultPlan } from './Faults.ts'
import { sha1, type Sha1Factory } from './Sha1.ts'
import { validate, wholeFrom } from './Validate.ts'

/**
 * SHA-1 of a whole part: with an injected `sha1`, that one; otherwise the platform's
 * `crypto.subtle` (the part is in memory anyway, and it is ~10x faster than the pure-TS hasher),
 * falling back to the pure-TS hasher where `crypto.subtle` is missing (insecure browser contexts).
 */
const partDigest = (injected: Sha1Factory | undefined) =>
  async (chunks: ReadonlyArray<Uint8Array>, length: number): Promise<Uint8Array> => {
    if (injected === undefined && hasSubtle()) return subtle('SHA-1', chunks, length)
    const h = (injected ?? sha1)()
    for (const c of chunks) h.update(c)
    return h.digest()
  }

const MiB = 1024 * 1024

/**
 * Box bounds a session's parts (list parts refuses an offset past 10000, and `upload_failed` speaks of
 * a maximum number of parts, protocol §6.2): the default part size grows so that a file has at most this many.
 */
const maxParts = 10_000

/**
 * Default part size: 8 MiB under 256 MiB, 32 MiB from 256 MiB (the two values seen from Box), and from
 * 312.5 GiB on, the whole MiB that keeps the file within `maxParts` parts.
 */
export const defaultPartSize = (fileSize: number): number =>
  fileSize < 256 * MiB ? 8 * MiB : Math.max(32 * MiB, Math.ceil(fileSize / maxParts / MiB) * MiB)

/** Resolved configuration. */
export interface Config {
  readonly tokens: ReadonlyArray<string>
  readonly partSize: (fileSize: number) => number
  readonly minFileSize: number
  readonly maxFileSize: number
  readonly processingDelayMs: number
  readonly sessionTtlMs: number
  readonly storage: Storage
  readonly faultPlan: FaultPlan
  readonly retryAfterSeconds: number
  readonly slowMs: number
  readonly latencyMs: number
  readonly commitAccepted: number
  readonly commitFaults: ReadonlyArray<CommitFault | null>
  /** Stored parts after which a session fails (`faults.uploadFailedAfterParts`; `Infinity`: never). */
  readonly uploadFailedAfterParts: number
  /** Whether a second open session for the same file is answered `409 session_conflict` (`faults.sessionConflict`). */
  readonly sessionConflict: boolean
  readonly uploadBaseUrl?: string
  /** Existing folder ids; absent = any all-digits id exists. */
  readonly folders?: ReadonlySet<string>
  readonly sha1: Sha1Factory
  readonly partDigest: (chunks: ReadonlyArray<Uint8Array>, length: number) => Promise<Uint8Array>
  /**
   * Whether request body chunks belong to the emulator (the Node adapter's fresh socket buffers) and
   * may be kept as they are. In-process they are the caller's, who may reuse them: kept bytes are copied,
   * and so are the stored bytes a download hands out.
   */
  readonly ownsBodies: boolean
  readonly clock: () => number
  readonly onRequest?: EmulatorOptions['onRequest']
}

/** Checks the options (a `TypeError` for one it cannot use) and fills in defaults. */
export const config = (o: EmulatorOptions = {}, ownsBodies = false): Config => {
  validate(o)
  const size = o.partSize
  const minFileSize = o.minFileSize ?? 20_000_000
  // Each usable alone, but together no file could be uploaded: every session refused, and as too small first.
  if (o.maxFileSize !== undefined && o.maxFileSize < minFileSize) {
    throw new TypeError(`maxFileSize (${o.maxFileSize}) must not be below minFileSize (${minFileSize}${o.minFileSize === undefined ? ', its default' : ''}): no file could be uploaded`)
  }
  return {
    tokens: o.tokens ?? ['dev-token'],
    partSize: (fileSize) => {
      const chosen = typeof size === 'number' ? size : (size ?? defaultPartSize)(fileSize)
      // A function's mistake fails its request (a 500 naming it), rather than becoming the default.
      if (!wholeFrom(1)(chosen)) throw new TypeError(`partSize(${fileSize}) must give a whole number of bytes from 1 up, got ${chosen}`)
      return chosen
    },
    minFileSize,
    maxFileSize: o.maxFileSize ?? Number.MAX_SAFE_INTEGER,
    processingDelayMs: o.processingDelayMs ?? 0,
    sessionTtlMs: o.sessionTtlMs ?? 7 * 24 * 3600 * 1000,
    storage: o.storage ?? 'memory',
    faultPlan: plan(o.faults),
    retryAfterSeconds: retryAfter(o.faults),
    slowMs: o.faults?.slowMs ?? 200,
    latencyMs: o.faults?.latencyMs ?? 0,
    commitAccepted: o.faults?.commitAccepted ?? 0,
    commitFaults: o.faults?.commitFaults ?? [],
    uploadFailedAfterParts: uploadFailedAfter(o.faults),
    sessionConflict: o.faults?.sessionConflict === true,
    ...(o.uploadBaseUrl !== undefined ? { uploadBaseUrl: o.uploadBaseUrl.replace(/\/+$/, '') } : {}),
    ...(o.folders === 'any' ? {} : { folders: new Set(['0', ...(o.folders ?? [])]) }),
    sha1: o.sha1 ?? sha1,
    partDigest: partDigest(o.sha1),
    ownsBodies,
    clock: o.clock ?? Date.now,
    ...(o.onRequest ? { onRequest: o.onRequest } : {}),
  }
}
