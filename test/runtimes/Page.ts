/**
 * Entry of the browsers' bundle: the page calls `default(files)(controlUrl)`, which runs the queued test files
 * and prints uvu's output through `console.log`, which PageOutput.ts sends to the runner.
 */
import { CONTROL } from './RemoteServe.ts'
import { runFiles, type TestFile } from './uvuQueue.ts'

export const main = (files: ReadonlyArray<TestFile>) => async (control: string): Promise<void> => {
  ;(globalThis as Record<string, unknown>)[CONTROL] = control
  await runFiles(files)
}
