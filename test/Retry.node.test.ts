/** Retries as Node's event loop sees them: what an attempt leaves behind (process.getActiveResourcesInfo). */
import * as E from 'fp-ts/lib/Either.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { retry } from '../src/Retry.ts'
import { type UploadError, networkError } from '../src/UploadError.ts'

type Result = E.Either<UploadError, string>

const Timers = suite('retry timers (node)')

const timers = (): number => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length

// An attempt's timeout timer ends with the attempt: one left running would hold the process open for
// timeoutMs (10 minutes by default) after the upload has settled.
Timers('should clear the timeout of an attempt that has its answer', async () => {
  const before = timers()
  const result = await retry({ retries: 0, baseDelayMs: 1, maxDelayMs: 1, timeoutMs: 60_000 })(() => async () => E.right('ok'))()
  assert.equal(result, E.right('ok'))
  assert.is(timers(), before)
})

// a: the macrotask scheduled by the signal's onabort is never cleared.
Timers('an attempt ended by an abort leaves no timer behind', async () => {
  const before = timers()
  const controller = new AbortController()
  const running = retry({ retries: 0, baseDelayMs: 1, maxDelayMs: 1 }, { signal: controller.signal })((signal) => () =>
    new Promise<Result>((resolve) => signal.addEventListener('abort', () => resolve(E.left({ _tag: 'Aborted', reason: signal.reason })))))()
  await new Promise((resolve) => setTimeout(resolve, 5))
  controller.abort('stop')
  assert.equal(await running, E.left({ _tag: 'Aborted', reason: 'stop' }))
  assert.is(timers(), before)
})

Timers('an attempt ended by its timeout leaves no timer behind', async () => {
  const before = timers()
  const result = await retry({ retries: 0, baseDelayMs: 1, maxDelayMs: 1, timeoutMs: 5 })((signal) => () =>
    new Promise<Result>((resolve) => signal.addEventListener('abort', () => resolve(E.left(networkError('GET', 'x', undefined))))))()
  assert.equal(result, E.left(networkError('GET', 'x', undefined)))
  assert.is(timers(), before)
})

// A timeout past what a timer holds (~24.8 days) was cut to that, and then said "no answer within Infinity ms":
// such a timeout is none, and no timer is set for it (one within the range is).
Timers('should set no timer for a timeoutMs past 2^31 - 1 ms, Infinity included', async () => {
  for (const [timeoutMs, timed] of [[2 ** 31 - 1, 1], [2 ** 31, 0], [Number.MAX_SAFE_INTEGER, 0], [Infinity, 0]] as const) {
    const before = timers()
    let answer: (result: Result) => void = () => undefined
    const running = retry({ retries: 0, baseDelayMs: 1, maxDelayMs: 1, timeoutMs })(() => () => new Promise<Result>((resolve) => (answer = resolve)))()
    await new Promise((resolve) => setImmediate(resolve))
    const timersSet = timers() - before
    // Answered before the check: a failed one must not leave a 24.8-day timer holding the test process open.
    answer(E.right('answered'))
    assert.equal(await running, E.right('answered'))
    assert.is(timersSet, timed, `timeoutMs ${timeoutMs}`)
    assert.is(timers(), before)
  }
})

Timers.run()
