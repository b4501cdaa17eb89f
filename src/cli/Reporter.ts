/**
 * Shows progress reports as they arrive: a bar redrawn in place on a terminal (at most ten times a
 * second, and always at 100%), or plain milestone lines when the output is a file or a pipe. Between
 * the parts Box confirms, the bytes its connections took of the parts in flight move it on. Lines of
 * their own (`--verbose`'s) go above the bar, or between the milestone lines. `--quiet`'s shows nothing.
 */
import type { Progress } from '../Progress.ts'
import { bar, isMilestone, line, rate, sample } from './ProgressBar.ts'
import type { Shown, Speed } from './ProgressBar.ts'

// ---------------------------------------------------------------------------------------------
// model

/** Where and how to draw. */
export interface Output {
  readonly write: (text: string) => void
  /** True on a terminal: redraw one line in place. */
  readonly tty: boolean
  /** Terminal width (ignored without a terminal). */
  readonly columns: () => number
  /** Clock in ms (injected for tests). */
  readonly now: () => number
}

/** Receives the pipeline's reports; `finish` ends the bar's line. */
export interface Reporter {
  readonly onProgress: (progress: Progress) => void
  /**
   * Bytes of the parts in flight sent so far (`Endpoint.inFlight`): shown on top of the confirmed ones, so
   * that the bar, its speed and ETA move while parts are being sent. What is shown never goes back (a part
   * sent again is counted anew from its start: the bar waits for it to pass what it showed), and reaches
   * 100% only once Box confirmed every part; `parts n/m` counts confirmed parts only.
   */
  readonly onSending: (bytes: number) => void
  /** Writes a line of its own: on a terminal above the bar, which is drawn again under it (no bar left behind per line). */
  readonly print: (line: string) => void
  readonly finish: () => void
}

// ---------------------------------------------------------------------------------------------
// constructors

/**
 * The `Output` of a Node stream such as `process.stderr`. Its width is the terminal's; when the
 * terminal reports none (a pseudo-terminal never sized, as `script` makes), `COLUMNS` from `env`, else 80.
 */
export const outputOf = (stream: NodeJS.WriteStream, env: Readonly<Record<string, string | undefined>> = process.env): Output => ({
  write: (text) => void stream.write(text),
  tty: stream.isTTY === true,
  columns: () => stream.columns || columnsOf(env['COLUMNS']) || 80,
  now: () => performance.now(),
})

/** A reporter drawing on `output`. */
export const reporter = (output: Output): Reporter => {
  let speed: Speed = []
  let last: Shown | undefined
  let drawnAt = -Infinity
  let open = false
  let confirmed: Progress | undefined
  const done = (p: Shown) => p.bytesUploaded >= p.fileSize
  const show = (progress: Progress): void => {
    const now = output.now()
    speed = sample(5000)(now, progress.bytesUploaded)(speed)
    const shown: Shown = { ...progress, rate: rate(speed) }
    if (output.tty) {
      if (now - drawnAt >= 100 || done(shown) || last === undefined) {
        output.write(`\r${bar(output.columns() - 1)(shown)}\x1b[K`)
        drawnAt = now
        open = true
      }
    } else if (isMilestone(last, shown)) {
      output.write(`${line(shown)}\n`)
    }
    last = shown
  }
  // Bytes shown never go back: a report of confirmed bytes may come behind what was shown as sent.
  const atLeastShown = (bytes: number): number => Math.max(bytes, last?.bytesUploaded ?? 0)
  return {
    onProgress: (progress) => {
      confirmed = progress
      show({ ...progress, bytesUploaded: atLeastShown(progress.bytesUploaded) })
    },
    onSending: (bytes) => {
      if (confirmed === undefined) return
      // Under 100% until Box confirmed every part: the bytes sent may be all there are while the last answer is awaited.
      const ahead = Math.min(confirmed.bytesUploaded + bytes, confirmed.fileSize - 1)
      if (ahead > atLeastShown(0)) show({ ...confirmed, bytesUploaded: ahead })
    },
    print: (text) => {
      if (!open || last === undefined) return output.write(`${text}\n`)
      output.write(`\r${text}\x1b[K\n${bar(output.columns() - 1)(last)}\x1b[K`)
    },
    finish: () => {
      if (open) output.write('\n')
      open = false
    },
  }
}

/** `--quiet`'s: shows nothing. */
export const silent: Reporter = { onProgress: () => undefined, onSending: () => undefined, print: () => undefined, finish: () => undefined }

// ---------------------------------------------------------------------------------------------
// helpers

/** A `COLUMNS` value as a width (a positive whole number), or 0. */
const columnsOf = (text: string | undefined): number => (text !== undefined && /^\d{1,5}$/.test(text.trim()) ? Number(text) : 0)
