/** Runs TypeScript module code in a fresh Node process (for what one process must not share: threads, patched built-ins). */
import { execFile } from 'node:child_process'

/** The stdout of `script`, run as an ES module through tsx from the current directory; rejects on a non-zero exit or after `timeoutMs`. */
export const runModule = (script: string, timeoutMs = 20_000): Promise<string> =>
  new Promise((resolve, reject) =>
    execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { timeout: timeoutMs }, (error, out) => (error ? reject(error) : resolve(out))),
  )
