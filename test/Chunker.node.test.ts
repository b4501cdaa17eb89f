/** Chunker properties against node:crypto: any file size, part size and chunking gives the reference slicing. */
import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { type Chunker as ChunkerType, type ChunkerOptions, type PlainChunkerOptions, chunker } from '../src/Chunker.ts'
import { partRanges } from '../src/Cut.ts'
import { defaultSha1, type Sha1 } from '../src/Sha1.ts'
import { sha1 as hashWasm } from '../src/sha1/hashWasm.ts'
import { nodeCrypto, subtleNodeCrypto } from '../src/sha1/nodeCrypto.node.ts'
import { pure } from '../src/sha1/pure.ts'
import { run } from './helpers/chunking.ts'
import { retainedArrayBuffers } from './helpers/memory.ts'

const Chunker = suite('chunker (node:crypto reference)')

const sha1Of = (bytes: Uint8Array): string => createHash('sha1').update(bytes).digest('base64')

/** A file, a part size, and a chunking of the file into views with random byteOffsets. */
const scenario = (maxFile: number, maxPart: number) =>
  fc
    .record({
      data: fc.uint8Array({ minLength: 1, maxLength: maxFile }),
      partSize: fc.integer({ min: 1, max: maxPart }),
      sizes: fc.array(fc.integer({ min: 0, max: maxFile }), { minLength: 1, maxLength: 8 }),
      padding: fc.integer({ min: 0, max: 9 }),
    })
    .map(({ data, partSize, sizes, padding }) => {
      const chunks: Uint8Array[] = []
      for (let at = 0, k = 0; at < data.length; k++) {
        const size = Math.min(sizes[k % sizes.length]! || (k % 3), data.length - at)
        const big = new Uint8Array(size + 2 * padding)
        big.set(data.subarray(at, at + size), padding)
        chunks.push(big.subarray(padding, padding + size))
        at += size
      }
      return { data, partSize, chunks }
    })

const property = (impl: Sha1, maxFile: number, maxPart: number) => (): Promise<void> =>
  fc.assert(
    fc.asyncProperty(scenario(maxFile, maxPart), async ({ data, partSize, chunks }) => {
      const outcome = await run(chunker({ partSize, fileSize: data.length, sha1: impl }), chunks)
      assert.is(outcome.error, undefined)
      const expected = partRanges(partSize)(data.length).map((r) => {
        const bytes = data.subarray(r.offset, r.end + 1)
        return { ...r, bytes: Buffer.from(bytes).toString('hex'), sha1: sha1Of(bytes), sha1Hex: createHash('sha1').update(bytes).digest('hex') }
      })
      const actual = outcome.parts.map(({ index, offset, end, size, bytes, sha1, sha1Hex, contentRange }) => {
        assert.is(contentRange, `bytes ${offset}-${end}/${data.length}`)
        return { index, offset, end, size, bytes: Buffer.from(bytes).toString('hex'), sha1, sha1Hex }
      })
      assert.equal(actual, expected)
      assert.is(outcome.digest, sha1Of(data))
    }),
    { seed: 7, numRuns: 60 },
  )

for (const impl of [defaultSha1, nodeCrypto, subtleNodeCrypto, hashWasm, pure])
  Chunker(`should cut like the reference slicing, any chunking (${impl.implementation}, fast-check seed 7)`, property(impl, 2000, 300))

Chunker(`should cut MiB-sized parts like the reference (${defaultSha1.implementation}, fast-check seed 7)`,
  () => fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 4 * 1024 * 1024 }), fc.integer({ min: 1024 * 1024, max: 2 * 1024 * 1024 }), async (fileSize, partSize) => {
      const data = new Uint8Array(fileSize).map((_, i) => (i * 31) >>> 3)
      const chunks = Array.from({ length: Math.ceil(fileSize / 100_000) }, (_, k) => data.subarray(k * 100_000, (k + 1) * 100_000))
      const outcome = await run(chunker({ partSize, fileSize, sha1: defaultSha1 }), chunks)
      assert.equal(outcome.parts.map((p) => p.sha1), partRanges(partSize)(fileSize).map((r) => sha1Of(data.subarray(r.offset, r.end + 1))))
      assert.ok(outcome.parts.every((p) => p.bytes.buffer instanceof ArrayBuffer), 'plain buffers unless shared memory is asked for')
      assert.is(outcome.digest, sha1Of(data))
    }),
    { seed: 7, numRuns: 6 },
  ))

