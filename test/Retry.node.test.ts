/** Retries as Node's event loop sees them: what an attempt leaves behind (process.getActiveResourcesInfo). */
import * as E from 'fp-ts/lib/Either.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { retry } from '../src/Retry.ts'

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

Timers.run()
