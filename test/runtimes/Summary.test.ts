import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { parse, problems } from './Summary.ts'
import { DONE, SHA1 } from './uvuQueue.ts'

const uvuOutput = (total: number, passed: number) =>
  `test/A.test.ts\n\u001b[47m a \u001b[49m • •   (${passed} / ${total})\n\n  Total:     ${total}\u001b[32m\n  Passed:    ${passed}\u001b[39m\n  Skipped:   0\n  Duration:  1.00ms\n\n`
const complete = (total: number, passed: number, sha1 = 'node:crypto') => `${uvuOutput(total, passed)}\n${SHA1} ${sha1}\n\n${DONE}\n`
const nodeCrypto = (name: string) => name.includes('node:crypto')

const Parse = suite('parse')

Parse('should read the counts through ANSI colours, the SHA-1 line and the done marker', () => {
  assert.equal(parse(complete(3, 3, 'subtle+node:crypto')), { total: 3, passed: 3, skipped: 0, done: true, sha1: 'subtle+node:crypto' })
})

Parse('should take the last summary when there are several', () => {
  assert.is(parse(uvuOutput(1, 1) + complete(5, 4)).total, 5)
})

Parse('should give NaN counts and no marker for output without a summary', () => {
  const summary = parse('[runtimes] crashed: ReferenceError: process is not defined\n')
  assert.ok(Number.isNaN(summary.total) && Number.isNaN(summary.passed))
  assert.is(summary.done, false)
  assert.is(summary.sha1, undefined)
})

const Problems = suite('problems')

Problems('should pass a complete run with every test passed and the intended SHA-1', () => {
  assert.equal(problems(parse(complete(2, 2)), nodeCrypto), [])
})

Problems('should fail each way a run can be wrong', () => {
  const table: ReadonlyArray<readonly [string, string, number, string]> = [
    ['failed tests', complete(3, 2), 0, '1 of 3 tests failed'],
    ['zero tests', complete(0, 0), 0, 'ran zero tests'],
    ['no summary', `${SHA1} node:crypto\n${DONE}\n`, 0, 'no uvu summary (Total:/Passed:)'],
    ['unfinished', uvuOutput(2, 2), 0, 'no done marker: the run did not finish'],
    ['wrong SHA-1', complete(2, 2, 'pure'), 0, 'unexpected SHA-1 implementation pure'],
    ['exit code', complete(2, 2), 1, 'exit code 1'],
  ]
  for (const [what, output, exitCode, expected] of table) {
    assert.ok(problems(parse(output), nodeCrypto, exitCode).includes(expected), what)
  }
})

Parse.run()
Problems.run()
