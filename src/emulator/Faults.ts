/**
 * Seeded, deterministic fault injection for part uploads. Scripted faults win; otherwise whether (and
 * which) random fault hits one part upload is a pure function of `faults.seed`, the session's key, the
 * part's index and the attempt. A session's key is drawn from what its client sent to create it (the
 * upload: user, folder, name, size) and its place among the sessions of that upload, never from the
 * order the emulator created sessions in: the same seed gives the same faults whatever order concurrent
 * part uploads arrive in, and whichever of two clients' creates is served first.
 */
import type { Faults, PartFault } from './Options.ts'

/** Every fault kind (the default of `faults.kinds`). */
export const ALL_PART_FAULTS: ReadonlyArray<PartFault> = ['rate_limit', 'unavailable_before', 'error_before', 'error_after', 'reset', 'slow']

/** mulberry32: a small, fast 32-bit PRNG; returns numbers in [0, 1). */
export const mulberry32 = (seed: number): (() => number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * Decides the fault of one part upload: the `attempt`-th upload (1-based) of the part with index `part`
 * (0-based) in the session whose `sessionKey` is `session`.
 */
export type FaultPlan = (session: number, part: number, attempt: number) => PartFault | undefined

/**
 * What a session is created for, as the faults tell uploads apart: all of it sent by the client (a user is
 * its token's place in `tokens`), none of it given by the emulator (a file id is handed out in commit order).
 */
export interface Upload {
  readonly user: number
  readonly folderId: string
  /** For a new version: the name the file has when the session is created (it names the file in its folder). */
  readonly versionOf?: string | undefined
  /** The new file's name, or a new version's new name (none: the file keeps its own). */
  readonly fileName?: string | undefined
  readonly fileSize: number
}

/** A whole number for an upload: the same for the same fields, unrelated for others. */
export const uploadKey = (upload: Upload): number => {
  // `/` is in no name (Sessions.checkName), so the fields cannot run into each other.
  const text = [upload.user, upload.folderId, upload.versionOf ?? '', upload.fileName ?? '', upload.fileSize].join('/')
  return hash(Array.from(text, (c) => c.charCodeAt(0)))
}

/**
 * The key a session's random faults are drawn with: its upload's key and its place (1 for the first) among the
 * sessions the emulator created for that upload, so that a second session of the same file meets faults of its own.
 */
export const sessionKey = (upload: number, occurrence: number): number => hash([upload, occurrence])

/**
 * murmur3's 32-bit hash of whole numbers, each taken as its low and high 32 bits (a seed `>>> 0` was
 * all mulberry32 saw of it; a part index may pass 2^32). Neighbouring inputs give unrelated hashes.
 */
const hash = (numbers: ReadonlyArray<number>): number => {
  let h = 0
  for (const n of numbers) {
    for (const word of [n >>> 0, Math.floor(n / 2 ** 32) >>> 0]) {
      let k = Math.imul(word, 0xcc9e2d51)
      k = Math.imul((k << 15) | (k >>> 17), 0x1b873593)
      h ^= k
      h = (Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64) | 0
    }
  }
  h ^= numbers.length * 8
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}

/** Builds the fault plan of an emulator from its options. */
export const plan = (faults: Faults = {}): FaultPlan => {
  const seed = faults.seed ?? 1
  const probability = faults.probability ?? 0
  const kinds = faults.kinds ?? ALL_PART_FAULTS
  const script = faults.script ?? []
  return (session, part, attempt) => {
    const scripted = script.find((s) => s.part === part && (s.attempt ?? 1) === attempt)
    if (scripted) return scripted.fault
    if (probability <= 0) return undefined
    // A PRNG of this upload's own, not one shared in arrival order: parts in flight arrive in any order.
    const random = mulberry32(hash([seed, session, part, attempt]))
    const hit = random() < probability
    const pick = kinds[Math.floor(random() * kinds.length)]
    return hit ? pick : undefined
  }
}

/** `Retry-After` seconds sent with 429, 503 and commit 202 (default 1; 0 allowed). */
export const retryAfter = (faults: Faults = {}): number => {
  // Whole seconds (RFC 9110 delay-seconds; OAS: integer), as Validate.ts checks: 1.5 would be unreadable to a strict client.
  return faults.retryAfterSeconds ?? 1
}

/** Stored parts after which a session fails with `410 upload_failed` (`Infinity`: never). */
export const uploadFailedAfter = (faults: Faults = {}): number => faults.uploadFailedAfterParts ?? Infinity

/** The longest delay a timer holds (2^31 - 1 ms, ~24.8 days): a longer one would fire at once. */
const maxTimerMs = 2 ** 31 - 1

/**
 * Sleeps `ms` milliseconds (web global `setTimeout`, in steps a timer holds, so a delay past ~24.8
 * days is waited out rather than ended at once). Once `signal` aborts (its request went away: an
 * in-process caller's abort, a connection closed, `close()`), the request goes on as it would at a
 * server (Box may still store a part whose client gave up), but its timer no longer keeps the process
 * alive: `unref`, where timers have it (Node, Bun).
 */
export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  ms > 0
    ? new Promise((resolve) => {
      let timer: unknown
      const release = (): void => (timer as { unref?: () => void }).unref?.()
      const wait = (left: number): void => {
        timer = setTimeout(() => {
          if (left > maxTimerMs) return wait(left - maxTimerMs)
          signal?.removeEventListener('abort', release)
          resolve()
        }, Math.min(left, maxTimerMs))
        if (signal?.aborted === true) release()
      }
      wait(ms)
      if (signal?.aborted !== true) signal?.addEventListener('abort', release, { once: true })
    })
    : Promise.resolve()
