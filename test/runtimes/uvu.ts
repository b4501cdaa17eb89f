/**
 * Runs uvu test files in this process, the way uvu's CLI does (`UVU_DEFER`, one queue per file), but with
 * nothing Node-specific, so that Deno and Bun run it as it is: `deno run … uvu.ts a.test.ts b.test.ts`.
 * `deno test` and `bun test` report 0 tests on uvu files, so they cannot be used (runtimes.md).
 */
import { runFiles } from './uvuQueue.ts'

const files = process.argv.slice(2)
const root = new URL('../../', import.meta.url)
await runFiles(files.map((file) => [file, () => import(new URL(file, root).href)]))
