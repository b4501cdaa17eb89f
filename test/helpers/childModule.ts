/** Runs TypeScript module code in a fresh Node process (for what one process must not share: threads, patched built-ins). */
import { execFile } from 'node:child_process'

/**
 * The stdout of `script`, run as an ES module through tsx from the current directory; rejects on a
 * non-zero exit or after `timeoutMs`, saying which (the exit code, or the time out) with the child's
 * stderr and stdout so far, not the whole script as Node's own error does.
 */
export const runModule = (script: string, timeoutMs = 20_000): Promise<string> =>
  new Promise((resolve, reject) =>
    execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { timeout: timeoutMs }, (error, out, err) => {
      if (error === null) return resolve(out)
      const how = error.killed ? `timed out after ${timeoutMs} ms (${error.signal})` : `exited with code ${error.code}`
      reject(new Error(`the child process ${how}\nstderr: ${err.slice(-2000)}\nstdout: ${out.slice(-2000)}`))
    }),
  )
