import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { type RetryPolicy, backoffMs, delayMs, retry, waitTooLong } from '../src/Retry.ts'
import { sleep } from '../src/Sleep.ts'
import { type UploadError, aborted, httpError, invalidInput, networkError } from '../src/UploadError.ts'
import { within } from './helpers/upload.ts'

const policy: RetryPolicy = { retries: 3, baseDelayMs: 2, maxDelayMs: 8 }

/** An attempt answering `results` in turn (the last one forever), counting its calls. */
const scripted = <A>(results: ReadonlyArray<E.Either<UploadError, A>>) => {
  let calls = 0
  const attempt = (_signal: AbortSignal): TE.TaskEither<UploadError, A> => async () => results[Math.min(calls++, results.length - 1)] as E.Either<UploadError, A>
  return { attempt, calls: () => calls }
}

const status = (code: number, retryAfterMs?: number): UploadError => httpError({ status: code, method: 'PUT', url: 'u', retryAfterMs })

const Backoff = suite('backoffMs')

Backoff('should stay within [0, min(max, base × 2^attempt)) (full jitter)', () => {
  const table: ReadonlyArray<readonly [number, number]> = [[0, 2], [1, 4], [2, 8], [3, 8], [60, 8]]
  for (const [attempt, ceiling] of table) {
    assert.is(backoffMs(policy, () => 0)(attempt), 0)
    assert.is(backoffMs(policy, () => 0.999999)(attempt), ceiling - 1, `attempt ${attempt}`)
  }
})

Backoff('should wait the longer of the server Retry-After and the backoff', () => {
  assert.is(delayMs(policy, () => 0.5)(0, status(429, 1234)), 1234)
  // A Retry-After of 0 (or a date already past) asks for no wait: the backoff still applies.
  assert.is(delayMs(policy, () => 0.5)(0, status(429, 0)), 1)
  assert.is(delayMs(policy, () => 0.999)(2, status(429, 1)), 7)
  assert.is(delayMs(policy, () => 0.5)(2, status(503)), 4)
})

const TooLong = suite('waitTooLong')

// No wait asked (undefined) is never too long, whatever the policy's limit, even one no validation let through.
TooLong('should say a wait is too long only when Box asked for one past maxRetryAfterMs', () => {
  const cases: ReadonlyArray<readonly [number | undefined, number | undefined, boolean]> = [
    [undefined, undefined, false], [undefined, 0, false], [undefined, -1, false], [undefined, Number.NaN, false], [undefined, -Infinity, false],
    [300_000, undefined, false], [300_001, undefined, true], [1, 0, true], [0, 0, false], [5, Number.NaN, false], [Infinity, 1e12, true],
  ]
  for (const [ms, maxRetryAfterMs, expected] of cases) {
    assert.is(waitTooLong(maxRetryAfterMs === undefined ? policy : { ...policy, maxRetryAfterMs })(ms), expected, `${ms} against ${maxRetryAfterMs}`)
  }
})

const Retry = suite('retry')

Retry('should retry 429, 5xx (not 507) and network errors, and never other 4xx', async () => {
  const table: ReadonlyArray<readonly [UploadError, number]> = [
    [status(429), 4], [status(500), 4], [status(502), 4], [status(503), 4], [networkError('PUT', 'u', new Error('reset')), 4],
    [status(507), 1], [status(400), 1], [status(403), 1], [status(404), 1], [status(409), 1], [status(416), 1], [status(401), 1],
    [aborted(), 1],
  ]
  for (const [error, calls] of table) {
    const script = scripted<number>([E.left(error)])
    const result = await retry(policy)(script.attempt)()
    assert.equal(result, E.left(error))
    assert.is(script.calls(), calls, `${JSON.stringify(error)}`)
  }
})

Retry('should look at its signal when the task runs: fired after building it, no attempt is made', async () => {
  const controller = new AbortController()
  const script = scripted<number>([E.right(1)])
  const task = retry(policy, { signal: controller.signal })(script.attempt)
  controller.abort(new Error('stop'))
  const result = await task()
  assert.ok(E.isLeft(result) && result.left._tag === 'Aborted', JSON.stringify(result))
  assert.is(script.calls(), 0)
})

Retry('should stop at once on a Retry-After longer than maxRetryAfterMs (default 5 minutes), and wait out shorter ones', async () => {
  const table: ReadonlyArray<readonly [RetryPolicy, UploadError, number]> = [
    [policy, status(429, 5 * 60_000 + 1), 1],
    [policy, status(503, 86_400_000), 1],
    [{ ...policy, maxRetryAfterMs: 10 }, status(429, 11), 1],
    [{ ...policy, maxRetryAfterMs: 10 }, status(429, 10), 4],
    [{ ...policy, maxRetryAfterMs: 0 }, status(429, 0), 4],
    [{ ...policy, maxRetryAfterMs: 0 }, status(500), 4],
  ]
  for (const [p, error, calls] of table) {
    const script = scripted<number>([E.left(error)])
    const started = Date.now()
    const what = `${JSON.stringify(error)} with maxRetryAfterMs ${p.maxRetryAfterMs}`
    assert.equal(await within(1000, what, retry(p)(script.attempt)()), E.left(error))
    assert.is(script.calls(), calls, what)
    assert.ok(Date.now() - started < 1000)
  }
})

