/** The chunker's edge cases, table-driven, with `crypto.subtle` as reference (portable: runs in every runtime). */
import fc from 'fast-check'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { chunker } from '../src/Chunker.ts'
import { partRanges } from '../src/Cut.ts'
import type { Sha1 } from '../src/Sha1.ts'
import { combine, subtleDigest } from '../src/sha1/Sha1.ts'
import { pure, pureStream, subtlePure } from '../src/sha1/pure.ts'
import { bytesOf, chunksOf, counting, run, sourceOf, subtleSha1 } from './helpers/chunking.ts'
import { within } from './helpers/within.ts'

const Chunker = suite('chunker')

/** Checks that the parts are the reference slicing of `data`, with the right hashes and headers. */
const assertCut = async (data: Uint8Array, partSize: number, chunks: ReadonlyArray<Uint8Array>): Promise<void> => {
  const outcome = await run(chunker({ partSize, fileSize: data.length }), chunks)
  assert.is(outcome.error, undefined)
  const expected = await Promise.all(
    partRanges(partSize)(data.length).map(async (r) => ({
      ...r,
      contentRange: `bytes ${r.offset}-${r.end}/${data.length}`,
      sha1: await subtleSha1(data.subarray(r.offset, r.end + 1)),
      bytes: Array.from(data.subarray(r.offset, r.end + 1)),
    })),
  )
  const actual = outcome.parts.map(({ index, offset, end, size, contentRange, sha1, bytes }) => ({
    index, offset, end, size, contentRange, sha1, bytes: Array.from(bytes),
  }))
  assert.equal(actual, expected)
  assert.is(outcome.digest, await subtleSha1(data))
}

const cases: ReadonlyArray<readonly [string, number, number, ReadonlyArray<number>]> = [
  // name, fileSize, partSize, chunk sizes (cycled)
  ['1-byte chunks', 25, 10, [1]],
  ['chunks of 3 over part boundaries', 25, 10, [3]],
  ['exact multiple of the part size, chunks of a part', 30, 10, [10]],
  ['exact multiple of the part size, odd chunks', 30, 10, [7]],
  ['one part smaller than partSize', 5, 10, [2]],
  ['one part exactly partSize', 10, 10, [10]],
  ['last part of 1 byte', 21, 10, [4]],
  ['one chunk spanning many parts', 95, 10, [95]],
  ['one chunk spanning many parts, exact multiple', 100, 10, [100]],
  ['partSize 1', 7, 1, [3]],
  ['mixed sizes with empty chunks', 57, 8, [0, 13, 1, 0, 30, 2]],
]

for (const [name, fileSize, partSize, sizes] of cases)
  Chunker(`should cut ${name} (views with a byteOffset)`, () => {
    const data = bytesOf(fileSize)
    return assertCut(data, partSize, chunksOf(data, sizes))
  })

Chunker('should cut a 3 MiB file into 1 MiB parts (worker-sized parts)', () => {
  const data = bytesOf(3 * 1024 * 1024 + 5)
  return assertCut(data, 1024 * 1024, chunksOf(data, [65536 + 7]))
})

const failures: ReadonlyArray<readonly [string, { partSize: number; fileSize: number }, ReadonlyArray<unknown>, unknown]> = [
  ['too long at the first extra byte', { partSize: 10, fileSize: 20 }, [bytesOf(20), bytesOf(1)],
    { _tag: 'SizeMismatch', expected: 20, actual: 21, reason: 'too_long' }],
  ['too long inside one chunk', { partSize: 10, fileSize: 20 }, [bytesOf(25)],
    { _tag: 'SizeMismatch', expected: 20, actual: 21, reason: 'too_long' }],
  ['too short', { partSize: 10, fileSize: 20 }, [bytesOf(15)], { _tag: 'SizeMismatch', expected: 20, actual: 15, reason: 'too_short' }],
  ['an empty stream', { partSize: 10, fileSize: 20 }, [], { _tag: 'SizeMismatch', expected: 20, actual: 0, reason: 'empty' }],
  ['only empty chunks', { partSize: 10, fileSize: 20 }, [new Uint8Array(0)], { _tag: 'SizeMismatch', expected: 20, actual: 0, reason: 'empty' }],
]

for (const [name, options, chunks, error] of failures)
  Chunker(`should fail on ${name}, and reject digest with the same error`, async () => {
    const outcome = await run(chunker(options), chunks)
    assert.equal(outcome.error, error)
    assert.equal(outcome.digest, { rejected: error })
  })

