/**
 * Checks an emulator's options when it is made: a value it cannot use (a string for a number, an
 * unknown fault name, `Infinity` for a lifetime) throws a `TypeError` naming the option, rather than
 * being silently replaced by a default, ignored, or failing every request later. Options come from
 * tests and environment variables, so values are checked as they are at run time, not as typed.
 */
import { ALL_PART_FAULTS } from './Faults.ts'
import type { EmulatorOptions } from './Options.ts'

const COMMIT_FAULTS: ReadonlyArray<unknown> = ['error_before', 'error_after', 'reset_after']

/**
 * Longest `sessionTtlMs`: ~100 years. Past it `session_expires_at` would leave the dates JavaScript
 * can write (and Box's four-digit years); `Infinity` is refused with this as the way to say "never".
 */
export const maxSessionTtlMs = 100 * 365 * 24 * 3600 * 1000

type Check = (value: unknown) => boolean

/** A whole number from `least` up (also what a `partSize` function must give: Config.ts). */
export const wholeFrom = (least: number): Check => (v) => Number.isSafeInteger(v) && (v as number) >= least
/** A whole number from `least` up, or `Infinity` for "no limit" or "never". */
const wholeOrInfinity = (least: number): Check => (v) => v === Number.POSITIVE_INFINITY || wholeFrom(least)(v)
const msFromZero: Check = (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0
const isFunction: Check = (v) => typeof v === 'function'
const isString: Check = (v) => typeof v === 'string'
const isUrl: Check = (v) => {
  try {
    return isString(v) && new URL(v as string).protocol !== ''
  } catch {
    return false
  }
}
const listOf = (each: Check, nonEmpty = false): Check => (v) => Array.isArray(v) && (!nonEmpty || v.length > 0) && v.every(each)

/** Each checked option: its path in the options, the test, and what it must be. */
const rules: ReadonlyArray<readonly [string, Check, string]> = [
  ['tokens', listOf((t) => typeof t === 'string' && t !== '' && !/\s/.test(t), true), 'a non-empty array of tokens (strings without spaces)'],
  ['partSize', (v) => wholeFrom(1)(v) || isFunction(v), 'a whole number of bytes from 1 up (or a function of the file size giving one)'],
  ['minFileSize', wholeFrom(0), 'a whole number of bytes from 0 up'],
  ['maxFileSize', wholeOrInfinity(1), 'a whole number of bytes from 1 up, or Infinity'],
  ['processingDelayMs', msFromZero, 'a number of ms from 0 up'],
  ['sessionTtlMs', (v) => msFromZero(v) && (v as number) <= maxSessionTtlMs, `a number of ms from 0 up to ${maxSessionTtlMs} (about 100 years: for sessions that never expire)`],
  ['storage', (v) => v === 'memory' || v === 'digest', "'memory' or 'digest'"],
  ['faults', (v) => typeof v === 'object' && v !== null, 'an object'],
  ['uploadBaseUrl', isUrl, 'an absolute URL'],
  ['onRequest', isFunction, 'a function'],
  ['folders', (v) => v === 'any' || listOf(isString)(v), "an array of folder ids, or 'any'"],
  ['sha1', isFunction, 'a function'],
  ['clock', isFunction, 'a function'],
  // Whole: the faults hash a seed's whole part (Faults.ts), so 0.5 would be seed 0 (as `Math.random()` always would).
  ['faults.seed', Number.isSafeInteger, 'a whole number (a safe integer)'],
  ['faults.probability', (v) => typeof v === 'number' && v >= 0 && v <= 1, 'a number from 0 to 1'],
  ['faults.kinds', listOf((k) => ALL_PART_FAULTS.includes(k as never), true), `a non-empty array of ${ALL_PART_FAULTS.join(', ')}`],
  ['faults.script', listOf((s) => typeof s === 'object' && s !== null && wholeFrom(0)((s as { part?: unknown }).part) &&
    ((s as { attempt?: unknown }).attempt === undefined || wholeFrom(1)((s as { attempt?: unknown }).attempt)) &&
    ALL_PART_FAULTS.includes((s as { fault?: unknown }).fault as never)), `an array of { part (from 0), attempt? (from 1), fault (${ALL_PART_FAULTS.join(', ')}) }`],
  ['faults.retryAfterSeconds', wholeFrom(0), 'a whole number of seconds from 0 up'],
  ['faults.slowMs', msFromZero, 'a number of ms from 0 up'],
  ['faults.latencyMs', msFromZero, 'a number of ms from 0 up'],
  ['faults.commitAccepted', wholeOrInfinity(0), 'a whole number from 0 up, or Infinity'],
  ['faults.commitFaults', listOf((f) => f === null || COMMIT_FAULTS.includes(f)), `an array of ${COMMIT_FAULTS.join(', ')} or null`],
  ['faults.uploadFailedAfterParts', wholeOrInfinity(0), 'a whole number of parts from 0 up, or Infinity (never)'],
  ['faults.sessionConflict', (v) => typeof v === 'boolean', 'true or false'],
]

/** A short text of a refused value (never a token: `tokens` is only described by its type). */
const shown = (path: string, value: unknown): string =>
  path === 'tokens' ? (Array.isArray(value) ? `an array of ${value.length}` : typeof value)
    : typeof value === 'function' ? 'a function'
      : typeof value === 'number' ? String(value)
        : (JSON.stringify(value) ?? String(value)).slice(0, 80)

/** The `TypeError` for option `path` set to `value`, which must be `must` (the Node adapter's own options say it so too). */
export const refusal = (path: string, must: string, value: unknown): TypeError => new TypeError(`${path} must be ${must}, got ${shown(path, value)}`)

/** Every option's path: a key not among them is a misspelling or in the wrong place (`latencyMs` is a fault). */
const known = new Set(rules.map(([path]) => path))

/** The fields of a scripted fault: another (`attempts`) would be dropped, and the fault put on the first attempt. */
const scriptFields: ReadonlyArray<string> = ['part', 'attempt', 'fault']

/** The keys of `value` (when it is an object) that `isKnown` refuses. */
const strangers = (value: unknown, isKnown: (key: string) => boolean): ReadonlyArray<string> =>
  Object.keys(typeof value === 'object' && value !== null ? value : {}).filter((key) => !isKnown(key))

/**
 * Throws a `TypeError` unless `options` is an object (or left out, `undefined`): `null` or an array, from code
 * without types, would fail at its first read with a message that names no option. `serve` checks its own too.
 */
export const checkObject = (options: unknown): void => {
  if (options === undefined || (typeof options === 'object' && options !== null && !Array.isArray(options))) return
  throw new TypeError(`options must be an object (or left out), got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}`)
}

/** Throws a `TypeError` for the first option that is unknown, or set (not `undefined`) and unusable. */
export const validate = (options: EmulatorOptions): void => {
  checkObject(options)
  for (const [scope, object] of [['', options], ['faults.', options.faults]] as const) {
    const [unknown] = strangers(object, (key) => known.has(scope + key))
    if (unknown === undefined) continue
    const meant = scope === '' && known.has(`faults.${unknown}`) ? `: it is a fault, faults.${unknown}` : ''
    throw new TypeError(`${scope}${unknown} is not an option of the emulator${meant}`)
  }
  const script: unknown = options.faults?.script
  for (const [i, entry] of (Array.isArray(script) ? (script as ReadonlyArray<unknown>) : []).entries()) {
    const [unknown] = strangers(entry, (key) => scriptFields.includes(key))
    if (unknown !== undefined) throw new TypeError(`faults.script[${i}].${unknown} is not a field of a scripted fault: { part, attempt?, fault }`)
  }
  for (const [path, check, must] of rules) {
    const value = path.split('.').reduce<unknown>((at, key) => (typeof at === 'object' && at !== null ? (at as Record<string, unknown>)[key] : undefined), options)
    if (value !== undefined && !check(value)) throw refusal(path, must, value)
  }
}
