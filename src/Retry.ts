/**
 * Retries of one request: which errors are worth another try, how long to wait before it
 * (exponential backoff with full jitter, or the server's `Retry-After`), a timeout per attempt,
 * and the one extra try a 401 gets after the token function is asked again.
 *
 * 429 and 5xx (except 507, insufficient storage) and network errors are retried; other 4xx are
 * not (box-protocol.md §5; NODE `isTemporaryError`). A server's `Retry-After` (read by `Http` into
 * `retryAfterMs`, case-insensitively, seconds or HTTP date: the generated SDKs got both wrong,
 * box-node-sdk#1250, box-ios-sdk#1400) replaces the backoff, up to `maxRetryAfterMs`: a server that
 * asks for a longer wait (a `Retry-After` of a day, or a date far ahead) ends the retries at once
 * with its error, instead of an upload that sleeps silently for that long.
 */
import { Either as E, TaskEither as TE, pipe } from './fp.ts'
import type { Client } from './Client.ts'
import { reauthorize } from './Http.ts'
import { type UploadError, hasStatus, isRetryable, networkError } from './UploadError.ts'
import { abortedBy, sleep, timerMs, untilAborted } from './Sleep.ts'

// ---------------------------------------------------------------------------------------------
// model

/** How a request is retried. */
export interface RetryPolicy {
  /** Tries after the first one (0: never retry). */
  readonly retries: number
  /** Ceiling of the first backoff; each later one doubles, up to `maxDelayMs`. */
  readonly baseDelayMs: number
  /** Largest backoff (a server's `Retry-After` is honoured even when longer, up to `maxRetryAfterMs`). */
  readonly maxDelayMs: number
  /**
   * Longest `Retry-After` waited out (default `defaultMaxRetryAfterMs`, 5 minutes). A longer one
   * stops the retries: the result is the error that carried it (Box's status, `code` and wait).
   */
  readonly maxRetryAfterMs?: number | undefined
  /**
   * Time allowed to one attempt before it is cancelled and counted as a network error (default: none). One past
   * what a timer holds (2^31 − 1 ms, ~24.8 days; `Infinity`) is none too.
   */
  readonly timeoutMs?: number | undefined
}

/** One attempt of a request, given the signal that cancels it. */
export type Attempt<A> = (signal: AbortSignal) => TE.TaskEither<UploadError, A>

// ---------------------------------------------------------------------------------------------
// constructors

/**
 * Longest `Retry-After` waited out when a policy does not say: 5 minutes, half the commit's default
 * deadline for 202 answers (Box's own waits are seconds; a longer one is better reported than slept).
 */
export const defaultMaxRetryAfterMs = 5 * 60_000

/**
 * 5 retries, 500 ms first backoff, at most 30 s between tries, `Retry-After` up to 5 minutes,
 * 10 minutes per attempt (a 32 MiB part takes about 9 minutes at 0.5 Mbit/s; the timeout is there
 * for connections that hang).
 */
export const defaultRetryPolicy: RetryPolicy = {
  retries: 5,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxRetryAfterMs: defaultMaxRetryAfterMs,
  timeoutMs: 10 * 60_000,
}

// ---------------------------------------------------------------------------------------------
// operations

/**
 * Full-jitter backoff before retry number `attempt` (0-based): uniform in
 * `[0, min(maxDelayMs, baseDelayMs × 2^attempt))` (AWS architecture blog, "Exponential Backoff And Jitter").
 */
export const backoffMs =
  (policy: RetryPolicy, random: () => number = Math.random) =>
  (attempt: number): number =>
    Math.floor(random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(attempt, 52)))

/**
 * The wait before retry number `attempt` after `error`: the longer of the server's `Retry-After` and
 * the backoff. A `Retry-After` of 0, or a date already past (a server whose clock is behind), would
 * otherwise spend every retry at once.
 */
export const delayMs =
  // No random given (here or in retry's context) is backoffMs's own default, Math.random.
  (policy: RetryPolicy, random?: () => number) =>
  (attempt: number, error: UploadError): number =>
    Math.max((error as { readonly retryAfterMs?: number }).retryAfterMs ?? 0, backoffMs(policy, random)(attempt))

/** Whether a server-requested wait of `ms` (none asked: `undefined`) is longer than `policy` waits out (`maxRetryAfterMs`). */
export const waitTooLong =
  (policy: RetryPolicy | undefined) =>
  (ms: number | undefined): boolean =>
    // `undefined > n` is false for every n, as no wait asked is never too long.
    (ms as number) > (policy?.maxRetryAfterMs ?? defaultMaxRetryAfterMs)

/** What `retry` needs besides the policy. */
export interface RetryContext {
  /** Stops waits and attempts; once it fires nothing new starts and the result is `Aborted`. */
  readonly signal?: AbortSignal | undefined
  /**
   * Gets a fresh token after a 401 (e.g. `refreshToken(client)`); without it a 401 is final. A task, called
   * with the 401 it answers: `retryRequests` passes one that asks the token function only when the refused
   * request carried the current token.
   */
  readonly reauthorize?: ((refused: UploadError) => ReturnType<TE.TaskEither<UploadError, unknown>>) | undefined
  /** Source of jitter in [0, 1) (default `Math.random`; tests pass a fixed one). */
  readonly random?: (() => number) | undefined
  /** Which errors are worth another try (default `isRetryable`). */
  readonly retryable?: ((error: UploadError) => boolean) | undefined
  /**
   * Let an attempt in flight finish when `signal` fires, for up to `graceMs` more (or its timeout);
   * waits and new attempts still stop. For requests whose effect must be known to be undone, like
   * creating a session that an abort must then delete.
   */
  readonly detached?: boolean | undefined
  /** How long a detached attempt may still run after `signal` fires (default `defaultGraceMs`, 5 s). */
  readonly graceMs?: number | undefined
}

