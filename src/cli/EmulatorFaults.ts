/**
 * The faults `box-upload emulator` serves with (`--faults`, `--latency`): the emulator's own `faults` option,
 * given as JSON text or a file, checked by the emulator's own option checks, and said in one line of the banner,
 * so that code in any language can be tested against an emulator that misbehaves as Box does.
 */
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import { faultsFromJson, faultsToJson } from '../emulator/FaultsJson.ts'
import type { Faults } from '../emulator/Options.ts'
import { type UsageError, usageError } from './UsageError.ts'

// ---------------------------------------------------------------------------------------------
// model

/**
 * Reads a text file: its text, or why not, in a line a person can act on that names the file (`no such file: x.json`,
 * as `Input.describe` words it for the file to upload). Given to the parser (main.ts passes one over `node:fs`), so
 * that parsing stays a function of what it is given.
 */
export type ReadText = (path: string) => E.Either<string, string>

// ---------------------------------------------------------------------------------------------
// operations

/**
 * The faults `--faults` gives: its JSON object, or `@path` to read one from a file. JSON that does not
 * parse, anything but an object, or faults the emulator refuses (its `TypeError`, naming the field) are
 * usage errors that name the flag: read as the emulator reads JSON faults (`faultsFromJson`, "Infinity" included).
 */
export const faults = (read: ReadText) => (text: string): E.Either<UsageError, Faults> => {
  const file = text.startsWith('@') ? text.slice(1) : undefined
  // A file's name is said; inline JSON is not repeated (the user has it on the command line).
  const flag = file === undefined ? '--faults' : `--faults ${text}`
  return pipe(
    file === undefined ? E.right(text)
      : file === '' ? E.left(usageError('--faults @ needs the path of a JSON file after the @'))
      : pipe(read(file), E.mapLeft((why) => usageError(`--faults: ${why}`))),
    E.flatMap((json) => E.tryCatch(() => faultsFromJson(flag)(json), (e) => usageError((e as Error).message))),
  )
}

/** `faults` with `--latency`'s wait as its `latencyMs`; both giving one is a usage error, not a silent choice. */
export const withLatency = (latencyMs: number | undefined) => (given: Faults | undefined): E.Either<UsageError, Faults | undefined> =>
  latencyMs === undefined ? E.right(given)
    : given?.latencyMs !== undefined ? E.left(usageError('--latency and the latencyMs of --faults both set the latency: give one of them'))
    : E.right({ ...given, latencyMs })

/** The faults as one line of JSON (`Infinity` written as "Infinity", as `--faults` takes it), or none when there are none. */
export const described = (given: Faults | undefined): string | undefined =>
  given === undefined || Object.keys(given).length === 0 ? undefined : faultsToJson(given)
