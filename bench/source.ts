/** The benchmark's input: a pre-generated random buffer, served as zero-copy views of random sizes. */
import { randomFillSync } from 'node:crypto'

export const MiB = 1024 * 1024

/** Chunk boundaries of `total` bytes, sizes uniform in [min, max], from a seeded PRNG (same for every run). */
export const chunkPlan = (total: number, min = 1024, max = 128 * 1024, seed = 42): Uint32Array => {
  let s = seed >>> 0
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0), s / 2 ** 32)
  const sizes: number[] = []
  for (let left = total; left > 0; ) {
    const size = Math.min(left, min + Math.floor(next() * (max - min + 1)))
    sizes.push(size)
    left -= size
  }
  return Uint32Array.from(sizes)
}

/** Random bytes the views are taken from; chunks wrap around it. */
export const randomBuffer = (size: number): Uint8Array<ArrayBuffer> => randomFillSync(new Uint8Array(size))

/** Calls `f` on each chunk of the plan, as views into `buffer`. */
export const eachChunk = (buffer: Uint8Array, plan: Uint32Array, f: (chunk: Uint8Array) => void): void => {
  let at = 0
  for (const size of plan) {
    if (at + size > buffer.length) at = 0
    f(buffer.subarray(at, at + size))
    at += size
  }
}

/** A pull-based ReadableStream of the plan's chunks, as views into `buffer` (no copy). */
export const sourceStream = (buffer: Uint8Array, plan: Uint32Array): ReadableStream<Uint8Array> => {
  let i = 0
  let at = 0
  return new ReadableStream<Uint8Array>(
    {
      pull: (controller) => {
        const size = plan[i++]
        if (size === undefined) return controller.close()
        if (at + size > buffer.length) at = 0
        controller.enqueue(buffer.subarray(at, at + size))
        at += size
      },
    },
    { highWaterMark: 0 },
  )
}
