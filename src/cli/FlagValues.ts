/**
 * What a flag's value must be, one parser per kind (a byte count, a whole number, a duration (or 0 for never), an API base URL,
 * a file name, a token, a storage kind, a value the emulator takes): each gives the value or a `UsageError` naming the flag and why.
 */
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import { timerMs } from '../Sleep.ts'
import { config } from '../emulator/Config.ts'
import type { EmulatorOptions } from '../emulator/Options.ts'
import { type UsageError, usageError } from './UsageError.ts'

// ---------------------------------------------------------------------------------------------
// model

/**
 * Smallest `--part-size`: 1 KiB. A 1-byte part size would mean a part per byte of the file
 * (20 million for Box's smallest), which never ends; Box's own parts are MiB.
 */
export const MIN_PART_SIZE = 1024

/** The units a byte count may carry, in lower case: none or b, powers of 1000 (kb, mb, gb), powers of 1024 (kib, k, ...). */
const units: Readonly<Record<string, number>> = {
  '': 1, b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, k: 1024, m: 1024 ** 2, g: 1024 ** 3,
}

/** The units a duration may carry, in lower case: none or s (seconds), m (minutes), h (hours). */
const timeUnits: Readonly<Record<string, number>> = { '': 1, s: 1, m: 60, h: 3600 }

/**
 * Longest duration, in whole seconds: 2147483 (24.8 days), what a timer holds. The library takes a longer
 * `timeoutMs` as no timeout at all (Retry.ts), and cuts other waits to it (Sleep.ts's `timerMs`): a longer value is
 * refused, not taken for something else.
 */
export const MAX_SECONDS = Math.floor(timerMs(Infinity) / 1000)

// ---------------------------------------------------------------------------------------------
// operations

/** Parses a byte count such as `8388608`, `8MiB` or `20MB`. */
export const bytes = (flag: string) => (text: string): E.Either<UsageError, number> => {
  const match = /^(\d+)\s*([a-z]*)$/i.exec(text.trim())
  const factor = match ? units[(match[2] as string).toLowerCase()] : undefined
  const n = match && factor !== undefined ? Number(match[1]) * factor : NaN
  return Number.isSafeInteger(n) && n > 0 ? E.right(n) : E.left(usageError(`--${flag} must be a positive number of bytes (like 8MiB), not '${text}'`))
}

/** Parses a part size: bytes, at least `MIN_PART_SIZE`. */
export const partSize = (text: string): E.Either<UsageError, number> =>
  pipe(
    bytes('part-size')(text),
    E.filterOrElse((n) => n >= MIN_PART_SIZE, () => usageError(`--part-size must be at least 1KiB (${MIN_PART_SIZE} bytes), not '${text}'`)),
  )

/**
 * Parses a duration in seconds, decimals allowed (`30`, `0.5`), or with a unit (`90s`, `10m`, `1h`), into whole
 * ms from 1 to `MAX_SECONDS`: 0, a negative or an exponent (`1e3`) are refused, not read as something else.
 */
export const duration = (flag: string) => (text: string): E.Either<UsageError, number> => {
  const ms = timeOf(text)?.ms ?? NaN
  return ms >= 1 && ms <= MAX_SECONDS * 1000
    ? E.right(ms)
    : E.left(usageError(`--${flag} must be a number of seconds from 0.001 to ${MAX_SECONDS} (like 30, 0.5 or 10m), not '${text}'`))
}

/** Parses a wait that may be switched off: 0 (`0`, `0s`, `0.0`) for never, else a `duration`. */
export const durationOrNever = (flag: string) => (text: string): E.Either<UsageError, number> =>
  // Written as a duration is (the same grammar), and 0 itself: 0.0001 is no 0, but a duration too short.
  timeOf(text)?.amount === 0
    ? E.right(0)
    : pipe(
      duration(flag)(text),
      E.mapLeft(() => usageError(`--${flag} must be 0 (never) or a number of seconds from 0.001 to ${MAX_SECONDS} (like 30, 0.5 or 10m), not '${text}'`)),
    )

/** A duration's text as written (`amount` in its unit) and in whole ms, or `undefined` when it is no duration's text. */
const timeOf = (text: string): { readonly amount: number; readonly ms: number } | undefined => {
  const match = /^(\d*\.?\d+)\s*([a-z]?)$/i.exec(text.trim())
  const factor = match ? timeUnits[(match[2] as string).toLowerCase()] : undefined
  if (!match || factor === undefined) return undefined
  const amount = Number(match[1])
  return { amount, ms: Math.round(amount * factor * 1000) }
}

/** Parses an integer in `[min, max]`. */
export const integer = (flag: string, min: number, max: number) => (text: string): E.Either<UsageError, number> => {
  const n = /^\d+$/.test(text) ? Number(text) : NaN
  return n >= min && n <= max ? E.right(n) : E.left(usageError(`--${flag} must be a whole number from ${min} to ${max}, not '${text}'`))
}

/**
 * Parses an http(s) URL the client sends to (`--upload-url`, `--api-url`, their variables), dropping a trailing
 * slash: an API base, so no query or fragment (paths are added to it). A user or password in it is refused
 * without being repeated: fetch refuses such URLs, and the password would be printed with every message naming
 * the server. (The emulator's `--upload-base-url`, where clients are sent, is read by the emulator: `SettingsText`.)
 */
