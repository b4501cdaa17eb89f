/**
 * Ctrl-C during an upload: the first one stops it (keeping the session to resume), a second one
 * (before the upload has stopped, or within a short grace time after) aborts the session instead
 * (where none is kept, it says that its task is still stopping), a third one exits at once. SIGTERM (what `kill`, systemd, Docker and CI runners send) stops it
 * like the first Ctrl-C; after that it is ignored, so that a supervisor repeating it never aborts
 * the session the user may want to resume. SIGHUP (the terminal closed, an SSH connection lost) does
 * what SIGTERM does: else a long upload dies with its terminal, with nothing to resume. Once every part is uploaded, the first one lets the
 * commit finish for a few seconds before it stops the upload: a commit cancelled in flight may
 * still have been applied, and then neither the file nor the session would be known.
 */
import { HUNG_UP, INTERRUPTED, TERMINATED } from './Exit.ts'

// ---------------------------------------------------------------------------------------------
// model

/**
 * Whether the first signal keeps the session: `'pending'` while it is being created (the library gives
 * that request a few more seconds, and keeps the session it creates).
 */
export type Keeping = boolean | 'pending'

/** A signal that stops an upload: Ctrl-C, or one that no keyboard sent. */
export type StopSignal = 'SIGINT' | 'SIGTERM' | 'SIGHUP'

/** The SIGINTs (and a SIGTERM or SIGHUP) received while an upload runs. */
export interface Interrupts {
  /** Aborted by the first Ctrl-C, SIGTERM or SIGHUP. */
  readonly signal: AbortSignal
  /** How many interrupts so far (a SIGTERM or SIGHUP counts only as the first). */
  readonly count: () => number
  /** Which signal stopped the upload, once one did. */
  readonly stoppedBy: () => StopSignal | undefined
  /** The exit code of a stopped upload: 130 after Ctrl-C, 143 after SIGTERM, 129 after SIGHUP (128 + the signal number). */
  readonly exitCode: () => number
  /** Whether a second Ctrl-C comes within `ms` (true at once if it already came). */
  readonly second: (ms: number) => Promise<boolean>
  /** Stops listening. */
  readonly dispose: () => void
}

// ---------------------------------------------------------------------------------------------
// constructors

/**
 * Whether a SIGHUP came while any `interrupts` listened, whatever it then did (the first signal, or
 * one after a Ctrl-C or SIGTERM): the terminal is gone, and the process must end by that signal
 * (main.ts), since Node's exit restores the terminal and aborts (SIGABRT) when it cannot.
 */
let hangup = false
export const hungUp = (): boolean => hangup

/** How long the first interrupt lets a commit in flight finish before it stops the upload, in ms. */
export const COMMIT_GRACE_MS = 5000

/**
 * Listens for SIGINT, SIGTERM and SIGHUP until `dispose`; `say` explains each step; `keeping` tells whether
 * the session is kept on the first one (asked when it comes: while it is being created, it is kept only if
 * it comes); `task` is what they stop (default the upload); `committing` tells whether every part is
 * uploaded (the commit is on its way); `leaving` reports the run's end on a third one, just before the exit.
 * `after` is the handler this one takes over from (the upload's, once its commit went through in the grace
 * a first Ctrl-C gave it): its count goes on here, so the third Ctrl-C of the run still exits at once.
 */
