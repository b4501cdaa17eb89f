/**
 * Ctrl-C during an upload: the first one stops it (keeping the session to resume), a second one
 * (before the upload has stopped, or within a short grace time after) aborts the session instead,
 * a third one exits at once.
 */
import { INTERRUPTED } from './Exit.ts'

// ---------------------------------------------------------------------------------------------
// model

/** The SIGINTs received while an upload runs. */
export interface Interrupts {
  /** Aborted by the first Ctrl-C. */
  readonly signal: AbortSignal
  /** How many Ctrl-C so far. */
  readonly count: () => number
  /** Whether a second Ctrl-C comes within `ms` (true at once if it already came). */
  readonly second: (ms: number) => Promise<boolean>
  /** Stops listening. */
  readonly dispose: () => void
}

// ---------------------------------------------------------------------------------------------
// constructors

/** Listens for SIGINT until `dispose`; `say` explains each step; `keeping` tells whether the session is kept on the first one. */
export const interrupts = (say: (text: string) => void, keeping: boolean): Interrupts => {
  const controller = new AbortController()
  let count = 0
  let onSecond: (() => void) | undefined
  const listener = () => {
    count += 1
    if (count === 1) {
      say(keeping ? 'Interrupted: stopping the upload and keeping its session (Ctrl-C again to abort the session instead)…' : 'Interrupted: stopping the upload…')
      controller.abort(new Error('interrupted (Ctrl-C)'))
    } else if (count === 2) {
      if (keeping) say('Aborting the upload session…')
      onSecond?.()
    } else {
      process.exit(INTERRUPTED)
    }
  }
  process.on('SIGINT', listener)
  return {
    signal: controller.signal,
    count: () => count,
    second: (ms) =>
      count >= 2 ? Promise.resolve(true) : new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), ms)
        onSecond = () => {
          clearTimeout(timer)
          resolve(true)
        }
      }),
    dispose: () => void process.off('SIGINT', listener),
  }
}
