import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { check, describe, parse, type ContentRange, type RangeProblem } from '../../src/emulator/ContentRange.ts'

const Parse = suite('ContentRange.parse')

const parses: ReadonlyArray<readonly [string | null, ContentRange | RangeProblem]> = [
  ['bytes 0-8388607/32127641', { first: 0, last: 8388607, total: 32127641 }],
  ['BYTES 5-9/10', { first: 5, last: 9, total: 10 }],
  [' bytes 0-0/1 ', { first: 0, last: 0, total: 1 }],
  [null, { _tag: 'Missing' }],
  ['8388608-16777215/445856194', { _tag: 'Malformed', value: '8388608-16777215/445856194' }],
  ['bytes 0-9/*', { _tag: 'Malformed', value: 'bytes 0-9/*' }],
  ['bytes -1-9/10', { _tag: 'Malformed', value: 'bytes -1-9/10' }],
  ['bytes 5-4/10', { _tag: 'Empty' }],
  ['bytes 9-2/10', { _tag: 'Malformed', value: 'bytes 9-2/10' }],
]

for (const [value, expected] of parses) {
  Parse(`should read ${JSON.stringify(value)}`, () => assert.equal(parse(value), expected))
}

const Check = suite('ContentRange.check')
const layout = { fileSize: 25, partSize: 10 }

const checks: ReadonlyArray<readonly [ContentRange, ContentRange | RangeProblem]> = [
  [{ first: 0, last: 9, total: 25 }, { first: 0, last: 9, total: 25 }],
  [{ first: 20, last: 24, total: 25 }, { first: 20, last: 24, total: 25 }],
  [{ first: 0, last: 9, total: 26 }, { _tag: 'WrongTotal', total: 26, fileSize: 25 }],
  [{ first: 20, last: 29, total: 25 }, { _tag: 'PastEnd', last: 29, fileSize: 25 }],
  [{ first: 5, last: 14, total: 25 }, { _tag: 'Misaligned', first: 5, partSize: 10 }],
  [{ first: 10, last: 18, total: 25 }, { _tag: 'WrongLength', length: 9, expected: 10 }],
  [{ first: 20, last: 23, total: 25 }, { _tag: 'WrongLength', length: 4, expected: 5 }],
]

for (const [range, expected] of checks) {
  Check(`should judge ${JSON.stringify(range)}`, () => assert.equal(check(layout)(range), expected))
}

Check('should describe every problem with the numbers in it', () => {
  assert.match(describe({ _tag: 'Misaligned', first: 5, partSize: 10 }), 'multiple of part_size 10')
  assert.match(describe({ _tag: 'WrongLength', length: 9, expected: 10 }), 'exactly 10')
})

Parse.run()
Check.run()
