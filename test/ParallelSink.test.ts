import * as E from 'fp-ts/lib/Either.js'
import type * as TE from 'fp-ts/lib/TaskEither.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { parallelSink } from '../src/ParallelSink.ts'
import { type UploadError, aborted, httpError } from '../src/UploadError.ts'

/** A source of `count` numbers that records how many were pulled. */
const counting = (count: number) => {
  let pulled = 0
  const stream = new ReadableStream<number>({
    pull: (controller) => {
      if (pulled === count) controller.close()
      else controller.enqueue(pulled++)
    },
  }, { highWaterMark: 0 })
  return { stream, pulled: () => pulled }
}

const wait = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const onAbort = (): void => { clearTimeout(timer); resolve() }
    const timer = setTimeout(() => { signal.removeEventListener('abort', onAbort); resolve() }, ms)
    signal.addEventListener('abort', onAbort, { once: true })
  })

/** A sink whose tasks wait a minute unless cancelled, recording their signals. */
const waitingSink = (options: { readonly concurrency: number; readonly signal?: AbortSignal }) => {
  const signals: AbortSignal[] = []
  const sink = parallelSink(options)((_n: number, signal): TE.TaskEither<UploadError, void> => async () => {
    signals.push(signal)
    await wait(60_000, signal)
    return signal.aborted ? E.left(aborted(signal.reason)) : E.right(undefined)
  })
  return { sink, signals }
}

const ParallelSink = suite('parallelSink')

ParallelSink('should run at most `concurrency` tasks and read no further ahead than the free slots', async () => {
  for (const concurrency of [1, 2, 4, 8]) {
    const source = counting(30)
    let running = 0
    let peak = 0
    let peakAhead = 0
    let done = 0
    let leastFree = Infinity
    const sink = parallelSink({ concurrency })((_n: number, signal): TE.TaskEither<UploadError, void> => async () => {
      leastFree = Math.min(leastFree, sink.free())
      running++
      peak = Math.max(peak, running)
      peakAhead = Math.max(peakAhead, source.pulled() - done)
      await wait(1 + (done % 3), signal)
      running--
      done++
      return E.right(undefined)
    })
    await source.stream.pipeTo(sink.writable)
    assert.is(done, 30)
    assert.is(peak, concurrency, `concurrency ${concurrency}`)
    assert.ok(peakAhead <= concurrency + 1, `read ${peakAhead} ahead with concurrency ${concurrency}`)
    // A task starts in a free slot; when all are busy, the last one took the last slot.
    assert.is(leastFree, 1, `free slots at a task's start, concurrency ${concurrency}`)
    assert.is(sink.free(), concurrency)
  }
})

ParallelSink('should stop reading, cancel the other tasks and report the first failure', async () => {
  const source = counting(1000)
  let cancelled = 0
  const failure = httpError({ status: 400, method: 'PUT', url: 'u' })
  const sink = parallelSink({ concurrency: 3 })((n: number, signal): TE.TaskEither<UploadError, void> => async () => {
    if (n === 5) return E.left(failure)
    await wait(50, signal)
    if (signal.aborted) cancelled++
    return signal.aborted ? E.left(aborted()) : E.right(undefined)
  })
  const outcome = await source.stream.pipeTo(sink.writable).then(() => 'resolved', (reason: unknown) => reason)
  await sink.idle()
  assert.equal(outcome, failure)
  assert.equal(sink.failure(), failure)
  assert.ok(cancelled >= 1)
  assert.ok(source.pulled() < 12, `pulled ${source.pulled()}`)
})

// A task that breaks the TaskEither contract and throws: its failure is named, whatever it threw.
ParallelSink('should fail with InvalidInput naming what a task threw, an Error or an object String cannot write', async () => {
  for (const [thrown, named] of [[new RangeError('boom'), 'an upload task threw: RangeError: boom'], [Object.create(null), 'an upload task threw: an object']] as const) {
    const sink = parallelSink({ concurrency: 2 })((): TE.TaskEither<UploadError, void> => () => Promise.reject(thrown))
    // The sink's failure, not the pipe's outcome: with every task failing at once, workerd's pipeTo resolved
    // here where Node's rejects (an upload does not rely on it: it counts its confirmed parts).
    await counting(3).stream.pipeTo(sink.writable).catch(() => undefined)
    await sink.idle()
    assert.equal(sink.failure(), { _tag: 'InvalidInput', message: named })
  }
})

ParallelSink('should abort at once when the signal fires, even while a write waits for a slot', async () => {
  const source = counting(1000)
  const controller = new AbortController()
  const { sink } = waitingSink({ concurrency: 2, signal: controller.signal })
  const started = Date.now()
  setTimeout(() => controller.abort('user'), 20)
  const outcome = await source.stream.pipeTo(sink.writable).then(() => 'resolved', (reason: unknown) => reason)
  await sink.idle()
  assert.equal(outcome, aborted('user'))
  assert.ok(Date.now() - started < 1000)
  assert.ok(source.pulled() <= 3)
})

ParallelSink('should fail at once, starting no task, when made with a signal that already fired', async () => {
  const controller = new AbortController()
  controller.abort('before')
  let started = 0
  const sink = parallelSink({ concurrency: 2, signal: controller.signal })((): TE.TaskEither<UploadError, void> => async () => {
    started++
    return E.right(undefined)
  })
  const outcome = await counting(5).stream.pipeTo(sink.writable).then(() => 'resolved', (reason: unknown) => reason)
  assert.equal(outcome, aborted('before'))
  assert.equal(sink.failure(), aborted('before'))
  assert.is(started, 0, 'tasks started')
})

ParallelSink('should cancel the running tasks when its writer aborts (the source failed), and not report that as its failure', async () => {
  const { sink, signals } = waitingSink({ concurrency: 2 })
  const writer = sink.writable.getWriter()
  await writer.write(1)
  const started = Date.now()
  await writer.abort('source broke')
  await sink.idle()
  assert.ok(Date.now() - started < 1000, `settled after ${Date.now() - started} ms`)
  assert.ok(signals.length === 1 && signals[0]!.aborted && signals[0]!.reason === 'source broke', 'the task was cancelled with the reason')
  assert.is(sink.failure(), undefined, 'the failure is the source\'s, not the sink\'s')
})

ParallelSink('should cancel the running tasks on cancel() at once, even while a write waits for a slot (an abort would wait for it)', async () => {
  const { sink, signals } = waitingSink({ concurrency: 2 })
  const writer = sink.writable.getWriter()
  await writer.write(1)
  const waiting = writer.write(2).then(() => 'returned', (reason: unknown) => reason)
  await new Promise((resolve) => setTimeout(resolve, 20))
  const started = Date.now()
  sink.cancel('source broke')
  assert.is(await waiting, 'returned', 'the write waiting for a slot')
  await sink.idle()
  assert.ok(Date.now() - started < 1000, `settled after ${Date.now() - started} ms`)
  assert.ok(signals.length === 2 && signals.every((signal) => signal.aborted && signal.reason === 'source broke'), 'every task was cancelled with the reason')
  assert.is(sink.failure(), undefined, 'the failure is the source\'s, not the sink\'s')
})

ParallelSink('should start a task written after cancel() already cancelled', async () => {
  const { sink, signals } = waitingSink({ concurrency: 2 })
  const writer = sink.writable.getWriter()
  sink.cancel('source broke')
  const started = Date.now()
  await writer.write(1)
  assert.ok(signals.length === 1 && signals[0]!.aborted, 'the task started cancelled')
  await sink.idle()
  assert.ok(Date.now() - started < 1000, `settled after ${Date.now() - started} ms`)
})

ParallelSink.run()