export const interrupts = (
  say: (text: string) => void, keeping: Keeping | (() => Keeping), task = 'the upload', committing = (): boolean => false,
  leaving = (): void => undefined, after?: Pick<Interrupts, 'count' | 'stoppedBy'>,
): Interrupts => {
  const kept = typeof keeping === 'function' ? keeping : () => keeping
  const controller = new AbortController()
  let count = after?.count() ?? 0
  let first: StopSignal | undefined = after?.stoppedBy()
  /** Whether the count was taken over from `after`: then this handler never said that it stops its task. */
  const inherited = count > 0
  let onSecond: (() => void) | undefined
  let grace: ReturnType<typeof setTimeout> | undefined
  const abort = (): void => {
    clearTimeout(grace)
    controller.abort(new Error(first === 'SIGINT' ? 'interrupted (Ctrl-C)' : `terminated (${first})`))
  }
  const stop = (by: StopSignal): void => {
    count = 1
    first = by
    const what = by === 'SIGINT' ? 'Interrupted' : `Terminated (${by})`
    const keep = kept()
    const again = keep === false ? '' : ' (Ctrl-C again to abort the session instead)'
    if (committing()) {
      say(`${what}: every part is uploaded, so the commit gets up to ${COMMIT_GRACE_MS / 1000} s to finish before ${task} stops${again}…`)
      grace = setTimeout(abort, COMMIT_GRACE_MS)
      return
    }
    say(keep === false ? `${what}: stopping ${task}…`
      : keep === 'pending' ? `${what}: stopping ${task}; the session being created is kept if the server still answers${again}…`
      : `${what}: stopping ${task} and keeping its session${again}…`)
    abort()
  }
  const onInterrupt = (): void => {
    if (count === 0) return stop('SIGINT')
    count += 1
    if (count === 2) {
      const keep = kept()
      // With no session to abort, it stops what the first left running: a commit given time to finish, or, taken
      // over from the stage before, the task; else its task is stopping already, which is said all the same.
      if (keep !== false) say(keep === 'pending' ? 'Aborting the session being created, once the server answers its creation…' : 'Aborting the upload session…')
      else if (inherited) say(`Interrupted again: stopping ${task}…`)
      else if (!controller.signal.aborted) say(`Interrupted again: stopping ${task} now, without waiting for the commit…`)
      else say(`Interrupted again: still stopping ${task} (Ctrl-C once more to exit at once)…`)
      // A commit given time to finish is stopped now.
      abort()
      onSecond?.()
    } else {
      leaving()
      exitNow()
    }
  }
  const onTerminate = (by: NodeJS.Signals): void => {
    noteHangup(by)
    if (count === 0) stop(by === 'SIGHUP' ? 'SIGHUP' : 'SIGTERM')
  }
  process.on('SIGINT', onInterrupt)
  process.on('SIGTERM', onTerminate)
  process.on('SIGHUP', onTerminate)
  return {
    signal: controller.signal,
    count: () => count,
    stoppedBy: () => first,
    exitCode: () => (first === 'SIGTERM' ? TERMINATED : first === 'SIGHUP' ? HUNG_UP : INTERRUPTED),
    second: (ms) =>
      count >= 2 ? Promise.resolve(true) : new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), ms)
        onSecond = () => {
          clearTimeout(timer)
          resolve(true)
        }
      }),
    dispose: () => {
      clearTimeout(grace)
      process.off('SIGINT', onInterrupt)
      process.off('SIGTERM', onTerminate)
      process.off('SIGHUP', onTerminate)
      // After a SIGTERM or SIGHUP, later ones are ignored until the process has exited (it is on its way out).
      if (first === 'SIGTERM' || first === 'SIGHUP') for (const signal of ['SIGTERM', 'SIGHUP'] as const) process.on(signal, noteHangup)
    },
  }
}

/**
 * Exits at once with 130. `process.exit` first waits for the requests in libuv's thread pool, and for ever
 * for one that never ends (a file opened or read on a hung mount or a FIFO, a DNS lookup that hangs): with
 * one there, the process ends by SIGINT itself (its default action), which a shell reports as 130 too.
 */
const exitNow = (): never => {
  if (process.getActiveResourcesInfo().some((resource) => /^(FSReq|GetAddrInfo|GetNameInfo)/.test(resource))) {
    process.removeAllListeners('SIGINT')
    process.kill(process.pid, 'SIGINT')
  }
  return process.exit(INTERRUPTED)
}

/** Notes a hangup (`hungUp`); what else a signal does is its listener's business (after dispose: nothing). */
export const noteHangup = (by: NodeJS.Signals): void => {
  if (by === 'SIGHUP') hangup = true
}
