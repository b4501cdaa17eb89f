/**
 * `Content-Range: bytes <first>-<last>/<total>` of a part upload (protocol §3.4, §6.3): parsing and
 * checking against the session's part layout. Pure functions, unit-tested in
 * `test/emulator-units/ContentRange.test.ts`.
 */

/** A parsed range: inclusive `first`..`last`, and the declared `total`. */
export interface ContentRange {
  readonly first: number
  readonly last: number
  readonly total: number
}

/** Why a range is refused (each becomes a 416 answer, see `Parts.ts`). */
export type RangeProblem =
  | { readonly _tag: 'Missing' }
  | { readonly _tag: 'Malformed'; readonly value: string }
  | { readonly _tag: 'WrongTotal'; readonly total: number; readonly fileSize: number }
  | { readonly _tag: 'Empty' }
  | { readonly _tag: 'PastEnd'; readonly last: number; readonly fileSize: number }
  | { readonly _tag: 'Misaligned'; readonly first: number; readonly partSize: number }
  | { readonly _tag: 'WrongLength'; readonly length: number; readonly expected: number }

/** The part layout of a session. */
export interface Layout {
  readonly fileSize: number
  readonly partSize: number
}

const PATTERN = /^bytes (\d{1,16})-(\d{1,16})\/(\d{1,16})$/i

/** Parses a `Content-Range` header value (`undefined`/`null` when absent). */
export const parse = (value: string | null | undefined): ContentRange | RangeProblem => {
  if (value === null || value === undefined) return { _tag: 'Missing' }
  const m = PATTERN.exec(value.trim())
  if (!m) return { _tag: 'Malformed', value: value.slice(0, 100) }
  const first = Number(m[1]), last = Number(m[2]), total = Number(m[3])
  if (last + 1 === first) return { _tag: 'Empty' }
  if (last < first) return { _tag: 'Malformed', value }
  return { first, last, total }
}

/** Whether a parse result is a problem. */
export const isProblem = (r: ContentRange | RangeProblem): r is RangeProblem => '_tag' in r

/** Expected length of the part that starts at `first`. */
export const expectedLength = (layout: Layout, first: number): number =>
  Math.min(layout.partSize, layout.fileSize - first)

/** Checks a parsed range against the session layout: total, bounds, alignment, exact part length. */
export const check = (layout: Layout) => (range: ContentRange): ContentRange | RangeProblem => {
  if (range.total !== layout.fileSize) return { _tag: 'WrongTotal', total: range.total, fileSize: layout.fileSize }
  if (range.last >= layout.fileSize) return { _tag: 'PastEnd', last: range.last, fileSize: layout.fileSize }
  if (range.first % layout.partSize !== 0) return { _tag: 'Misaligned', first: range.first, partSize: layout.partSize }
  const length = range.last - range.first + 1
  const expected = expectedLength(layout, range.first)
  if (length !== expected) return { _tag: 'WrongLength', length, expected }
  return range
}

/** A message a person can act on. */
export const describe = (p: RangeProblem): string => {
  switch (p._tag) {
    case 'Missing': return 'Content-Range header is required: "bytes <first>-<last>/<file_size>"'
    case 'Malformed': return `Content-Range "${p.value}" is not of the form "bytes <first>-<last>/<file_size>"`
    case 'WrongTotal': return `Content-Range total ${p.total} differs from the session's file_size ${p.fileSize}`
    case 'Empty': return 'A part must not be empty (0 bytes)'
    case 'PastEnd': return `Content-Range ends at byte ${p.last}, past the end of the file (file_size ${p.fileSize})`
    case 'Misaligned': return `Content-Range starts at ${p.first}, which is not a multiple of part_size ${p.partSize}`
    case 'WrongLength': return `Part has ${p.length} bytes; the part at this offset must have exactly ${p.expected}`
  }
}
