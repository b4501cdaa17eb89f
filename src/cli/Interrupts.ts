/**
 * Ctrl-C during an upload: the first one stops it (keeping the session to resume), the second
 * one asks to abort the session instead, a third one exits at once.
 */

// ---------------------------------------------------------------------------------------------
// model

/** The SIGINTs received while an upload runs. */
export interface Interrupts {
  /** Aborted by the first Ctrl-C. */
  readonly signal: AbortSignal
  /** How many Ctrl-C so far. */
  readonly count: () => number
  /** Called on the second Ctrl-C (at once if it already came). */
  readonly onSecond: (f: () => void) => void
  /** Stops listening. */
  readonly dispose: () => void
}

/** Exit code after an interruption (128 + SIGINT), as shells report it. */
export const INTERRUPTED = 130

// ---------------------------------------------------------------------------------------------
// constructors

/** Listens for SIGINT until `dispose`; `say` explains each step on the terminal. */
export const interrupts = (say: (text: string) => void): Interrupts => {
  const controller = new AbortController()
  let count = 0
  let second: (() => void) | undefined
  const listener = () => {
    count += 1
    if (count === 1) {
      say('Interrupted: stopping the upload and keeping its session (Ctrl-C again to abort the session instead)…')
      controller.abort(new Error('interrupted (Ctrl-C)'))
    } else if (count === 2) {
      say('Aborting the upload session…')
      second?.()
    } else {
      process.exit(INTERRUPTED)
    }
  }
  process.on('SIGINT', listener)
  return {
    signal: controller.signal,
    count: () => count,
    onSecond: (f) => {
      second = f
      if (count >= 2) f()
    },
    dispose: () => void process.off('SIGINT', listener),
  }
}