// Any wrong length, down to a single byte short or long: the table above has one of each, and a
// check off by one (a stream one byte short ending "complete", without its last part) slipped past it.
const wrongLength = fc.record({
  fileSize: fc.integer({ min: 1, max: 300 }),
  partSize: fc.integer({ min: 1, max: 64 }),
  sizes: fc.array(fc.integer({ min: 1, max: 90 }), { minLength: 1, maxLength: 5 }),
}).chain((s) => fc.record({
  s: fc.constant(s),
  length: fc.oneof(fc.integer({ min: 0, max: s.fileSize - 1 }), fc.integer({ min: s.fileSize + 1, max: s.fileSize + 40 }), fc.constantFrom(s.fileSize - 1, s.fileSize + 1)),
}))

Chunker('should fail with SizeMismatch for any stream shorter or longer than fileSize, by any amount, delivering only whole reference parts (fast-check seed 11)', () =>
  fc.assert(
    fc.asyncProperty(wrongLength, async ({ s: { fileSize, partSize, sizes }, length }) => {
      const data = bytesOf(length)
      const outcome = await run(chunker({ partSize, fileSize }), chunksOf(data, sizes))
      const reason = length === 0 ? 'empty' : length < fileSize ? 'too_short' : 'too_long'
      const error = { _tag: 'SizeMismatch', expected: fileSize, actual: length < fileSize ? length : fileSize + 1, reason }
      assert.equal(outcome.error, error)
      assert.equal(outcome.digest, { rejected: error })
      // Parts delivered before the failure is known are whole parts of the reference slicing.
      const reference = partRanges(partSize)(fileSize)
      outcome.parts.forEach((part, i) => {
        const r = reference[i]!
        assert.equal({ index: part.index, offset: part.offset, size: part.size }, { index: r.index, offset: r.offset, size: r.size })
        assert.ok(r.end < length, `part ${i} ends at ${r.end}, past the ${length} bytes the stream had`)
        assert.equal(Array.from(part.bytes), Array.from(data.subarray(r.offset, r.end + 1)))
      })
    }),
    { seed: 11, numRuns: 150 },
  ))

// A whole-file hash fed late (as one on another thread may be): the digest is taken only once the
// last part's bytes are in, not when the source ends.
Chunker('should take the whole-file digest only after the last part was fed, with a hasher that feeds it late', async () => {
  const late = combine({
    implementation: 'pure',
    depth: 2,
    stream: () => {
      const inner = pureStream()
      return { update: (bytes) => new Promise<void>((resolve) => setTimeout(resolve, 5)).then(() => inner.update(bytes)), digest: inner.digest }
    },
    digest: subtleDigest,
  })
  const data = bytesOf(45)
  const outcome = await run(chunker({ partSize: 10, fileSize: 45, sha1: late }), chunksOf(data, [7]))
  assert.is(outcome.error, undefined)
  assert.is(outcome.digest, await subtleSha1(data))
})

Chunker('should not cut any part from a chunk that goes past fileSize', async () => {
  const outcome = await run(chunker({ partSize: 10, fileSize: 20 }), [bytesOf(25)])
  assert.is(outcome.parts.length, 0)
})

const invalid: ReadonlyArray<readonly [string, { partSize: number; fileSize: number }, ReadonlyArray<unknown>]> = [
  ['fileSize 0', { partSize: 10, fileSize: 0 }, [bytesOf(1)]],
  ['a negative fileSize', { partSize: 10, fileSize: -5 }, [bytesOf(1)]],
  ['a fractional fileSize', { partSize: 10, fileSize: 2.5 }, [bytesOf(1)]],
  ['partSize 0', { partSize: 0, fileSize: 10 }, [bytesOf(10)]],
  ['a fractional partSize', { partSize: 1.5, fileSize: 10 }, [bytesOf(10)]],
  ['a NaN partSize', { partSize: NaN, fileSize: 10 }, [bytesOf(10)]],
  // String cannot write an object without a prototype: chunker() threw that TypeError instead.
  ['a partSize object without a prototype', { partSize: Object.create(null) as number, fileSize: 10 }, [bytesOf(10)]],
  ['a fileSize object without a prototype', { partSize: 10, fileSize: Object.create(null) as number }, [bytesOf(10)]],
  ['a string chunk', { partSize: 10, fileSize: 3 }, ['abc']],
  ['an array of numbers', { partSize: 10, fileSize: 3 }, [[1, 2, 3]]],
  ['a Blob chunk', { partSize: 10, fileSize: 3 }, [new Blob(['abc'])]],
  ['a number chunk', { partSize: 10, fileSize: 3 }, [42]],
  ['a null chunk after good ones', { partSize: 2, fileSize: 6 }, [bytesOf(3), null]],
]

