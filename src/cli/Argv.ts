/**
 * A command line split into its positionals and its flags' values (`Raw`), against the flags a command
 * knows, and read back flag by flag. What the values mean is for `FlagValues` and `Args` to say.
 */
import * as E from 'fp-ts/lib/Either.js'
import { type UsageError, usageError } from './UsageError.ts'

// ---------------------------------------------------------------------------------------------
// model

/** The arguments, split: positionals in order, and each flag's value (`true` for one that takes none). */
export type Raw = { readonly positionals: ReadonlyArray<string>; readonly values: Readonly<Record<string, string | true>> }

/** The one-letter forms of flags (`-v` is `--version`, as in npm and node: `--verbose` has none). */
const shortFlags: Readonly<Record<string, string>> = { '-h': 'help', '-v': 'version', '-q': 'quiet' }

// ---------------------------------------------------------------------------------------------
// operations

/** Splits argv into positionals and `--flag value` / `--flag=value` pairs, refusing unknown and repeated flags. */
export const split = (known: Readonly<Record<string, boolean>>) => (argv: ReadonlyArray<string>): E.Either<UsageError, Raw> => {
  const positionals: Array<string> = []
  const values: Record<string, string | true> = {}
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1))
      break
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg)
      continue
    }
    const eq = arg.indexOf('=')
    const short = Object.hasOwn(shortFlags, arg) ? shortFlags[arg] : undefined
    const name = short ?? arg.slice(2, eq === -1 ? undefined : eq)
    const takesValue = Object.hasOwn(known, name) ? known[name] : undefined
    if ((!arg.startsWith('--') && short === undefined) || takesValue === undefined) return E.left(usageError(`unknown option ${eq === -1 ? arg : arg.slice(0, eq)} (see box-upload --help)`))
    if (Object.hasOwn(values, name)) return E.left(usageError(`--${name} given twice`))
    if (!takesValue) {
      if (eq !== -1) return E.left(usageError(`--${name} takes no value`))
      values[name] = true
      continue
    }
    const value = eq !== -1 ? arg.slice(eq + 1) : argv[++i]
    if (value === undefined || value === '') return E.left(usageError(`--${name} needs a value`))
    values[name] = value
  }
  return E.right({ positionals, values })
}

/** An optional flag's parsed value (`undefined` when absent). */
export const optional = <A>(raw: Raw, name: string, parse: (text: string) => E.Either<UsageError, A>): E.Either<UsageError, A | undefined> => {
  const v = raw.values[name]
  return typeof v === 'string' ? parse(v) : E.right(undefined)
}

/** A flag's value as given (`undefined` when absent). */
export const text = (raw: Raw, name: string): string | undefined => {
  const v = raw.values[name]
  return typeof v === 'string' ? v : undefined
}

/** Refuses a file given to a command that takes none. */
export const noPositionals = (command: string) => (raw: Raw): E.Either<UsageError, Raw> =>
  raw.positionals.length === 0 ? E.right(raw) : E.left(usageError(`box-upload ${command} takes no file (got '${raw.positionals[0]}')`))
