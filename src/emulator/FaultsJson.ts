/**
 * The `faults` option written as JSON, as a process of its own is given it (`BOX_FAULTS` of main.ts, `box-upload
 * emulator --faults`) and says it back: an object, with the string "Infinity" where a field takes `Infinity`, which
 * JSON cannot write. Read once here, so that both read it alike.
 */
import type { Faults } from './Options.ts'
import { validate } from './Validate.ts'

// ---------------------------------------------------------------------------------------------
// model

/** The fields that take `Infinity`: the string "Infinity" stands for it. */
const unbounded: ReadonlyArray<string> = ['commitAccepted', 'uploadFailedAfterParts']

// ---------------------------------------------------------------------------------------------
// operations

/**
 * The faults `json` writes, checked as the emulator checks its options. Text that does not parse, anything but an
 * object, or faults the emulator refuses throw a `TypeError` whose message starts with `name`, where they came from
 * (`BOX_FAULTS is refused by the emulator: faults.probability must be a number from 0 to 1, got 2`).
 */
export const faultsFromJson = (name: string) => (json: string): Faults => {
  const value = parsed(name, json)
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`${name} must be a JSON object (the emulator's faults, like {"latencyMs":200}), not ${kindOf(value)}`)
  }
  const faults = withInfinity(value as Record<string, unknown>)
  try {
    validate({ faults })
  } catch (error) {
    throw new TypeError(`${name} is refused by the emulator: ${(error as Error).message}`)
  }
  return faults as Faults
}

/** Faults as one line of JSON, `Infinity` written as "Infinity", as `faultsFromJson` reads it. */
export const faultsToJson = (faults: Faults): string =>
  JSON.stringify(faults, (_, value: unknown) => (value === Number.POSITIVE_INFINITY ? 'Infinity' : value))

// ---------------------------------------------------------------------------------------------
// helpers

/** The value `json` writes, or a `TypeError` naming `name` and JSON.parse's reason. */
const parsed = (name: string, json: string): unknown => {
  try {
    return JSON.parse(json) as unknown
  } catch (error) {
    throw new TypeError(`${name} is not valid JSON (${(error as Error).message})`)
  }
}

/** The object with "Infinity" read as `Infinity` where a field takes it. */
const withInfinity = (given: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(given).map(([key, value]) => [key, unbounded.includes(key) && value === 'Infinity' ? Number.POSITIVE_INFINITY : value]))

/** What a JSON value is, in words. */
const kindOf = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`
