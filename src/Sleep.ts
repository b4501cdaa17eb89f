/**
 * An abortable pause: the waits between retries and before re-sending a commit answered 202.
 * An `AbortSignal` must reach every sleep, not only requests (AWS lib-storage #5109), so that an
 * abort settles the upload promptly whatever it was doing.
 */
import { Either as E } from './fp.ts'
import type * as TE from 'fp-ts/lib/TaskEither.js'
import { type UploadError, aborted } from './UploadError.ts'

// ---------------------------------------------------------------------------------------------
// constructors

/**
 * A delay as timers take it: `setTimeout` runs anything past 2^31 − 1 ms (~24.8 days) at once, so
 * a huge `Retry-After` waits that long instead (a `timeoutMs` past it is none: Retry.ts).
 */
export const timerMs = (ms: number): number => Math.min(Math.max(0, ms), 2 ** 31 - 1)

/** The `Aborted` error for a signal that fired, keeping its reason. */
export const abortedBy = (signal: AbortSignal): UploadError => aborted(signal.reason)

// ---------------------------------------------------------------------------------------------
// operations

/** Waits `ms` milliseconds; an abort of `signal` ends the wait at once with `Aborted`. */
export const sleep = (ms: number, signal?: AbortSignal): TE.TaskEither<UploadError, void> => () =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve(E.left(abortedBy(signal)))
    const onAbort = (): void => {
      clearTimeout(timer)
      resolve(E.left(abortedBy(signal as AbortSignal)))
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve(E.right(undefined))
    }, timerMs(ms))
    signal?.addEventListener('abort', onAbort, { once: true })
  })

/**
 * `task`, or `Aborted` as soon as `signal` aborts, whether or not the task listens to it: a wait on
 * the caller's token function, which no signal reaches and which may never answer. Only there: a
 * request given up while it still runs could be sent again alongside itself.
 */
export const untilAborted = (signal: AbortSignal | undefined) => <A>(task: TE.TaskEither<UploadError, A>): TE.TaskEither<UploadError, A> => () =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve(E.left(abortedBy(signal)))
    const onAbort = (): void => resolve(E.left(abortedBy(signal as AbortSignal)))
    signal?.addEventListener('abort', onAbort, { once: true })
    void task().then((result) => {
      signal?.removeEventListener('abort', onAbort)
      resolve(result)
    })
  })