for (const [name, options, chunks] of invalid)
  Chunker(`should fail with InvalidInput on ${name}`, async () => {
    const outcome = await run(chunker(options), chunks)
    assert.is((outcome.error as { _tag?: unknown })._tag, 'InvalidInput')
    assert.equal(outcome.digest, { rejected: outcome.error })
  })

Chunker('should take an ArrayBuffer or any ArrayBuffer view as its bytes, the same parts as from Uint8Arrays', async () => {
  // Node 20's FileHandle.readableWebStream() yields ArrayBuffers; views start inside larger buffers here.
  const data = bytesOf(37)
  const within = (from: number, to: number): ArrayBuffer => {
    const buffer = new ArrayBuffer(to - from + 8)
    new Uint8Array(buffer, 4, to - from).set(data.subarray(from, to))
    return buffer
  }
  const chunks = [
    data.slice(0, 5).buffer,
    new DataView(within(5, 12), 4, 7),
    new Uint16Array(within(12, 20), 4, 4),
    new Int8Array(within(20, 25), 4, 5),
    new Float64Array(data.slice(25, 33).buffer),
    data.slice(33),
  ]
  const reference = await run(chunker({ partSize: 10, fileSize: 37 }), [data])
  const outcome = await run(chunker({ partSize: 10, fileSize: 37 }), chunks)
  assert.is(outcome.error, undefined)
  assert.equal(outcome.parts.map((p) => [p.offset, Array.from(p.bytes), p.sha1]), reference.parts.map((p) => [p.offset, Array.from(p.bytes), p.sha1]))
  assert.is(outcome.digest, reference.digest)
})

// README: each byte is copied once, into a pooled part buffer, and no view of the caller's chunks is kept, so a source
// may reuse its chunks' memory once they are read; also a chunk that is exactly one part, which a part could have
// been a view of to save the copy.
Chunker('should keep no view of the chunks it was given: overwriting them afterwards changes no part', async () => {
  const data = bytesOf(40)
  const chunks = chunksOf(data, [10, 7, 3, 20])
  const outcome = await run(chunker({ partSize: 10, fileSize: 40 }), chunks)
  assert.is(outcome.error, undefined)
  for (const chunk of chunks) chunk.fill(0xff)
  assert.equal(outcome.parts.map((part) => Array.from(part.bytes)), partRanges(10)(40).map((r) => Array.from(data.subarray(r.offset, r.end + 1))))
  assert.ok(outcome.parts.every((part) => chunks.every((chunk) => chunk.buffer !== part.bytes.buffer)), 'a part is a view of a chunk\'s memory')
})

Chunker('should not crash the process when nobody awaits a rejected digest', async () => {
  chunker({ partSize: 0, fileSize: 1 })
  const c = chunker({ partSize: 10, fileSize: 20 })
  await (sourceOf([bytesOf(3)]) as ReadableStream<Uint8Array>).pipeTo(c.writable).catch(() => undefined)
  await new Promise((resolve) => setTimeout(resolve, 10))
})

Chunker('should reject digest with Aborted when the reader cancels', async () => {
  const c = chunker({ partSize: 10, fileSize: 30 })
  const reader = (sourceOf([bytesOf(30)]) as ReadableStream<Uint8Array>).pipeThrough(c).getReader()
  await reader.read()
  await reader.cancel('stop')
  assert.equal(await c.digest.catch((e: unknown) => e), { _tag: 'Aborted', reason: 'stop' })
})

