/**
 * `box-upload`: the command-line entry. Parses the arguments, runs the command, and exits with
 * 0 (done), 1 (the upload failed), 2 (wrong usage or bad input), 130 (interrupted with Ctrl-C) or
 * 143 (stopped by SIGTERM; the session kept, like the first Ctrl-C) or 129 (SIGHUP: the terminal closed, as SIGTERM).
 */
import * as E from 'fp-ts/lib/Either.js'
import { readFileSync, readlinkSync } from 'node:fs'
import { parse, takesValue } from './Args.ts'
import type { Command } from './Command.ts'
import type { ReadText } from './EmulatorFaults.ts'
import * as Emulator from './Emulator.ts'
import { describe } from './Input.ts'
import * as Report from './Report.ts'
import { FAILED, OK, USAGE } from './Exit.ts'
import { hungUp } from './Interrupts.ts'
import * as Transfer from './Transfer.ts'
import { usage } from './Usage.ts'
// Bundled into dist/cli.js by esbuild; read by tsx in a checkout.
import packageJson from '../../package.json' with { type: 'json' }

/** Runs one command; resolves with its exit code. */
export const run = (command: Command): Promise<number> => {
  switch (command._tag) {
    case 'Help':
      process.stdout.write(`${usage}\n`)
      return Promise.resolve(OK)
    case 'Version':
      process.stdout.write(`box-upload ${packageJson.version}\n`)
      return Promise.resolve(OK)
    case 'Emulator':
      return Emulator.run(command)
    case 'Upload':
      return Transfer.run(command)
    case 'Demo':
      return Transfer.demo(command)
  }
}

/**
 * Whether `--json` was asked for, even with a value (refused), but not as a file name after `--`
 * nor as the value of an option (`--name --json`).
 */
const wantsJson = (argv: ReadonlyArray<string>): boolean => {
  const end = argv.indexOf('--')
  const options = end === -1 ? argv : argv.slice(0, end)
  return options.some((arg, i) => (arg === '--json' || arg.startsWith('--json=')) && !takesValue(options[i - 1]))
}

/**
 * Reads a file a flag names (`--faults @path`), before anything runs: its text, or why not in the words the file to
 * upload gets (`Input.describe`: a missing file, a directory, one not readable, a dangling symbolic link).
 */
const readText: ReadText = (path) => {
  try {
    return E.right(readFileSync(path, 'utf8'))
  } catch (cause) {
    return E.left(describe(path, cause, linkOf(path)).message)
  }
}

/** Where `path` points when it is a symbolic link, else `undefined`. */
const linkOf = (path: string): string | undefined => {
  try {
    return readlinkSync(path)
  } catch {
    return undefined
  }
}

/** Parses `argv` (after the program name) and runs it. */
export const main = async (argv: ReadonlyArray<string>): Promise<number> => {
  const command = parse(process.env, readText)(argv)
  if (E.isLeft(command)) {
    process.stderr.write(`box-upload: ${command.left.message}\n`)
    // The arguments did not parse, but a script that asked for JSON still gets its one object.
    if (wantsJson(argv)) process.stdout.write(`${Report.jsonFailure(USAGE, command.left.message)}\n`)
    return USAGE
  }
  try {
    return await run(command.right)
  } catch (cause) {
    // Only a bug or the platform (a full disk, say) gets here; say what, briefly.
    process.stderr.write(`box-upload: ${cause instanceof Error ? cause.message : String(cause)}\n`)
    return FAILED
  }
}

/**
 * Output that fails (a pipe closed under us, as `| head` does, or a full disk) must not stop an
 * upload half-way, with no state file: the progress is only shown. A stream without an `'error'`
 * listener would end the process. A result stdout could not take makes a done upload exit 1.
 */
const lost = (stream: NodeJS.WriteStream): (() => string | undefined) => {
  let failed: string | undefined
  stream.on('error', (error: NodeJS.ErrnoException) => { failed ??= error.code ?? error.message })
  return () => failed
}
const stdoutLost = lost(process.stdout)
lost(process.stderr)

// Exit once stdout and stderr are flushed, not with process.exit (which can cut piped output short).
const code = await main(process.argv.slice(2))
// The last write's failure is reported on the next turn: let it come.
await new Promise((resolve) => setImmediate(resolve))
const unwritten = stdoutLost()
if (unwritten !== undefined) process.stderr.write(`box-upload: could not write the result to stdout (${unwritten})\n`)
process.exitCode = unwritten !== undefined && code === OK ? FAILED : code
// After a hangup (state written, session kept), the process ends by the signal itself, as a shell
// expects: Node's own exit would restore the terminal that is gone, and abort on its error (SIGABRT).
// What is still queued for a pipe goes first (the signal would drop it), for at most 2 s.
if (hungUp()) {
  const until = Date.now() + 2000
  while ((process.stdout.writableLength > 0 || process.stderr.writableLength > 0) && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  process.removeAllListeners('SIGHUP')
  process.kill(process.pid, 'SIGHUP')
}
