/**
 * Reads a part body of a known length into its chunks (no copy: with the Node adapter each chunk
 * is a fresh socket buffer). Stops reading as soon as the body is longer than declared (the rest is
 * never buffered), and can stop half-way for the `reset` fault.
 */
import { readBounded, type Bounded } from './Http.ts'

/** The outcome of reading a part body. */
export type PartBody =
  | Extract<Bounded, { readonly _tag: 'Read' | 'Stopped' }>
  | { readonly _tag: 'WrongLength'; readonly received: number; readonly tooLong: boolean }

/** Reads exactly `expected` bytes; `stopAfter` (bytes) ends the read early with `Stopped`. */
export const readPart = async (
  body: ReadableStream<Uint8Array> | null,
  expected: number,
  stopAfter = Infinity,
): Promise<PartBody> => {
  if (!body) return { _tag: 'WrongLength', received: 0, tooLong: false }
  const read = await readBounded(body, expected, stopAfter)
  if (read._tag === 'TooLong') return { _tag: 'WrongLength', received: read.received, tooLong: true }
  if (read._tag === 'Read' && read.length !== expected) return { _tag: 'WrongLength', received: read.length, tooLong: false }
  return read
}
