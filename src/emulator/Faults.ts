/**
 * Seeded, deterministic fault injection for part uploads. Scripted faults win; otherwise a
 * mulberry32 PRNG seeded with `faults.seed` draws whether (and which) random fault hits. The PRNG
 * is drawn exactly twice per part upload that reaches the fault stage, so the same seed and the same
 * order of requests give the same faults.
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

/** Decides the fault of one part upload: `(partIndex, attempt) => fault | undefined` (attempt 1-based). */
export type FaultPlan = (part: number, attempt: number) => PartFault | undefined

/** Builds the fault plan of an emulator from its options. */
export const plan = (faults: Faults = {}): FaultPlan => {
  const random = mulberry32(faults.seed ?? 1)
  const probability = faults.probability ?? 0
  const kinds = faults.kinds ?? ALL_PART_FAULTS
  const script = faults.script ?? []
  return (part, attempt) => {
    const scripted = script.find((s) => s.part === part && (s.attempt ?? 1) === attempt)
    if (scripted) return scripted.fault
    if (probability <= 0) return undefined
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
