/**
 * What `box-upload <file>` writes to the terminal: notes on stderr (none with `--quiet`), the outcome on
 * stdout, and a failure as both (one line on stderr, plus the JSON object with `--json`).
 */
import type { UploadFailure } from '../Upload.ts'
import type { Where } from './Connect.ts'
import * as Report from './Report.ts'
import type { Target } from './Target.ts'

// ---------------------------------------------------------------------------------------------
// model

/** Writes to the terminal: `say` for notes on stderr, `result` for the outcome on stdout. */
export interface Io {
  readonly say: (text: string) => void
  readonly result: (text: string) => void
}

// ---------------------------------------------------------------------------------------------
// constructors

export const io: Io = {
  say: (text) => void process.stderr.write(`${text}\n`),
  result: (text) => void process.stdout.write(`${text}\n`),
}

// ---------------------------------------------------------------------------------------------
// operations

/**
 * Where a command's notes go (what it is doing, what it found, `note:` lines): stderr, or nowhere with `--quiet`,
 * where only a failure is said. What a Ctrl-C or signal is answered with is no note: someone did it, and it ends
 * in a failure's message.
 */
export const notes = (command: { readonly quiet?: boolean }): ((text: string) => void) =>
  command.quiet === true ? () => undefined : io.say

/**
 * Says why on stderr (one line, prefixed), plus the JSON object with `--json`; returns the exit code; `where` the
 * request went, if one did; the command's `fileId`, `name` and `target` change the advice (`Report.askedBy`).
 */
export const failure = (command: { readonly json: boolean; readonly fileId?: string; readonly name?: string; readonly target?: Target }, where?: Where) =>
  (code: number, reason: string, error?: UploadFailure, state?: string, kept = state !== undefined): number => {
    io.say(`box-upload: ${reason}`)
    if (command.json) io.result(Report.jsonFailure(code, reason, error, state, kept, where, Report.askedBy(command)))
    return code
  }
