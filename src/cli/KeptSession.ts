/**
 * An upload session kept on the server when an upload stops (interrupted, or failed in a way a
 * resume can mend): its state file written for `--resume`, and the message saying how to continue.
 * A new upload's state file is written as soon as its session exists, so that a kill no handler
 * sees (SIGKILL, the OOM killer, a power cut) still leaves it to resume.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Session } from '../Session.ts'
import type { UploadFailure } from '../Upload.ts'
import type { UploadCommand } from './Command.ts'
import { EMULATOR_TOKEN, type Endpoint } from './Connect.ts'
import type { FileInfo } from './Input.ts'
import { failure } from './Output.ts'
import { sameOrigin } from './SameServer.ts'
import { asFileArgument, invokedAs, shellQuote } from './ShellCommand.ts'
import * as State from './State.ts'
import { resumeWith } from './TokenCommand.ts'

// ---------------------------------------------------------------------------------------------
// model

/** An upload's state file as its session goes: written early, and again when the session is kept. */
export interface SessionState {
  /**
   * Writes a new upload's state as soon as its `session` exists (removed once the session is committed or
   * deleted); a write that fails is said (`say`), and the upload goes on.
   */
  readonly writeEarly: (session: Session) => void
  /** Whether the early write was made and succeeded, once it has settled. */
  readonly written: () => Promise<boolean>
  /**
   * The state of a `kept` session, once the early write has settled: written now, or, where that fails, one that
   * names it already (the state resumed from, or the early write), which a --resume finds as well.
   */
  readonly keep: (kept: Session) => Promise<E.Either<State.StateError, void>>
}

// ---------------------------------------------------------------------------------------------
// constructors

/**
 * The state file at `statePath` of the upload of `info` to `endpoint`, its session going to `place` (asked at each
 * write: `--overwrite` turns a new file into a new version before any session exists).
 */
export const sessionState = (info: FileInfo, statePath: string, endpoint: Endpoint, place: () => State.Place, say: (text: string) => void): SessionState => {
  let early: Promise<E.Either<State.StateError, void>> | undefined
  return {
    writeEarly: (session) => {
      early = save(info, statePath, endpoint, session, place()).then((saved) => {
        if (E.isLeft(saved)) say(`note: ${saved.left.message}; if this upload is killed it cannot be resumed (give --state a writable path)`)
        return saved
      })
    },
    written: async () => early !== undefined && E.isRight(await early),
    keep: async (kept) => {
      await early
      const saved = await save(info, statePath, endpoint, kept, place())
      return E.isLeft(saved) && await State.holding(statePath, kept.id) ? E.right(undefined) : saved
    },
  }
}

// ---------------------------------------------------------------------------------------------
// operations

/**
 * Writes the state file of a kept `session` going to `place` (`Transfer`'s: a resumed upload keeps the one it
 * started with, as `--resume` takes no --name, --folder or --file-id).
 */
const save = (info: FileInfo, statePath: string, endpoint: Endpoint, session: Session, place: State.Place): Promise<E.Either<State.StateError, void>> =>
  State.write(statePath)({
    version: 1,
    file: { path: info.path, size: info.size, mtimeMs: info.mtimeMs },
    uploadUrl: endpoint.client.uploadUrl,
    ...(endpoint.apiUrl !== undefined ? { apiUrl: endpoint.apiUrl } : {}),
    ...place,
    session,
    savedAt: new Date().toISOString(),
  })()

/** Says that `session` is kept (or could not be recorded) and how to continue; `refused`: with another token than the one Box refused. */
export const keptSession = (
  command: UploadCommand, statePath: string, endpoint: Endpoint, session: Session, saved: E.Either<State.StateError, void>,
  what: string, error: UploadFailure, code: number, refused = false,
): number => {
  if (E.isLeft(saved)) {
    return failure(command, endpoint.where)(code, `${what.replace(/\.$/, '')}; the upload session ${session.id} is kept on the server but ${saved.left.message}, so --resume cannot find it ` +
      `(it expires on its own at ${session.expiresAt}): upload again with --state naming a file in a writable directory`, error, undefined, true)
  }
  // Off Box, where the session lives is said again: --resume sends a token only where it is told to. So
  // is an --api-url on another host, which a resume does not take from the state file.
  const api = endpoint.apiUrl !== undefined && !sameOrigin(endpoint.apiUrl, endpoint.client.uploadUrl) ? ` --api-url ${shellQuote(endpoint.apiUrl)}` : ''
  const where = endpoint.where === 'Box' ? '' : ` --upload-url ${shellQuote(endpoint.client.uploadUrl)}${api}`
  const again = `${invokedAs(process.env)} ${shellQuote(asFileArgument(command.file))} --resume${where}${command.state ? ` --state ${shellQuote(command.state)}` : ''}`
  const ownToken = command.target._tag === 'Remote' && command.target.token !== EMULATOR_TOKEN
  const token = resumeWith(command.target, refused) ?? (refused ? ' (with a valid --token or BOX_TOKEN of the user who started it)' : ownToken ? ' (with the same --token or BOX_TOKEN)' : '')
  return failure(command, endpoint.where)(
    code,
    `${what.replace(/\.$/, '')}. The upload session ${session.id} is kept on ${endpoint.client.uploadUrl} until ${session.expiresAt} (state in ${statePath}).\n` +
      `Continue with: ${again}${token}`,
    error,
    statePath,
  )
}
