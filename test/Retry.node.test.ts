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

Timers.run()
