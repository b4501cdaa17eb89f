/**
 * uvu's CLI protocol without the CLI: with `UVU_DEFER` set, `test.run()` only queues a suite into
 * `UVU_QUEUE[UVU_INDEX]`, and `exec()` runs the queues in order and prints the `Total:`/`Passed:` summary
 * that the runtime runner reads (uvu has no exit code in a page or a Worker). Web globals only: this file is
 * bundled into the browser page and the workerd Worker too.
 */

import { sha1Implementation } from '../../src/Sha1.ts'

/** A test file: its name for the report, and a loader that evaluates it (a dynamic import). */
export type TestFile = readonly [name: string, load: () => Promise<unknown>]

interface UvuGlobals {
  UVU_DEFER?: number
  UVU_INDEX?: number
  UVU_QUEUE?: Array<Array<unknown>>
}

/** Marker printed after uvu's summary, so a runner knows the output is complete. */
export const DONE = '[runtimes] done'

/** Prefix of the line naming the SHA-1 implementation the core uses in this runtime (chosen by package conditions). */
export const SHA1 = '[runtimes] sha1:'

/** Loads each file (which queues its suites), then runs every queue prints uvu's summary and the SHA-1 implementation. */
export const runFiles = async (files: ReadonlyArray<TestFile>): Promise<void> => {
  const g = globalThis as UvuGlobals
  // Must be set before uvu itself is evaluated: it reads UVU_DEFER once, at import.
  g.UVU_DEFER = 1
  g.UVU_QUEUE = []
  const { exec } = await import('uvu')
  for (const [index, [name, load]] of files.entries()) {
    g.UVU_QUEUE.push([name])
    g.UVU_INDEX = index
    await load()
  }
  await exec()
  // Leading newlines: a page or a Worker joins console.log calls without them, as uvu's fragments need.
  console.log(`\n${SHA1} ${sha1Implementation}`)
  console.log(`\n${DONE}`)
}
