/** Wrong usage of `box-upload`: the value every command-line parser fails with (exit code 2). */

// ---------------------------------------------------------------------------------------------
// model

/** Wrong usage: exit code 2 and this one-line reason. */
export interface UsageError {
  readonly _tag: 'UsageError'
  readonly message: string
}

// ---------------------------------------------------------------------------------------------
// constructors

/** A `UsageError` with this reason. */
export const usageError = (message: string): UsageError => ({ _tag: 'UsageError', message })