Retry('should succeed once an attempt succeeds', async () => {
  const script = scripted([E.left(status(500)), E.left(status(429, 1)), E.right('ok')])
  assert.equal(await retry(policy)(script.attempt)(), E.right('ok'))
  assert.is(script.calls(), 3)
})

Retry('should retry a 401 once after reauthorizing, and only when it can', async () => {
  let refreshed = 0
  const reauthorize: TE.TaskEither<UploadError, void> = async () => { refreshed++; return E.right(undefined) }
  const once = scripted([E.left(status(401)), E.right('ok')])
  assert.equal(await retry(policy, { reauthorize })(once.attempt)(), E.right('ok'))
  assert.is(refreshed, 1)
  // A 418 after two 401s: a retry that reauthorized more than once ends on it instead of running on.
  const twice = scripted<string>([E.left(status(401)), E.left(status(401)), E.left(status(401)), E.left(status(418))])
  assert.equal(await retry(policy, { reauthorize })(twice.attempt)(), E.left(status(401)))
  assert.is(twice.calls(), 2)
  assert.is(refreshed, 2)
})

Retry('should call reauthorize with the 401 it answers (a task taking no argument still works)', async () => {
  const refused = status(401)
  const seen: Array<UploadError> = []
  const reauthorize = (error: UploadError): Promise<E.Either<UploadError, void>> => { seen.push(error); return Promise.resolve(E.right(undefined)) }
  const script = scripted([E.left(refused), E.right('ok')])
  assert.equal(await retry(policy, { reauthorize })(script.attempt)(), E.right('ok'))
  assert.ok(seen.length === 1 && seen[0] === refused)
})

Retry('should end with the failure of reauthorize (a token function that failed), not try again', async () => {
  const failed = invalidInput('The token function failed (down): fix the token provider given to client().')
  const reauthorize: TE.TaskEither<UploadError, void> = async () => E.left(failed)
  const script = scripted([E.left(status(401)), E.right('ok')])
  assert.equal(await retry(policy, { reauthorize })(script.attempt)(), E.left(failed))
  assert.is(script.calls(), 1)
})

Retry('should end a wait between tries at once when aborted', async () => {
  const controller = new AbortController()
  const script = scripted<string>([E.left(status(503, 60_000))])
  const started = Date.now()
  setTimeout(() => controller.abort('stop'), 20)
  const result = await retry(policy, { signal: controller.signal })(script.attempt)()
  assert.equal(result, E.left(aborted('stop')))
  assert.is(script.calls(), 1)
  assert.ok(Date.now() - started < 1000)
})

Retry('should not start an attempt once aborted', async () => {
  const controller = new AbortController()
  controller.abort('gone')
  const script = scripted([E.right('ok')])
  assert.equal(await retry(policy, { signal: controller.signal })(script.attempt)(), E.left(aborted('gone')))
  assert.is(script.calls(), 0)
})

Retry('should cancel an attempt after timeoutMs and retry it as a network error', async () => {
  let calls = 0
  const hang = (signal: AbortSignal): TE.TaskEither<UploadError, string> => () =>
    new Promise((resolve) => {
      if (++calls === 3) return resolve(E.right('late ok'))
      signal.addEventListener('abort', () => resolve(E.left(aborted(signal.reason))))
    })
  assert.equal(await retry({ ...policy, timeoutMs: 10 })(hang)(), E.right('late ok'))
  assert.is(calls, 3)
  const never = await retry({ ...policy, retries: 1, timeoutMs: 10 })((signal) => () => new Promise<E.Either<UploadError, never>>((resolve) => signal.addEventListener('abort', () => resolve(E.left(aborted())))))()
  assert.ok(E.isLeft(never) && never.left._tag === 'NetworkError')
})

Retry('should take a timeoutMs past 2^31 - 1 ms (setTimeout\'s range) as no timeout, not as 1 ms', async () => {
  for (const timeoutMs of [2 ** 31, Number.MAX_SAFE_INTEGER, Infinity]) {
    const slow = (signal: AbortSignal): TE.TaskEither<UploadError, string> => () =>
      new Promise((resolve) => {
        signal.addEventListener('abort', () => resolve(E.left(aborted(signal.reason))))
        setTimeout(() => resolve(E.right('answered')), 30)
      })
    assert.equal(await retry({ ...policy, retries: 0, timeoutMs })(slow)(), E.right('answered'), `timeoutMs ${timeoutMs}`)
  }
})

