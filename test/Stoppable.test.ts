/** `stoppable`: the source as the upload holds it, stopped at once even while a read is pending. */
import * as E from 'fp-ts/lib/Either.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { lockedSource, stoppable } from '../src/Stoppable.ts'

const Stoppable = suite('stoppable')

/** A source that gives `chunks`, then waits forever (when `stall`) or ends; it records its pulls and cancels. */
const sourceOf = (chunks: ReadonlyArray<Uint8Array>, stall: boolean) => {
  const seen = { pulls: 0, cancels: [] as unknown[] }
  let i = 0
  const stream = new ReadableStream<Uint8Array>({
    pull: (controller) => {
      seen.pulls++
      const chunk = chunks[i++]
      if (chunk !== undefined) return controller.enqueue(chunk)
      if (stall) return new Promise<void>(() => undefined)
      controller.close()
    },
    cancel: (reason) => void seen.cancels.push(reason),
  }, { highWaterMark: 0 })
  return { stream, seen }
}

const held = (source: ReadableStream<Uint8Array>) => {
  const result = stoppable(source)
  if (E.isLeft(result)) throw new Error(`expected a hold of the source, got ${JSON.stringify(result.left)}`)
  return result.right
}

Stoppable('should pass the chunks through in order and end with the source, reading nothing before it is read', async () => {
  const { stream, seen } = sourceOf([Uint8Array.of(1), Uint8Array.of(2, 3)], false)
  const { readable } = held(stream)
  await new Promise((resolve) => setTimeout(resolve, 10))
  assert.is(seen.pulls, 0, 'pulls before the first read')
  const got: number[] = []
  for (const reader = readable.getReader(); ;) {
    const r = await reader.read()
    if (r.done) break
    got.push(...r.value)
  }
  assert.equal(got, [1, 2, 3])
  assert.equal(seen.cancels, [])
})

Stoppable('should refuse a locked source', () => {
  const { stream } = sourceOf([], false)
  stream.getReader()
  assert.equal(stoppable(stream), E.left(lockedSource))
})

Stoppable('should error a read pending on a stalled source with the reason of stop, and cancel the source with it, once', async () => {
  const { stream, seen } = sourceOf([Uint8Array.of(7)], true)
  const { readable, stop } = held(stream)
  const reader = readable.getReader()
  assert.equal(Array.from((await reader.read()).value ?? []), [7])
  const pending = reader.read().then((r) => ({ resolved: r }), (error: unknown) => ({ rejected: error }))
  await new Promise((resolve) => setTimeout(resolve, 10))
  const reason = { _tag: 'Aborted' }
  stop(reason)
  stop({ _tag: 'Later' })
  // Not a normal end: the chunker would take that for a source that ended short.
  assert.equal(await pending, { rejected: reason })
  assert.equal(seen.cancels, [reason], 'the source is cancelled once, with the first reason')
})

Stoppable('should cancel the source when its reader cancels, a turn of the event loop later (not in the tick of a read)', async () => {
  const { stream, seen } = sourceOf([Uint8Array.of(1)], true)
  const { readable } = held(stream)
  await readable.cancel('done with it')
  assert.equal(seen.cancels, [], 'not in the same tick: Node\'s Readable.toWeb throws when a cancel follows a read there')
  await new Promise((resolve) => setTimeout(resolve, 0))
  assert.equal(seen.cancels, ['done with it'])
})

Stoppable.run()