// A reader that stops (a part's upload failed, a `break` out of `for await`) cancels the chunker's readable. A
// TransformStream's pipe then cancels the source at once; the chunker's did not while the source was stalled
// (a network body waiting for its sender, a Worker's request.body): the pipe waited on its read for ever,
// holding the source (its connection, its file) though nobody would read another part.
Chunker('should cancel a stalled source when the reader cancels, as a TransformStream does', async () => {
  let cancelled: unknown
  let pulls = 0
  const source = new ReadableStream<Uint8Array>({
    pull: (controller) => (++pulls === 1 ? controller.enqueue(bytesOf(10)) : new Promise<void>(() => undefined)),
    cancel: (reason) => { cancelled = reason },
  }, { highWaterMark: 0 })
  const c = chunker({ partSize: 10, fileSize: 30 })
  const reader = source.pipeThrough(c).getReader()
  assert.is((await reader.read()).value?.index, 0)
  await reader.cancel('stop')
  await new Promise((resolve) => setTimeout(resolve, 20))
  assert.equal(cancelled, { _tag: 'Aborted', reason: 'stop' })
  assert.equal(await c.digest.catch((e: unknown) => e), { _tag: 'Aborted', reason: 'stop' })
})

Chunker('should keep an error value the reader cancels with, as is', async () => {
  const c = chunker({ partSize: 10, fileSize: 30 })
  const reader = (sourceOf([bytesOf(30)]) as ReadableStream<Uint8Array>).pipeThrough(c).getReader()
  await reader.read()
  const error = { _tag: 'HttpError', status: 500, method: 'PUT', url: 'https://upload.box.com/api/2.0/files/upload_sessions/1' }
  await reader.cancel(error)
  assert.is(await c.digest.catch((e: unknown) => e), error)
})

Chunker('should error the parts and digest with the reason of a failing source', async () => {
  const c = chunker({ partSize: 10, fileSize: 30 })
  const source = new ReadableStream<Uint8Array>({ pull: (controller) => controller.error('disk gone') })
  const reader = source.pipeThrough(c).getReader()
  assert.is(await reader.read().catch((e: unknown) => e), 'disk gone')
  assert.is(await c.digest.catch((e: unknown) => e), 'disk gone')
})

/**
 * What a source that answers at once had given when each turn of the event loop came (a `setImmediate`
 * chain, which runs in the same phase as the chunker's turns), in bytes and in chunks, while the chunker
 * cuts `fileSize` bytes into 4 MiB parts with a SHA-1 that answers at once too (`pure`): nothing else
 * makes the pipe leave its microtasks. `chunks` gives the chunk sizes in turn (0: an empty chunk).
 */
const betweenTurns = async (fileSize: number, chunks: ReadonlyArray<number>): Promise<{ readonly bytes: number[]; readonly chunks: number[] }> => {
  let pulled = 0
  let pulls = 0
  const source = new ReadableStream<Uint8Array>({
    pull: (controller) => {
      if (pulled >= fileSize) return controller.close()
      const size = Math.min(chunks[pulls++ % chunks.length]!, fileSize - pulled)
      controller.enqueue(new Uint8Array(size).fill(pulled / 1048576))
      pulled += size
    },
  }, { highWaterMark: 0 })
  const gaps = { bytes: [] as number[], chunks: [] as number[] }
  let seen = { pulled: 0, pulls: 0 }
  let done = false
  const tick = (): void => {
    gaps.bytes.push(pulled - seen.pulled)
    gaps.chunks.push(pulls - seen.pulls)
    seen = { pulled, pulls }
    if (!done) setImmediate(tick)
  }
  setImmediate(tick)
  const c = chunker({ partSize: 4 * 1048576, fileSize, sha1: pure })
  for await (const part of source.pipeThrough(c)) part.release()
  await c.digest
  done = true
  tick()
  return gaps
}

const hasImmediate = typeof (globalThis as { setImmediate?: unknown }).setImmediate === 'function'

Chunker(`should let the event loop turn every 1 MiB copied from a source that answers at once (${hasImmediate ? 'setImmediate' : 'no setImmediate here: not checked'})`, async () => {
  if (!hasImmediate) return
  const { bytes } = await betweenTurns(16 * 1048576, [1048576])
  const moving = bytes.filter((gap) => gap > 0).map((gap) => gap / 1048576)
  // 1 MiB between turns, plus the chunks the pipe reads ahead of the copy.
  assert.ok(Math.max(...bytes) <= 3 * 1024 * 1024, `MiB copied between turns (turns without copying left out): ${moving.join(' ')}`)
})