Retry('should let an attempt in flight finish when detached, but start none after the abort', async () => {
  const controller = new AbortController()
  let cancelled = false
  const slow = (signal: AbortSignal): TE.TaskEither<UploadError, string> => () =>
    new Promise((resolve) => {
      signal.addEventListener('abort', () => { cancelled = true })
      setTimeout(() => resolve(E.right('created')), 30)
    })
  setTimeout(() => controller.abort('stop'), 5)
  assert.equal(await retry(policy, { signal: controller.signal, detached: true })(slow)(), E.right('created'))
  assert.is(cancelled, false)
  const failing = scripted<string>([E.left(status(503))])
  assert.equal(await retry(policy, { signal: controller.signal, detached: true })(failing.attempt)(), E.left(aborted('stop')))
  assert.is(failing.calls(), 0)
})

Retry('should cancel a detached attempt graceMs after the abort, with no timeout in the policy', async () => {
  const controller = new AbortController()
  let cancelledAt = 0
  const hanging = (signal: AbortSignal): TE.TaskEither<UploadError, string> => () =>
    new Promise((resolve) => signal.addEventListener('abort', () => { cancelledAt = Date.now(); resolve(E.left(aborted(signal.reason))) }))
  const abortedAt = Date.now() + 10
  setTimeout(() => controller.abort('stop'), 10)
  const result = await retry({ retries: 3, baseDelayMs: 1, maxDelayMs: 1 }, { signal: controller.signal, detached: true, graceMs: 150 })(hanging)()
  assert.equal(result, E.left(aborted('stop')))
  const after = cancelledAt - abortedAt
  assert.ok(after >= 120 && after < 1000, `cancelled ${after} ms after the abort`)
})

const Sleep = suite('sleep')

Sleep('should wait, or end with Aborted when the signal fires', async () => {
  const started = Date.now()
  assert.equal(await sleep(15)(), E.right(undefined))
  assert.ok(Date.now() - started >= 10)
  const controller = new AbortController()
  setTimeout(() => controller.abort('now'), 5)
  assert.equal(await sleep(60_000, controller.signal)(), E.left(aborted('now')))
})

// An abort listener added to a signal that already fired is never called: the check comes first.
Sleep('should end at once with Aborted when the signal fired before the wait', async () => {
  const controller = new AbortController()
  controller.abort('before')
  assert.equal(await within(1000, 'sleep', sleep(10_000, controller.signal)()), E.left(aborted('before')))
})

Sleep('should wait out a delay past 2^31 - 1 ms (setTimeout\'s range) as ~24.8 days, not end at once', async () => {
  for (const ms of [2 ** 31, 26 * 86_400_000, Number.MAX_SAFE_INTEGER]) {
    const controller = new AbortController()
    setTimeout(() => controller.abort('still waiting'), 40)
    assert.equal(await sleep(ms, controller.signal)(), E.left(aborted('still waiting')), `${ms} ms`)
  }
})

// The 401's extra try is its own: a 500 after it still gets the policy's retries.
Retry('should not count the try after a 401 against the retries', async () => {
  const reauthorize: TE.TaskEither<UploadError, void> = async () => E.right(undefined)
  const script = scripted([E.left(status(401)), E.left(status(500)), E.right('ok')])
  assert.equal(await retry({ ...policy, retries: 1 }, { reauthorize })(script.attempt)(), E.right('ok'))
  assert.is(script.calls(), 3)
})

Retry('a fetch attempt is aborted when the signal aborts right after the retry starts', async () => {
  const controller = new AbortController()
  let sent = 0
  const running = retry({ retries: 0, baseDelayMs: 1, maxDelayMs: 1 }, { signal: controller.signal })((signal) => async () => {
    await new Promise((resolve) => setTimeout(resolve, 20))
    if (signal.aborted) return E.left({ _tag: 'Aborted', reason: signal.reason })
    sent++
    return E.right('sent')
  })()
  controller.abort('stop')
  assert.equal(await running, E.left({ _tag: 'Aborted', reason: 'stop' }))
  assert.is(sent, 0)
})

// a: public retry(): an attempt that does not listen to its signal is now abandoned at the timeout and retried
// while it still runs: two attempts of the same request at once.
// Not fixed here (a design choice to make): kept as a record, skipped.
Retry('a timed-out attempt that ignores its signal is not run again while it is still running', async () => {
  let running = 0
  let most = 0
  await retry({ retries: 2, baseDelayMs: 0, maxDelayMs: 0, timeoutMs: 20 })(() => async () => {
    most = Math.max(most, ++running)
    await new Promise((resolve) => setTimeout(resolve, 60))
    running--
    return E.right('done')
  })()
  assert.is(most, 1)
})

Backoff.run()
TooLong.run()
Retry.run()
Sleep.run()
