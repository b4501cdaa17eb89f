/**
 * The state file checked before an upload sends anything: the one to resume from (`resumable`),
 * where that resume goes (`resumeTarget`), whether the session on the server is the one it
 * describes (`disagreement`), and whether a new upload may take a `--state` path (`occupied`).
 * Each refusal says what to do instead.
 */
import { stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import type { Client } from '../Client.ts'
import { type Session, getSession } from '../Session.ts'
import { type RetryPolicy, retryRequests } from '../Retry.ts'
import type { UploadCommand } from './Command.ts'
import { EMULATOR_TOKEN } from './Connect.ts'
import { canonicalUrl } from './FlagValues.ts'
import type { FileInfo } from './Input.ts'
import { sameOrigin } from './SameServer.ts'
import { asFileArgument, shellQuote } from './ShellCommand.ts'
import * as State from './State.ts'
import { BOX_UPLOAD_URL, type Target } from './Target.ts'
import { type UsageError, usageError } from './UsageError.ts'

// ---------------------------------------------------------------------------------------------
// operations

/**
 * The state to resume from, refused saying what to do instead: when there is none at `path`, when it
 * is another file's (a wrong `--state`), or when the file changed since.
 */
export const resumable = async (command: UploadCommand, path: string, info: FileInfo): Promise<E.Either<State.StateError | UsageError, State.State>> => {
  const own = State.pathFor(info.path)
  // Whether the file's own state file, when --state names another, holds a state to resume from: read
  // only for the refusals that point to it, not on the way to a resume.
  const ownElsewhere = async (): Promise<boolean> => own !== resolve(path) && E.isRight(await State.read(own)())
  if (!(await exists(path))) {
    return E.left(usageError(
      command.state === undefined
        ? `nothing to resume: no state file ${path} (an upload to Box or a server keeps one there while its session is open, and after an interruption): give the --state the interrupted run was given, if any, or upload without --resume`
        : `nothing to resume: no state file ${path}: check the --state path${await ownElsewhere() ? `, or leave it out to resume from ${own}, this file's own state file` : ', or upload without --resume'}`,
    ))
  }
  const state = await State.read(path)()
  if (E.isLeft(state)) return state
  const started = state.right.file.path
  if (!State.samePath(started, info.path)) {
    const where = canonicalUrl(state.right.uploadUrl) === BOX_UPLOAD_URL ? '' : ` --upload-url ${shellQuote(canonicalUrl(state.right.uploadUrl))}`
    // The command goes last, on a line of its own: no sentence's period to copy with it.
    const that = await exists(started)
      ? `\nTo continue that one (with a valid token of the user who started it, if it had one): box-upload ${shellQuote(asFileArgument(started))} --resume${State.pathFor(started) === resolve(path) ? '' : ` --state ${shellQuote(path)}`}${where}`
      : ` ${started} is not there any more (moved or renamed?): put it back to continue that one.`
    const mine = await ownElsewhere() ? `leave out --state to resume from ${own}, this file's own state file` : 'upload it without --resume'
    return E.left(usageError(`refusing to resume ${info.path} with ${path}: it holds the interrupted upload of ${started}. For ${info.path}, ${mine}.${that}`))
  }
  const why = State.changed(state.right, info)
  return why === undefined ? state : E.left(usageError(`refusing to resume: ${why}. Start a new upload without --resume (the old session expires on its own).`))
}

/**
 * Where a resumed upload goes: where its session lives. A token given now only goes where it is
 * pointed now (Box by default, or --upload-url), never to a host a state file names, which anyone
 * who can write that file could choose: a session elsewhere is refused, saying how to resume it.
 * Without a token, the emulator's public token goes to the session's emulator.
 */
export const resumeTarget = (state: State.State, given: Target): E.Either<UsageError, Target> => {
  const apiUrl = state.apiUrl !== undefined && sameOrigin(state.apiUrl, state.uploadUrl) ? { apiUrl: state.apiUrl } : {}
  // A state file written before URLs were made canonical may spell its URL otherwise.
  const stateUrl = canonicalUrl(state.uploadUrl)
  if (given._tag === 'Remote') {
    return given.uploadUrl === stateUrl
      ? E.right({ ...apiUrl, ...given })
      : E.left(usageError(
        `the interrupted upload's session is on ${stateUrl}, not ${given.uploadUrl}, where the token goes; ` +
          `to resume it there, add --upload-url ${stateUrl}`,
      ))
  }
  // An --api-url given now is the user's own choice, and only the emulator's public token goes there.
  return stateUrl === BOX_UPLOAD_URL
    ? E.left(usageError('resuming an upload to Box needs its token: pass --token or set BOX_TOKEN (or --token-command, BOX_TOKEN_COMMAND)'))
    : E.right({ _tag: 'Remote', uploadUrl: stateUrl, ...(given.apiUrl !== undefined ? { apiUrl: given.apiUrl } : apiUrl), token: EMULATOR_TOKEN })
}

/**
 * Why the session on the server is not the one the state file describes (`State.disagrees`, or a part count that
 * does not fit its file size), from the session's status; `undefined` when it is, and when the status cannot be
 * read (gone, unreachable, stopped): the resume then meets that when it lists the parts, and goes on as it always did.
 * Its request is tried as `retry` says (the upload's policy: `--timeout`).
 */
export const disagreement = async (client: Client, state: State.State, session: Session, signal: AbortSignal, retry: RetryPolicy): Promise<string | undefined> => {
  const status = await retryRequests(client, retry, { signal })((bounded) => getSession(client, { signal: bounded })(session))()
  return E.isRight(status) ? State.disagrees(state, status.right) : status.left._tag === 'InvalidInput' ? status.left.message : undefined
}

/**
 * Why a new upload may not take `--state path`, which an interruption overwrites: it is the file
 * being uploaded, or a file that is no state file (`stored`: what reading it gave; one of another
 * upload is checked by the caller).
 */
export const occupied = async (path: string, file: FileInfo, stored: E.Either<State.StateError, State.State>): Promise<string | undefined> => {
  const [found, uploaded] = await Promise.all([stat(path).catch(() => undefined), stat(file.path).catch(() => undefined)])
  // Absent, or empty (a placeholder, as `mktemp` makes): nothing to lose.
  if (found === undefined || (found.isFile() && found.size === 0)) return undefined
  if (uploaded !== undefined && found.dev === uploaded.dev && found.ino === uploaded.ino) {
    return `--state ${path} is the file being uploaded: an interruption would overwrite it with the state; choose another path`
  }
  return E.isLeft(stored)
    ? `--state ${path} exists and is not a box-upload state file, which an interruption would overwrite: choose another path, or delete it (${stored.left.message})`
    : undefined
}

// ---------------------------------------------------------------------------------------------
// helpers

/** Whether something is at `path` (what cannot be checked counts as there: reading it says why). */
const exists = (path: string): Promise<boolean> =>
  stat(path).then(() => true, (cause: { readonly code?: string }) => cause.code !== 'ENOENT' && cause.code !== 'ENOTDIR')
