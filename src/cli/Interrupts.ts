/**
 * Ctrl-C during an upload: the first one stops it (keeping the session to resume), a second one
 * (before the upload has stopped, or within a short grace time after) aborts the session instead,
 * a third one exits at once. SIGTERM (what `kill`, systemd, Docker and CI runners send) stops it
 * like the first Ctrl-C; after that it is ignored, so that a supervisor repeating it never aborts
 * the session the user may want to resume.
 */
import { INTERRUPTED, TERMINATED } from './Exit.ts'

// ---------------------------------------------------------------------------------------------
// model

/** The SIGINTs (and a SIGTERM) received while an upload runs. */
export interface Interrupts {
  /** Aborted by the first Ctrl-C or SIGTERM. */
  readonly signal: AbortSignal
  /** How many interrupts so far (a SIGTERM counts only as the first). */
  readonly count: () => number
  /** Which signal stopped the upload, once one did. */
  readonly stoppedBy: () => 'SIGINT' | 'SIGTERM' | undefined
  /** The exit code of a stopped upload: 130 after Ctrl-C, 143 after SIGTERM (128 + the signal number). */
  readonly exitCode: () => number
  /** Whether a second Ctrl-C comes within `ms` (true at once if it already came). */
  readonly second: (ms: number) => Promise<boolean>
  /** Stops listening. */
  readonly dispose: () => void
}

// ---------------------------------------------------------------------------------------------
// constructors

/**
 * Listens for SIGINT and SIGTERM until `dispose`; `say` explains each step; `keeping` tells whether
 * the session is kept on the first one; `task` is what they stop (default the upload).
 */
export const interrupts = (say: (text: string) => void, keeping: boolean, task = 'the upload'): Interrupts => {
  const controller = new AbortController()
  let count = 0
  let first: 'SIGINT' | 'SIGTERM' | undefined
  let onSecond: (() => void) | undefined
  const stop = (by: 'SIGINT' | 'SIGTERM'): void => {
    count = 1
    first = by
    const what = by === 'SIGINT' ? 'Interrupted' : 'Terminated (SIGTERM)'
    say(keeping ? `${what}: stopping ${task} and keeping its session (Ctrl-C again to abort the session instead)…` : `${what}: stopping ${task}…`)
    controller.abort(new Error(by === 'SIGINT' ? 'interrupted (Ctrl-C)' : 'terminated (SIGTERM)'))
  }
  const onInterrupt = (): void => {
    if (count === 0) return stop('SIGINT')
    count += 1
    if (count === 2) {
      if (keeping) say('Aborting the upload session…')
      onSecond?.()
    } else {
      process.exit(INTERRUPTED)
    }
  }
  const onTerminate = (): void => {
    if (count === 0) stop('SIGTERM')
  }
  process.on('SIGINT', onInterrupt)
  process.on('SIGTERM', onTerminate)
  return {
    signal: controller.signal,
    count: () => count,
    stoppedBy: () => first,
    exitCode: () => (first === 'SIGTERM' ? TERMINATED : INTERRUPTED),
    second: (ms) =>
      count >= 2 ? Promise.resolve(true) : new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), ms)
        onSecond = () => {
          clearTimeout(timer)
          resolve(true)
        }
      }),
    dispose: () => {
      process.off('SIGINT', onInterrupt)
      process.off('SIGTERM', onTerminate)
    },
  }
}
