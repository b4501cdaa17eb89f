/**
 * Reads a runtime's output: uvu's closing `Total:`/`Passed:`/`Skipped:` lines, the runner's done marker and
 * the SHA-1 implementation the runtime reported. uvu has no exit code in a page or a Worker, so this is the
 * verdict there; in processes the exit code must agree.
 */
import { DONE, SHA1 } from './uvuQueue.ts'

export interface Summary {
  readonly total: number
  readonly passed: number
  readonly skipped: number
  readonly done: boolean
  readonly sha1: string | undefined
}

/** ANSI colour codes, which uvu puts around its counts. */
export const ansi = /\u001b\[[0-9;]*m/g
const count = (text: string, label: string): number => {
  const all = [...text.matchAll(new RegExp(`^\\s*${label}:\\s+(\\d+)`, 'gm'))]
  return Number(all.at(-1)?.[1] ?? NaN)
}

/** Parses the whole output of one runtime. */
export const parse = (output: string): Summary => {
  const text = output.replace(ansi, '')
  return {
    total: count(text, 'Total'),
    passed: count(text, 'Passed'),
    skipped: count(text, 'Skipped'),
    done: text.includes(DONE),
    sha1: text.match(new RegExp(`${SHA1.replace(/[[\]]/g, '\\$&')} (\\S+)`))?.[1],
  }
}

/** What uvu's counts say is wrong: no summary, no test run, or tests that did not pass (`Total` excludes skipped ones). */
export const countProblems = (summary: Pick<Summary, 'total' | 'passed'>): ReadonlyArray<string> => [
  ...(Number.isNaN(summary.total) || Number.isNaN(summary.passed) ? ['no uvu summary (Total:/Passed:)'] : []),
  ...(summary.total === 0 ? ['ran zero tests'] : []),
  ...(summary.passed < summary.total ? [`${summary.total - summary.passed} of ${summary.total} tests failed`] : []),
]

/** Problems with a run, empty when it passed. */
export const problems = (summary: Summary, expectSha1: (name: string) => boolean, exitCode = 0): ReadonlyArray<string> => [
  ...(exitCode === 0 ? [] : [`exit code ${exitCode}`]),
  ...(summary.done ? [] : ['no done marker: the run did not finish']),
  ...countProblems(summary),
  ...(summary.sha1 === undefined ? ['no SHA-1 implementation reported'] : expectSha1(summary.sha1) ? [] : [`unexpected SHA-1 implementation ${summary.sha1}`]),
]