// A CSV written row by row, in memory: 1 MiB of 16-byte chunks and empty ones in turn reaches 1 MiB copied only at
// its end, and its 131,072 chunks held the loop for ~0.5 s (~4 µs each); each chunk now counts 1 KiB more.
Chunker(`should let the event loop turn every ~1,000 chunks of a source of tiny chunks that answers at once (${hasImmediate ? 'setImmediate' : 'not checked here'})`, async () => {
  if (!hasImmediate) return
  const { chunks } = await betweenTurns(1048576, [16, 0])
  assert.ok(Math.max(...chunks) <= 1500, `chunks read between turns: ${chunks.filter((gap) => gap > 0).join(' ')}`)
})

/** `pure`, except that `failing` decides how its calls fail: part `n` (from 0), or the whole-file digest. */
const brokenAt = (failing: { readonly part?: number; readonly digest?: true; readonly throws?: true }): Sha1 => ({
  ...pure,
  file: () => {
    const file = pure.file()
    let n = 0
    const broken = (): Promise<never> => {
      if (failing.throws === true) throw new Error('hasher bug')
      return Promise.reject(new Error('worker gone'))
    }
    return {
      part: (bytes) => (n++ === failing.part ? broken() : file.part(bytes)),
      digest: () => (failing.digest === true ? broken() : file.digest()),
    }
  },
})

const hashFailures: ReadonlyArray<readonly [string, Parameters<typeof brokenAt>[0], string]> = [
  ['a part\'s hash rejects', { part: 1 }, 'worker gone'],
  ['a part\'s hash throws', { part: 0, throws: true }, 'hasher bug'],
  ['the whole-file digest rejects', { digest: true }, 'worker gone'],
]

for (const [name, failing, cause] of hashFailures) {
  Chunker(`should fail with a HashError keeping the cause, not blame the source, when ${name}`, async () => {
    const outcome = await run(chunker({ partSize: 10, fileSize: 30, sha1: brokenAt(failing) }), chunksOf(bytesOf(30), [7]))
    assert.ok(outcome.error !== undefined, `no error; ${outcome.parts.length} parts`)
    const error = outcome.error as { _tag?: string; cause?: unknown }
    assert.is(error._tag, 'HashError')
    assert.is((error.cause as Error).message, cause)
    assert.equal(outcome.digest, { rejected: outcome.error })
    assert.ok(outcome.parts.length <= (failing.part ?? 3), `${outcome.parts.length} parts: none from the failure on`)
  })
}

Chunker('should not pull the source far ahead of a slow reader, even with a deep hasher', async () => {
  const partSize = 64
  const sha1 = counting({ ...subtlePure, depth: 4 })
  let pulled = 0
  const chunks = Array.from({ length: 100 }, () => bytesOf(16))
  const c = chunker({ partSize, fileSize: 1600, sha1 })
  const reader = (sourceOf(chunks, (i) => (pulled = i)) as ReadableStream<Uint8Array>).pipeThrough(c).getReader()
  await reader.read()
  await new Promise((resolve) => setTimeout(resolve, 20))
  // one part read, at most `depth` cut ahead while the reader waited, plus a chunk or two queued in the pipe
  assert.ok(sha1.cut() <= 1 + sha1.depth, `cut ${sha1.cut()} parts`)
  assert.ok(pulled * 16 <= (2 + sha1.depth) * partSize + 2 * 16, `pulled ${pulled} chunks`)
  await reader.cancel()
})

Chunker('should cut no more parts ahead of a waiting reader than its ahead() allows', async () => {
  /** Hashes each part 30 ms late, so the chunker cuts ahead while the reader waits for the first. */
  const slow = (sha1: Sha1): Sha1 => ({
    ...sha1,
    file: () => {
      const file = sha1.file()
      return { ...file, part: (bytes) => new Promise((resolve) => setTimeout(resolve, 30)).then(() => file.part(bytes)) }
    },
  })
  const cutWhileWaiting = async (ahead?: () => number): Promise<number> => {
    const sha1 = counting(slow({ ...subtlePure, depth: 4 }))
    const c = chunker({ partSize: 10, fileSize: 1000, sha1, ahead })
    const reader = (sourceOf([bytesOf(1000)]) as ReadableStream<Uint8Array>).pipeThrough(c).getReader()
    const first = reader.read()
    await new Promise((resolve) => setTimeout(resolve, 15))
    const cut = sha1.cut()
    await first
    await reader.cancel()
    return cut
  }
  assert.is(await cutWhileWaiting(), 1 + 4, 'the part awaited and depth 4 ahead')
  assert.is(await cutWhileWaiting(() => 2), 1 + 2)
  assert.is(await cutWhileWaiting(() => 0), 1 + 1, 'at least one ahead')
  assert.is(await cutWhileWaiting(() => 9), 1 + 4, 'never more than the depth')
})

