/**
 * Where an upload goes, decided from the command line and the environment: the emulator embedded in
 * this process when no token is given, else a running server (Box, or a `box-upload emulator`).
 */
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import { type Raw, text } from './Argv.ts'
import { url } from './FlagValues.ts'
import { type TokenCommand, type TokenEnv, token } from './TokenCommand.ts'
import { type UsageError, usageError } from './UsageError.ts'

// ---------------------------------------------------------------------------------------------
// model

/** Box's upload host, where chunked uploads go when a token is given. */
export const BOX_UPLOAD_URL = 'https://upload.box.com/api/2.0'

/** Where an upload goes. */
export type Target =
  /**
   * An emulator started inside this process on 127.0.0.1 (no token given). With `--resume`: the
   * state file's server, with `apiUrl` (an `--api-url` given alone) to download the file back from.
   */
  | { readonly _tag: 'Embedded'; readonly partSize?: number; readonly apiUrl?: string }
  /**
   * A running server: Box (`BOX_UPLOAD_URL`) or a `box-upload emulator` (`--upload-url`); the token given, or
   * the command that prints it (`--token-command`).
   */
  | { readonly _tag: 'Remote'; readonly uploadUrl: string; readonly apiUrl?: string; readonly token: string | TokenCommand }

/** The environment variables that choose the target (`Args.Env` holds them all). */
export interface TargetEnv extends TokenEnv {
  readonly BOX_UPLOAD_URL?: string
  readonly BOX_API_URL?: string
}

// ---------------------------------------------------------------------------------------------
// operations

/** Decides where an upload goes: a token (flag or env, or a token command) means a remote server, Box unless a URL is given. */
export const target = (raw: Raw, env: TargetEnv, partSize: number | undefined): E.Either<UsageError, Target> => {
  const given = token(raw, env)
  return E.isLeft(given) ? given : where(raw, env, partSize, given.right)
}

/** The target once the token (if any) is known: the URLs given, and `--part-size`, decide the rest. */
const where = (raw: Raw, env: TargetEnv, partSize: number | undefined, token: string | TokenCommand | undefined): E.Either<UsageError, Target> => {
  const given = text(raw, 'upload-url') ?? (env.BOX_UPLOAD_URL || undefined)
  const api = text(raw, 'api-url') ?? (env.BOX_API_URL || undefined)
  // Errors name where a URL came from: the flag, or the environment variable (CI settings).
  const uploadName = text(raw, 'upload-url') === undefined && env.BOX_UPLOAD_URL ? 'BOX_UPLOAD_URL' : '--upload-url'
  const apiName = text(raw, 'api-url') === undefined && env.BOX_API_URL ? 'BOX_API_URL' : '--api-url'
  if (token === undefined && given === undefined) {
    if (api === undefined) return E.right({ _tag: 'Embedded', ...(partSize ? { partSize } : {}) })
    // A resume goes to the server its state file names (with the emulator's public token): only the check's URL is new.
    return raw.values.resume === true
      ? pipe(url(apiName)(api), E.map((apiUrl): Target => ({ _tag: 'Embedded', apiUrl })))
      : E.left(usageError(`${apiName} needs --upload-url too`))
  }
  if (partSize !== undefined) return E.left(usageError('--part-size only applies to the embedded emulator (no token, no --upload-url); Box chooses the part size'))
  return pipe(
    url(uploadName)(given ?? BOX_UPLOAD_URL),
    E.flatMap((uploadUrl) => pipe(
      api === undefined ? E.right<UsageError, string | undefined>(undefined) : url(apiName)(api),
      // A running `box-upload emulator` accepts the token `dev-token` by default.
      E.map((apiUrl): Target => ({ _tag: 'Remote', uploadUrl, ...(apiUrl ? { apiUrl } : {}), token: token ?? 'dev-token' })),
    )),
  )
}
