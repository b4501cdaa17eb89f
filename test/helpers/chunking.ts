/**
 * Helpers for the chunker and SHA-1 tests (portable: web APIs only). Named so uvu does not run it.
 */
import type { Chunker } from '../../src/Chunker.ts'
import type { Part } from '../../src/Part.ts'
import type { Sha1 } from '../../src/Sha1.ts'

/** What a chunker produced from some chunks: parts read before the end, and how it ended. */
export interface Outcome<Buffer extends ArrayBufferLike = ArrayBuffer> {
  readonly parts: ReadonlyArray<Part<Buffer>>
  /** The reason the readable errored, if it did. */
  readonly error?: unknown
  /** The whole-file digest, or `{ rejected: reason }`. */
  readonly digest: string | { readonly rejected: unknown }
}

/** A pull-based source of the given chunks (anything, to test bad chunks). */
export const sourceOf = (chunks: ReadonlyArray<unknown>, onPull: (index: number) => void = () => undefined): ReadableStream<unknown> => {
  let i = 0
  return new ReadableStream<unknown>(
    {
      pull: (controller) => {
        onPull(i)
        if (i < chunks.length) controller.enqueue(chunks[i++])
        else controller.close()
      },
    },
    { highWaterMark: 0 },
  )
}

/** Pushes `chunks` through `chunker` and reads every part (without releasing them). */
export const run = async <Buffer extends ArrayBufferLike = ArrayBuffer>(chunker: Chunker<Buffer>, chunks: ReadonlyArray<unknown>): Promise<Outcome<Buffer>> => {
  const reader = (sourceOf(chunks) as ReadableStream<Uint8Array>).pipeThrough(chunker).getReader()
  const parts: Part<Buffer>[] = []
  let error: unknown
  try {
    for (let r = await reader.read(); !r.done; r = await reader.read()) parts.push(r.value)
  } catch (e) {
    error = e
  }
  const digest = await chunker.digest.then(
    (d) => d,
    (rejected: unknown) => ({ rejected }),
  )
  return error === undefined ? { parts, digest } : { parts, error, digest }
}

/** `length` bytes of a fixed pseudo-random pattern. */
export const bytesOf = (length: number, seed = 1): Uint8Array<ArrayBuffer> => {
  let s = seed
  return Uint8Array.from({ length }, () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0), s >>> 24))
}

/** Splits `data` into chunks of the given sizes (cycled), each a view with a byteOffset into a larger buffer. */
export const chunksOf = (data: Uint8Array, sizes: ReadonlyArray<number>, padding = 3): Uint8Array[] => {
  const chunks: Uint8Array[] = []
  for (let at = 0, k = 0; at < data.length; k++) {
    const size = Math.min(sizes[k % sizes.length]!, data.length - at)
    const big = new Uint8Array(size + 2 * padding).fill(0xee)
    big.set(data.subarray(at, at + size), padding)
    chunks.push(big.subarray(padding, padding + size))
    at += size
  }
  return chunks
}

/** Base64 SHA-1 with `crypto.subtle` (the reference the portable tests compare with). */
export const subtleSha1 = async (bytes: Uint8Array): Promise<string> =>
  btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.digest('SHA-1', bytes.slice()))))

/** Wraps a SHA-1 to count how many parts were handed to it (how far the chunker cut ahead). */
export const counting = (sha1: Sha1): Sha1 & { readonly cut: () => number } => {
  let cut = 0
  return {
    ...sha1,
    cut: () => cut,
    file: () => {
      const file = sha1.file()
      return { ...file, part: (bytes) => (cut++, file.part(bytes)) }
    },
  }
}