Chunker(`should cut into shared memory with shared: true, bytes and digests like the reference (${defaultSha1.implementation}, fast-check seed 8)`,
  () => fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 4 * 1024 * 1024 }), fc.integer({ min: 1024 * 1024 - 10, max: 2 * 1024 * 1024 }), async (fileSize, partSize) => {
      const data = new Uint8Array(fileSize).map((_, i) => (i * 29) >>> 2)
      const chunks = Array.from({ length: Math.ceil(fileSize / 70_001) }, (_, k) => data.subarray(k * 70_001, (k + 1) * 70_001))
      const outcome = await run(chunker({ partSize, fileSize, sha1: defaultSha1, shared: true }), chunks)
      assert.is(outcome.error, undefined)
      const ranges = partRanges(partSize)(fileSize)
      assert.equal(outcome.parts.map((p) => p.sha1), ranges.map((r) => sha1Of(data.subarray(r.offset, r.end + 1))))
      outcome.parts.forEach((p, k) => {
        assert.ok(Buffer.from(p.bytes).equals(data.subarray(ranges[k]!.offset, ranges[k]!.end + 1)), `part ${k} bytes`)
        // Buffers of 1 MiB and more are shared; smaller ones are hashed on this thread, in plain memory.
        assert.is(p.bytes.buffer instanceof SharedArrayBuffer, Math.min(partSize, fileSize) >= 1024 * 1024, `part ${k} buffer kind`)
      })
      assert.is(outcome.digest, sha1Of(data))
    }),
    { seed: 8, numRuns: 8 },
  ))

const pushReleasing = async (sha1: Sha1, onPart: () => unknown) => {
  const partSize = 1024 * 1024
  const data = new Uint8Array(16 * partSize).map((_, i) => i >>> 9)
  const c = chunker({ partSize, fileSize: data.length, sha1 })
  const buffers = new Set<ArrayBufferLike>()
  const chunks = Array.from({ length: 256 }, (_, k) => data.subarray(k * 65536, (k + 1) * 65536))
  const source = new ReadableStream<Uint8Array>({ pull: (ctl) => { const next = chunks.shift(); next ? ctl.enqueue(next) : ctl.close() } }, { highWaterMark: 0 })
  const reader = source.pipeThrough(c).getReader()
  let count = 0
  for (let r = await reader.read(); !r.done; r = await reader.read(), count++) {
    buffers.add(r.value.bytes.buffer)
    await onPart()
    r.value.release()
  }
  assert.is(count, 16)
  assert.is(await c.digest, sha1Of(data))
  return buffers
}

Chunker('should reuse released buffers: at most depth + 2 allocated (node:crypto)', async () => {
  const buffers = await pushReleasing(nodeCrypto, () => undefined)
  assert.ok(buffers.size <= nodeCrypto.depth + 2, `${buffers.size} buffers`)
})

// Live memory, after full collections: a buffer moved to a hashing thread and back is a new ArrayBuffer each time,
// and the ones left behind count until a collection, whose timing (other test files' garbage in the same process)
// once took a fresh clone's run to 35 MiB with nothing held.
Chunker(`should keep ArrayBuffer memory within a few parts (${defaultSha1.implementation})`, async () => {
  const before = await retainedArrayBuffers()
  let peak = 0
  await pushReleasing(defaultSha1, async () => (peak = Math.max(peak, (await retainedArrayBuffers()) - before)))
  // 16 MiB of input is allocated inside; the parts themselves must stay within (depth + 2) MiB
  assert.ok(peak <= (16 + defaultSha1.depth + 3) * 1024 * 1024, `peak ${(peak / 1048576).toFixed(1)} MiB`)
})

Chunker('should type the parts of a chunker whose shared flag is known only at run time as possibly shared memory', async () => {
  const shared = process.env['NEVER_SET_BY_ANYONE'] === undefined
  // @ts-expect-error a flag known only at run time may give views of a SharedArrayBuffer, which a plain Chunker's type rules out
  const plain: ChunkerType<ArrayBuffer> = chunker({ partSize: 2 * 1024 * 1024, fileSize: 3 * 1024 * 1024, shared })
  const outcome = await run(plain as ChunkerType<ArrayBufferLike>, [new Uint8Array(3 * 1024 * 1024)])
  assert.ok(outcome.parts.some((part) => part.bytes.buffer instanceof SharedArrayBuffer), 'under Node, shared: true gives shared memory')
  const unshared: ChunkerType<ArrayBuffer> = chunker({ partSize: 4, fileSize: 8, shared: false })
  assert.ok(unshared.readable instanceof ReadableStream)
  // Options kept in a variable: typed PlainChunkerOptions, they give plain parts; typed ChunkerOptions, they may not.
  const plainOptions: PlainChunkerOptions = { partSize: 4, fileSize: 8 }
  const fromPlain: ChunkerType<ArrayBuffer> = chunker(plainOptions)
  const anyOptions: ChunkerOptions = plainOptions
  // @ts-expect-error a ChunkerOptions value's shared is a boolean: its parts may be shared memory
  const fromAny: ChunkerType<ArrayBuffer> = chunker(anyOptions)
  assert.ok(fromPlain.readable instanceof ReadableStream && fromAny.readable instanceof ReadableStream)
})

Chunker.run()