export const url = (name: string) => (text: string): E.Either<UsageError, string> => {
  const parsed = URL.canParse(text) ? new URL(text) : undefined
  // Also when it does not parse: any '@' before a '?' or '#' may end a password (which may itself hold
  // '/', '?' or '#'), and none is quoted: nor is a query, which may carry a token.
  if (parsed === undefined ? text.includes('@') : parsed.username !== '' || parsed.password !== '') {
    return E.left(usageError(`${name} must not hold a user or password (fetch refuses them): give the token with --token or BOX_TOKEN`))
  }
  return /^https?:\/\/[^\s/]+/i.test(text) && parsed !== undefined && !/[?#]/.test(text)
    ? E.right(canonicalUrl(text))
    : E.left(usageError(`${name} must be an http(s) URL without a query or fragment, not '${text.replace(/[?#][\s\S]*/, '?…')}'`))
}

/**
 * A URL as the CLI compares and stores it: scheme and host in lower case, no default port, no trailing
 * slash (`https://UPLOAD.box.com:443/api/2.0/` is `BOX_UPLOAD_URL`). Spelled otherwise, Box counted as
 * another server (its API base taken to be the upload host), and a resume was refused as going elsewhere
 * than the state file's URL. Text that is no URL is returned as it is.
 */
export const canonicalUrl = (text: string): string => {
  if (!URL.canParse(text)) return text
  const { origin, pathname } = new URL(text)
  return `${origin}${pathname}`.replace(/\/+$/, '')
}

/**
 * Why Box would refuse a file name, in the words of a usage error, or `undefined` when it takes it
 * (1 to 255 characters, no slash, backslash or control character, no surrounding spaces, not `.` or `..`).
 */
export const nameRefused = (name: string): string | undefined =>
  name.length === 0 || name.length > 255 ? `must be 1 to 255 characters long (this one has ${name.length})`
    : /[/\\\u0000-\u001f\u007f]/.test(name) ? `must have no slash, backslash or control character (a line break, a tab), as Box refuses them: ${shown(name)}`
    : name.trim() !== name ? `must not start or end with a space, as Box refuses that: ${shown(name)}`
    : name === '.' || name === '..' ? `cannot be '${name}'`
    : undefined

/** A name quoted with its invisible characters written out (JSON leaves DEL as it is). */
const shown = (name: string): string => JSON.stringify(name).replace(/\u007f/g, '\\u007f')

/** A token as a header can carry it (trimmed), or why not; never quoted. */
export const usableToken = (flag: string, given: string): E.Either<UsageError, string> => {
  const token = given.trim()
  return token === '' ? E.left(usageError(`${flag} is blank`))
    // A line break or other control character cannot be sent in a header.
    : /[\u0000-\u001f\u007f]/.test(token) ? E.left(usageError(`${flag} has a line break or other control character, which no header can carry`))
    // Headers carry Latin-1 only: fetch throws on more, in words that do not name the token.
    : /[^\u0000-\u00ff]/.test(token) ? E.left(usageError(`${flag} has a character no header can carry (past Latin-1: a curly quote, a zero-width space), as pasted from a web page: copy it again`))
    : E.right(token)
}

/**
 * The bearer tokens `box-upload emulator --tokens` accepts, comma-separated (each its own user): each as a header
 * can carry it, and all as the emulator's own checks take them. An empty list or entry is refused (`entries`); no
 * message quotes a token, a secret of the test.
 */
export const tokens = (text: string): E.Either<UsageError, ReadonlyArray<string>> =>
  pipe(
    entries('--tokens', 'token', 'a,b')(text),
    E.flatMap(E.traverseArray((token) => usableToken('--tokens', token))),
    E.flatMap(takenByEmulator('--tokens', (list) => ({ tokens: list }))),
  )

/**
 * A comma-separated list's entries, trimmed, for `flag`: at least one (a `what`, written `like`). An empty entry is
 * refused, not dropped: `a,,b` is likely a mistake.
 */
export const entries = (flag: string, what: string, like: string) => (text: string): E.Either<UsageError, ReadonlyArray<string>> => {
  const given = text.split(',').map((entry) => entry.trim())
  return text.trim() === '' ? E.left(usageError(`${flag} needs at least one ${what} (comma-separated, like ${like})`))
    : given.includes('') ? E.left(usageError(`${flag} has an empty entry (a comma too many?): give ${what}s separated by single commas, like ${like}`))
    : E.right(given)
}

/**
 * `value` when the emulator takes the options `asOptions` makes of it, else a usage error naming `flag` in the
 * emulator's own words. Its checks (`config`'s, as when it is made: a combination too, such as a maximum file size
 * below the minimum) are run rather than restated, so a flag cannot let through what the emulator then refuses.
 */
export const takenByEmulator = <A>(flag: string, asOptions: (value: A) => EmulatorOptions) => (value: A): E.Either<UsageError, A> =>
  E.tryCatch(() => (config(asOptions(value)), value), (e) => usageError(`${flag} is refused by the emulator: ${(e as Error).message}`))

/** The value the emulator's own reading of `text` gives (`SettingsText`), or a usage error in its words, which name the flag. */
export const readByEmulator = <A>(read: (text: string) => A) => (text: string): E.Either<UsageError, A> =>
  E.tryCatch(() => read(text), (e) => usageError((e as Error).message))

/** The emulator's storage kind. */
export const storage = (text: string): E.Either<UsageError, 'memory' | 'digest'> =>
  text === 'memory' || text === 'digest' ? E.right(text) : E.left(usageError(`--storage must be memory or digest, not '${text}'`))