// The option's doc says "at least 1" and Math.max(1, …) makes 0 and -1 one: NaN (a count of free slots
// computed from an undefined maximum) and undefined went through it, and the chunker stopped after one part.
Chunker('should cut every part when ahead() gives no number (NaN, undefined), as it does for 0', async () => {
  const data = bytesOf(5000)
  for (const ahead of [() => 0, () => Number.NaN, () => undefined as unknown as number]) {
    const outcome = await within(2000, `ahead ${String(ahead())}`, run(chunker({ partSize: 1024, fileSize: data.length, ahead }), [data]))
    assert.is(outcome.error, undefined)
    assert.is(outcome.parts.length, 5, `ahead ${String(ahead())}`)
  }
})

// The README invites `sha1: { ...defaultSha1, depth: 3 }`; a depth of 0 ("cut nothing ahead") or one that is no
// number (read from an environment variable) left room for no part while the reader waited: after the first
// part the reader waited for a part and the writer for room, for ever, with no error (upload was spared: it
// always passes ahead(), which the same Math.max(1, ...) already guarded).
Chunker('should cut every part with a sha1 whose depth is 0 or no number, without ahead(), as with depth 1', async () => {
  const data = bytesOf(5000)
  for (const depth of [0, -1, Number.NaN]) {
    const outcome = await within(2000, `depth ${depth}`, run(chunker({ partSize: 1024, fileSize: data.length, sha1: { ...subtlePure, depth } }), [data]))
    assert.is(outcome.error, undefined)
    assert.is(outcome.parts.length, 5, `depth ${depth}`)
    assert.is(outcome.digest, await subtleSha1(data))
  }
})

Chunker('should not cut a huge chunk into more parts than the reader asked for', async () => {
  const sha1 = counting({ ...subtlePure, depth: 4 })
  const c = chunker({ partSize: 10, fileSize: 1000, sha1 })
  const reader = (sourceOf([bytesOf(1000)]) as ReadableStream<Uint8Array>).pipeThrough(c).getReader()
  await reader.read()
  await new Promise((resolve) => setTimeout(resolve, 20))
  assert.ok(sha1.cut() <= 1 + sha1.depth, `cut ${sha1.cut()} parts`)
  await reader.cancel()
})

Chunker('should keep one part ahead of a reader that is not waiting, whatever the depth', async () => {
  const sha1 = counting({ ...pure, depth: 4 })
  const c = chunker({ partSize: 64, fileSize: 64 * 20, sha1 })
  const reader = (sourceOf(Array.from({ length: 80 }, () => bytesOf(16))) as ReadableStream<Uint8Array>).pipeThrough(c).getReader()
  for (let read = 1; read <= 5; read++) {
    await reader.read()
    await new Promise((resolve) => setTimeout(resolve, 10))
    assert.ok(sha1.cut() <= read + 1, `${read} read, ${sha1.cut()} cut`)
  }
  await reader.cancel()
})

// Releasing twice must not put the buffer in the pool twice: two later parts would then share it,
// and the second would overwrite the first while it is still held. Enough parts follow to use both.
Chunker('should reuse a released part buffer, and never share an unreleased one, even when released twice', async () => {
  const data = bytesOf(60)
  const c = chunker({ partSize: 10, fileSize: 60, sha1: pure })
  const reader = (sourceOf([data]) as ReadableStream<Uint8Array>).pipeThrough(c).getReader()
  const p0 = (await reader.read()).value!
  const p1 = (await reader.read()).value!
  assert.is.not(p0.bytes.buffer, p1.bytes.buffer)
  const buffer0 = p0.bytes.buffer
  p0.release()
  p0.release()
  const held = [p1]
  for (let i = 2; i < 6; i++) held.push((await reader.read()).value!)
  assert.ok(held.some((part) => part.bytes.buffer === buffer0), 'a later part reuses the released buffer')
  assert.is(new Set(held.map((part) => part.bytes.buffer)).size, held.length, 'parts still held share no buffer')
  for (const part of held) assert.equal(Array.from(part.bytes), Array.from(data.subarray(part.offset, part.end + 1)), `part ${part.index}`)
})

Chunker.run()
