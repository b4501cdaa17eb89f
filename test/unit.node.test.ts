/** The unit-test runner's verdict (test/unit.ts), on its own and on real uvu runs of two probe suites. */
import { spawnSync } from 'node:child_process'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { verdict } from './unit.ts'

const Runner = suite('test:unit runner')

const summary = (total: number, passed: number) => `  Total:     ${total}\u001b[32m\n  Passed:    ${passed}\u001b[39m\n  Skipped:   0\n  Duration:  1.00ms\n`

Runner('should pass only a run whose summary counts every test passed, with exit code 0', () => {
  assert.equal(verdict(summary(3, 3), 0), [])
  assert.equal(verdict(summary(3, 2), 1), ['uvu exited with 1', '1 of 3 tests failed'])
  assert.equal(verdict('no summary at all', 0), ['no uvu summary (Total:/Passed:)'])
  assert.equal(verdict('no summary at all', 1), ['uvu exited with 1', 'no uvu summary (Total:/Passed:)'])
  assert.equal(verdict(summary(0, 0), 0), ['ran zero tests'])
  // uvu's Total leaves skipped tests out: skipped ones never make up for one that did not pass.
  assert.equal(verdict(summary(3, 2).replace('Skipped:   0', 'Skipped:   2'), 0)[0], '1 of 3 tests failed')
  assert.ok(verdict(`a.test.ts\n suite • •   (2 / 3)\n${summary(3, 2)}`, 0).some((line) => line.includes('(2 / 3)')))
})

const probe = (pattern: string) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'test/unit.ts', 'test/fixtures/uvu-probe', pattern], { encoding: 'utf8', timeout: 60_000 })

// uvu itself exits 0 for the first probe: the runner is what fails it.
Runner('should fail a real run where tests threw values that are not Errors, naming the suite, and pass a clean one', () => {
  const silent = probe('throws\\.probe\\.ts$')
  assert.is(silent.status, 1, silent.stdout + silent.stderr)
  assert.match(silent.stderr, '2 of 3 tests failed')
  assert.match(silent.stderr, 'uvu printed no FAIL for them')
  assert.match(silent.stderr, 'throws.probe.ts (1 / 3)')
  const clean = probe('passes\\.probe\\.ts$')
  assert.is(clean.status, 0, clean.stdout + clean.stderr)
})

Runner.run()
