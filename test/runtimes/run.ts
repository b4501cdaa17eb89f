/**
 * `npm run test:runtimes [-- name… --only=REGEX]`: runs the portable test files unmodified in Node 20, 22, 24 and 26, the
 * oldest Node package.json's engines allows (`node-min`), Deno, Bun, Chromium, Firefox, WebKit and workerd, one
 * runtime after the other (the machine has 2 cores), and fails when any runtime fails, runs zero tests, prints no
 * uvu summary, or reports a SHA-1 implementation other than the intended one.
 */
import { cleanExamples } from './Examples.ts'
import { select } from './Portable.ts'
import { runtimes } from './Runtimes.ts'
import { parse, problems } from './Summary.ts'

const args = process.argv.slice(2)
/** `--only=REGEX` keeps the portable files whose path matches (while working on one file). */
const only = args.find((arg) => arg.startsWith('--only='))?.slice('--only='.length)
const wanted = args.filter((arg) => !arg.startsWith('--'))
const unknown = wanted.filter((name) => !runtimes.some((runtime) => runtime.name === name))
if (unknown.length > 0) throw new Error(`unknown runtime(s) ${unknown.join(', ')}; known: ${runtimes.map((r) => r.name).join(', ')}`)

const selection = select()
const portable = selection.portable.filter((file) => only === undefined || new RegExp(only).test(file))
const { nodeOnly } = selection
console.log(`[runtimes] portable test files: ${portable.join(', ') || '(none)'}`)
for (const [file, why] of nodeOnly) console.log(`[runtimes] Node only: ${file} (${why})`)

const results: Array<readonly [string, ReadonlyArray<string>, string]> = []
for (const runtime of runtimes.filter((r) => wanted.length === 0 || wanted.includes(r.name))) {
  console.log(`\n[runtimes] ===== ${runtime.name} =====`)
  const started = Date.now()
  const run = await runtime.run(portable, (text) => process.stdout.write(text)).catch((error: unknown) => ({
    output: `[runtimes] runner error: ${error instanceof Error ? error.stack : String(error)}`,
    exitCode: 1,
  }))
  const summary = parse(run.output)
  console.log(`\n[runtimes] ${runtime.name}: README example`)
  const example = await runtime.example((text) => process.stdout.write(text)).catch((error: unknown) => [`README example: ${String(error)}`])
  const found = [...problems(summary, runtime.expectSha1, run.exitCode), ...example]
  if (run.output.startsWith('[runtimes] runner error')) console.log(run.output)
  const line = `${summary.passed}/${summary.total} tests passed, README example ${example.length === 0 ? 'ok' : 'FAILED'}, sha1 ${summary.sha1 ?? '?'}, ${((Date.now() - started) / 1000).toFixed(1)} s`
  results.push([runtime.name, found, line])
}

cleanExamples()
console.log('\n[runtimes] ===== summary =====')
for (const [name, found, line] of results) console.log(`${found.length === 0 ? 'ok  ' : 'FAIL'} ${name.padEnd(9)} ${line}${found.length === 0 ? '' : ` — ${found.join('; ')}`}`)
const failed = results.filter(([, found]) => found.length > 0).length
console.log(`runtimes: ${results.length - failed} passed, ${failed} failed`)
process.exitCode = failed === 0 && results.length > 0 ? 0 : 1
