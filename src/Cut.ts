/**
 * The pure arithmetic of cutting a file into parts, shared by the chunker and the tests: which
 * ranges the parts cover, and how an incoming chunk splits across part boundaries.
 */
import type { PartRange } from './Part.ts'

// ---------------------------------------------------------------------------------------------
// model

/** A piece of an incoming chunk that goes into the current part: `chunk[start, end)`. */
export interface Slice {
  readonly start: number
  readonly end: number
  /** Whether this slice fills the current part up to `partSize`. */
  readonly completes: boolean
}

// ---------------------------------------------------------------------------------------------
// operations

/** Number of parts of a file: `ceil(fileSize / partSize)`, never an empty last part. */
export const partCount = (partSize: number) => (fileSize: number): number => Math.ceil(fileSize / partSize)

/** The range of part `index` of a file. */
export const partRange = (partSize: number, fileSize: number) => (index: number): PartRange => {
  const offset = index * partSize
  const size = Math.min(partSize, fileSize - offset)
  return { index, offset, end: offset + size - 1, size }
}

/** Every part range of a file, in order: the reference slicing the chunker must reproduce. */
export const partRanges = (partSize: number) => (fileSize: number): ReadonlyArray<PartRange> =>
  Array.from({ length: partCount(partSize)(fileSize) }, (_, index) => partRange(partSize, fileSize)(index))

/**
 * How a chunk of `length` bytes splits when `filled` bytes of the current part are already there:
 * one slice per part it touches, in order; every slice but possibly the last completes its part.
 */
export const slices = (partSize: number) => (filled: number, length: number): ReadonlyArray<Slice> => {
  const out: Slice[] = []
  let start = 0
  let room = partSize - filled
  while (start < length) {
    const end = Math.min(length, start + room)
    out.push({ start, end, completes: end - start === room })
    start = end
    room = partSize
  }
  return out
}
