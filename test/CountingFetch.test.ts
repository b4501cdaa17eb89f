/**
 * The counting fetch (src/CountingFetch.ts, exported; box-upload's bar uses it): what the part bodies in
 * flight gave their connections, read through a fake fetch that reads the body a chunk at a time as
 * undici does. Web APIs only: it runs in every runtime.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { Fetch } from '../src/Client.ts'
import { countingFetch } from '../src/index.ts'

const Counting = suite('countingFetch: bytes of bodies in flight')

/** A body of `chunks` chunks of `size` bytes (byte i of chunk k is k), counting its pulls. */
const bodyOf = (chunks: number, size: number) => {
  let pulls = 0
  const stream = new ReadableStream<Uint8Array>({
    pull: (controller) => {
      if (pulls >= chunks) return controller.close()
      controller.enqueue(new Uint8Array(size).fill(pulls++))
    },
  }, { highWaterMark: 0 })
  return { stream, pulls: () => pulls }
}

/** A fetch whose reads of the body the test steps through; it answers (or fails) when told. */
const steppedFetch = () => {
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined
  const got: Array<number> = []
  let settle: ((response: Response | Error) => void) | undefined
  const fetch: Fetch = (_input, init) => {
    reader = (init?.body as ReadableStream<Uint8Array>).getReader()
    return new Promise<Response>((resolve, reject) => { settle = (r) => (r instanceof Error ? reject(r) : resolve(r)) })
  }
  return {
    fetch,
    read: async (): Promise<boolean> => {
      const { done, value } = await (reader as ReadableStreamDefaultReader<Uint8Array>).read()
      if (!done) got.push(...value.slice(0, 1))
      return done
    },
    got,
    settle: (r: Response | Error) => settle?.(r),
  }
}

Counting('should count a stream body as it is read, pass its chunks on as they are and read nothing ahead, and forget it once answered', async () => {
  const link = steppedFetch()
  const counting = countingFetch(link.fetch)
  const body = bodyOf(3, 1000)
  const answered = counting.fetch('http://x/part', { method: 'PUT', body: body.stream, duplex: 'half' } as RequestInit)
  assert.is(counting.inFlight(), 0)
  assert.is(await link.read(), false)
  assert.is(counting.inFlight(), 1000)
  assert.is(body.pulls(), 1, 'nothing read ahead')
  assert.is(await link.read(), false)
  assert.is(await link.read(), false)
  assert.is(await link.read(), true)
  assert.is(counting.inFlight(), 3000)
  assert.equal(link.got, [0, 1, 2])
  link.settle(new Response('{}'))
  await answered
  assert.is(counting.inFlight(), 0)
})

Counting('should forget a failed request\'s count too (its part is sent again from the start), and add up requests in flight', async () => {
  const first = steppedFetch()
  const second = steppedFetch()
  let which = 0
  const counting = countingFetch((input, init) => (which++ === 0 ? first : second).fetch(input, init))
  const failed = counting.fetch('http://x/1', { method: 'PUT', body: bodyOf(2, 700).stream } as RequestInit).catch((e: unknown) => e)
  void counting.fetch('http://x/2', { method: 'PUT', body: bodyOf(2, 500).stream } as RequestInit).catch(() => undefined)
  await first.read()
  await second.read()
  await second.read()
  assert.is(counting.inFlight(), 1700)
  first.settle(new Error('reset'))
  assert.is(((await failed) as Error).message, 'reset')
  assert.is(counting.inFlight(), 1000)
  second.settle(new Response('{}'))
})

Counting('should hand a body that is no stream (JSON, bytes) to fetch as it is, counting nothing', async () => {
  const seen: Array<RequestInit | undefined> = []
  const counting = countingFetch(async (_input, init) => { seen.push(init); return new Response('{}') })
  const init: RequestInit = { method: 'POST', body: '{"parts":[]}' }
  await counting.fetch('http://x/commit', init)
  await counting.fetch('http://x/part', { method: 'PUT', body: new Uint8Array(10) })
  assert.ok(seen[0] === init, 'the same init')
  assert.ok(seen[1]?.body instanceof Uint8Array)
  assert.is(counting.inFlight(), 0)
})

Counting('should pass a cancel of the body it hands fetch on to the body given, with its reason (fetch cancels a body it drops)', async () => {
  let cancelled: unknown = 'not cancelled'
  const body = new ReadableStream<Uint8Array>({ pull: (controller) => controller.enqueue(new Uint8Array(10)), cancel: (reason) => { cancelled = reason } }, { highWaterMark: 0 })
  const counting = countingFetch(async (_input, init) => {
    await (init?.body as ReadableStream<Uint8Array>).cancel('request aborted')
    throw new Error('aborted')
  })
  await counting.fetch('http://x/part', { method: 'PUT', body, duplex: 'half' } as RequestInit).catch(() => undefined)
  assert.is(cancelled, 'request aborted')
  assert.is(counting.inFlight(), 0)
})

Counting.run()