/** Time a detached attempt keeps after the abort: a session being created answers well within it. */
export const defaultGraceMs = 5_000

/**
 * Runs `attempt` until it succeeds, a non-retryable error comes, the retries are spent, or the
 * server asks to wait longer than `maxRetryAfterMs`, waiting `delayMs` between tries. A 401 gets
 * one extra immediate try after `reauthorize`.
 */
export const retry =
  (policy: RetryPolicy, context: RetryContext = {}) =>
  <A>(attempt: Attempt<A>): TE.TaskEither<UploadError, A> => {
    const { signal, reauthorize, random, retryable = isRetryable, detached, graceMs = defaultGraceMs } = context
    const go = (tries: number, reauthorized: boolean): TE.TaskEither<UploadError, A> =>
      pipe(
        signal?.aborted ? TE.left(abortedBy(signal)) : withTimeout(policy.timeoutMs, signal, detached ? graceMs : 0)(attempt),
        TE.orElse((error): TE.TaskEither<UploadError, A> => {
          if (signal?.aborted) return TE.left(abortedBy(signal))
          // The token was refused: worth one more try with a token asked for again. The token function is the
          // caller's: one that never answers must not outlast the signal or the timeout.
          if (hasStatus(error, 401) && reauthorize !== undefined && !reauthorized)
            return pipe(withTimeout(policy.timeoutMs, signal, 0)((within) => untilAborted(within)(() => reauthorize(error))), TE.flatMap(() => go(tries, true)))
          // Final when not worth another try, the retries are spent, or Box asks to wait longer than the policy waits out.
          // Only an HttpError carries a retryAfterMs.
          if (!retryable(error) || tries >= policy.retries || waitTooLong(policy)((error as { readonly retryAfterMs?: number }).retryAfterMs)) {
            return TE.left(error)
          }
          return pipe(
            sleep(delayMs(policy, random)(tries, error), signal),
            TE.flatMap(() => go(tries + 1, reauthorized)),
          )
        }),
      )
    // Built when the task runs: a signal that fired between building and running it is seen.
    return () => go(0, false)()
  }

/**
 * `retry` for requests of `client`: a 401 is tried once more with a new token from the token function (when it
 * is one), or at once with the current one when the refused request carried a token a refresh replaced since.
 */
export const retryRequests = (client: Client, policy: RetryPolicy = defaultRetryPolicy, context?: Omit<RetryContext, 'reauthorize'>) =>
  // No context spreads as an empty one ({ ...undefined } is {}).
  retry(policy, { ...context, reauthorize: client.canRefresh ? reauthorize(client) : undefined })

// ---------------------------------------------------------------------------------------------
// helpers

/**
 * Runs one attempt with a signal that fires `graceMs` after `signal` does, or after `ms`. A timeout
 * turns whatever the attempt ended with into a (retryable) network error; the caller's abort does not.
 */
const withTimeout =
  (ms: number | undefined, signal: AbortSignal | undefined, graceMs: number) =>
  <A>(attempt: Attempt<A>): TE.TaskEither<UploadError, A> =>
  async () => {
    const controller = new AbortController()
    let grace: ReturnType<typeof setTimeout> | undefined
    const stop = (): void => controller.abort(signal?.reason)
    const onAbort = (): void => { if (graceMs > 0) grace = setTimeout(stop, graceMs); else stop() }
    signal?.addEventListener('abort', onAbort)
    let expired = false
    // A timeout a timer would cut short (past 2^31 - 1 ms, ~24.8 days: `Infinity`, say) is none: cut short, it ended
    // the attempt sooner than asked, saying it had waited what it had not ("no answer within Infinity ms").
    const timer =
      ms === undefined || timerMs(ms) < ms
        ? undefined
        : setTimeout(() => {
            expired = true
            controller.abort(new DOMException(`no answer within ${ms} ms`, 'TimeoutError'))
          }, ms)
    try {
      // retry checked the signal a microtask before this runs (fp-ts chains): an abort since then fired no listener.
      if (signal?.aborted) stop()
      const result = await attempt(controller.signal)()
      // An attempt that stopped for the timeout as for an abort (a wait, the token function) ends as a timed-out
      // network error. Any other error stands: a request ends a timeout as a network error already, and
      // Node's and Bun's part body may hold the timeout while it is sent (src/body/stream.ts), then get Box's answer.
      return expired && result._tag === 'Left' && result.left._tag === 'Aborted' && !signal?.aborted
        ? E.left(networkError('request', '(timed out)', new Error(`no answer within ${ms} ms`)))
        : result
    } finally {
      clearTimeout(timer)
      clearTimeout(grace)
      signal?.removeEventListener('abort', onAbort)
    }
  }

/**
 * Whether an attempt's signal fired because its `timeoutMs` ran out (`withTimeout`'s reason), not because of
 * the caller's abort (whose reason it passes on as it is): Node's and Bun's part body tells them apart (src/body/stream.ts).
 */
export const isAttemptTimeout = (reason: unknown): boolean =>
  reason instanceof DOMException && reason.name === 'TimeoutError' && reason.message.startsWith('no answer within ')
