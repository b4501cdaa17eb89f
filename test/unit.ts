/**
 * `npm run test:unit`: runs uvu over `test/` (or the dir and pattern given) and fails unless every
 * test passed. uvu 0.5 alone is not enough: a test that throws something other than an `Error` (a
 * string, or a plain object such as the emulator's `Fail`) is counted as not passed, but uvu prints
 * no FAIL for it and exits 0. The summary decides here, as it does for the runtimes (Summary.ts).
 */
import { spawn } from 'node:child_process'
import { pathToFileURL } from 'node:url'
import { ansi, countProblems, parse } from './runtimes/Summary.ts'

/** Why a run failed, empty when every test passed; `output` is uvu's, colours included. */
export const verdict = (output: string, exitCode: number | null): ReadonlyArray<string> => {
  const summary = parse(output)
  const silent = exitCode === 0 && summary.passed < summary.total
  return [
    ...(exitCode === 0 ? [] : [`uvu exited with ${exitCode}`]),
    ...countProblems(summary),
    ...(silent ? ['uvu printed no FAIL for them: they threw something that is not an Error. Their suites:', ...unfinished(output)] : []),
  ]
}

/** uvu's suite lines whose count is short, like `Http.readJson • • (5 / 6)`, after the file they are in. */
const unfinished = (output: string): ReadonlyArray<string> => {
  let file = ''
  const short: string[] = []
  for (const line of output.replace(ansi, '').split('\n')) {
    const count = /\((\d+) \/ (\d+)\)/.exec(line)
    if (count === null && /\.ts$/.test(line.trim())) file = line.trim()
    else if (count !== null && count[1] !== count[2]) short.push(`  ${file} ${line.replace(/[•✘\s]+\(/, ' (').trim()}`)
  }
  return short
}

const main = (): void => {
  const args = process.argv.length > 2 ? process.argv.slice(2) : ['test', '\\.test\\.ts$']
  // Node's own fetch dispatcher first, whichever test file imports the undici package (test/helpers/nodeDispatcher.ts).
  const preload = ['--import', 'tsx', '--import', './test/helpers/nodeDispatcher.ts']
  const child = spawn(process.execPath, [...preload, 'node_modules/uvu/bin.js', ...args], { stdio: ['inherit', 'pipe', 'inherit'] })
  let output = ''
  // Decoded as a stream: uvu's • and ✘ may fall across two chunks.
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', (chunk: string) => {
    process.stdout.write(chunk)
    output += chunk
  })
  child.on('close', (code) => {
    const problems = verdict(output, code)
    for (const problem of problems) console.error(problem)
    process.exitCode = problems.length === 0 ? 0 : 1
  })
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main()
