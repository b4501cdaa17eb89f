/**
 * The resume state file: the upload session and the file it belongs to (path, size, modification
 * time), and where it was going. Written when a new upload's session is created and when one is
 * kept (Ctrl-C, SIGTERM, a failure worth resuming). Never the token.
 */
import { createHash, randomBytes } from 'node:crypto'
import { readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { pipe } from 'fp-ts/lib/function.js'
import * as t from 'io-ts'
import { Session, fromJSON } from '../Session.ts'
import { message } from '../UploadError.ts'
import type { FileInfo } from './Input.ts'

// ---------------------------------------------------------------------------------------------
// codecs

/**
 * What `box-upload --resume` needs to continue. `session` is the library's `Session` data (its
 * `chunker` is not data: `Session.revive` puts it back). Exact: encoding drops any field not listed, so a token can never
 * slip into the file. Where the file goes: a new file's `folderId` and `name` (every state file before new versions
 * had both), or for a new version (`--file-id`, `--overwrite`) the `fileId` it belongs to, with the folder and
 * name where known; `decode` refuses a state with neither. Only what the messages say: the session itself belongs to
 * the file already, and its commit makes the new version.
 */
export const State = t.exact(t.intersection([
  t.type({
    version: t.literal(1),
    file: t.exact(t.type({ path: t.string, size: t.number, mtimeMs: t.number })),
    /** The upload API the session lives on (Box or an emulator). */
    uploadUrl: t.string,
    session: Session,
    savedAt: t.string,
  }),
  t.partial({ apiUrl: t.string, folderId: t.string, name: t.string, fileId: t.string }),
]))
export type State = t.TypeOf<typeof State>

/** Where an upload's file goes, as a state file records it. */
export type Place = Pick<State, 'folderId' | 'name' | 'fileId'>

// ---------------------------------------------------------------------------------------------
// model

/** The state file is missing, unreadable, malformed, or belongs to a file that has changed since. Exit code 2. */
export interface StateError {
  readonly _tag: 'StateError'
  readonly message: string
}

const stateError = (message: string): StateError => ({ _tag: 'StateError', message })

// ---------------------------------------------------------------------------------------------
// operations

/** Longest file name most file systems take, in bytes (NAME_MAX). */
const nameMax = 255

/**
 * The default state file of an upload: `.box-upload-state.<file name>.json` beside the file; for a
 * name too long to fit in one, its first characters and a hash of it (Box takes names of 255).
 */
export const pathFor = (file: string): string => {
  const name = basename(file)
  const whole = `.box-upload-state.${name}.json`
  const short = () => `.box-upload-state.${[...name].slice(0, 40).join('')}~${createHash('sha1').update(name).digest('hex').slice(0, 16)}.json`
  return join(dirname(file), Buffer.byteLength(whole) <= nameMax ? whole : short())
}

/**
 * Whether two absolute paths name the same file: equal, or once symbolic links are followed. A
 * directory reached through a link is spelled otherwise by a shell there (Node's working directory
 * is the physical one), and so is macOS's `/tmp`.
 */
export const samePath = (a: string, b: string): boolean => a === b || (real(a) ?? a) === (real(b) ?? b)

const real = (path: string): string | undefined => {
  try {
    return realpathSync.native(path)
  } catch {
    return undefined
  }
}

/** A state's place: the fields it has of `Place`. */
export const placeOf = (state: State): Place => ({
  ...(state.folderId !== undefined ? { folderId: state.folderId } : {}),
  ...(state.name !== undefined ? { name: state.name } : {}),
  ...(state.fileId !== undefined ? { fileId: state.fileId } : {}),
})

/**
 * The place in words: `backup.iso in folder 0`; for a new version `a new version of file 42`, with its folder and
 * name when known (`--overwrite`: ` (backup.iso in folder 0)`), or the name it takes (`--file-id` with `--name`).
 */
export const describe = (place: Place): string =>
  place.fileId === undefined ? `${place.name} in folder ${place.folderId}`
    : `a new version of file ${place.fileId}${place.name === undefined ? '' : place.folderId === undefined ? `, renamed ${place.name}` : ` (${place.name} in folder ${place.folderId})`}`

/** Why the file no longer matches the state, or `undefined` when it is the same file. */
export const changed = (state: State, file: FileInfo): string | undefined =>
  !samePath(file.path, state.file.path) ? `the state file is for ${state.file.path}, not ${file.path}`
    : file.size !== state.file.size ? `${file.path} changed size (${state.file.size} bytes when interrupted, ${file.size} now)`
    : file.mtimeMs !== state.file.mtimeMs ? `${file.path} was modified since the upload was interrupted`
    : undefined

/**
 * Why the session the server holds (its status, as `getSession` reads it) is not the one `state` describes, or
 * `undefined` when it is. Part size and count edited together agree with each other and with the file: only the
 * server tells, and resumed, the parts would be cut otherwise than it holds them (a digest mismatch, late).
 */
export const disagrees = (state: State, server: Pick<Session, 'partSize' | 'totalParts'>): string | undefined => {
  const { partSize, totalParts } = state.session
  return partSize === server.partSize && totalParts === server.totalParts ? undefined
    : `its session is cut into ${totalParts} parts of ${partSize} bytes, the session on the server into ${server.totalParts} of ${server.partSize}`
}

/** Decodes a state file's text; a session whose sizes disagree (edited, or mixed with another) is refused as the library's `fromJSON` refuses it. */
export const decode = (path: string) => (text: string): E.Either<StateError, State> =>
  pipe(
    E.tryCatch(() => JSON.parse(text) as unknown, () => stateError(`${path} is not JSON`)),
    E.flatMap((json) => pipe(State.decode(json), E.mapLeft((errors) => stateError(`${path} is not a box-upload state file: ${firstProblem(errors)}`)))),
    E.tap((state) => pipe(fromJSON(state.session), E.mapLeft((error) => stateError(`${path} is not a usable box-upload state file: ${message(error)}`)))),
    E.filterOrElse(
      (state) => state.fileId !== undefined || (state.folderId !== undefined && state.name !== undefined),
      () => stateError(`${path} is not a box-upload state file: it names neither a folderId and name nor a fileId`),
    ),
    // The session was made for the file's size: another one (an edit) would fail only once parts were sent.
    E.filterOrElse(
      (state) => state.session.fileSize === state.file.size,
      (state) => stateError(`${path} is not a usable box-upload state file: its session is for ${state.session.fileSize} bytes, its file ${state.file.size}`),
    ),
  )

/** Bytes past which a file is no state file (one is ~1 KB): not read whole to find out. */
const maxStateBytes = 1024 * 1024

/** The first field that did not decode, by its path (io-ts's own report prints the whole type, ~1 KB). */
const firstProblem = (errors: t.Errors): string => {
  const first = errors[0]
  // Digits are the members of the codec's intersection, not fields (a state file has no arrays).
  const at = first?.context.map((entry) => entry.key).filter((key) => key !== '' && !/^\d+$/.test(key)).join('.') || 'the whole file'
  return first?.value === undefined ? `${at} is missing` : `${at} is not valid (${String(JSON.stringify(first.value)).slice(0, 60)})`
}

/**
 * Reads and decodes the state file at `path`, at once: a state is ~1 KB, and a third Ctrl-C, which exits
 * without waiting, reads it too (`holdingNow`).
 */
export const readNow = (path: string): E.Either<StateError, State> => {
  const unreadable = (cause: unknown): StateError => (cause as { code?: string }).code === 'ENOENT'
    ? stateError(`nothing to resume: no state file ${path} (an upload to Box or a server keeps one while its session is open, and after an interruption)`)
    : stateError(`cannot read the state file ${path}: ${(cause as { code?: string }).code ?? String(cause)}`)
  return pipe(
    E.tryCatch(() => statSync(path), unreadable),
    E.filterOrElse(
      (found) => found.isFile() && found.size <= maxStateBytes,
      (found) => stateError(`${path} is not a box-upload state file (${found.isFile() ? `${found.size} bytes` : 'not a regular file'})`),
    ),
    E.flatMap(() => E.tryCatch(() => readFileSync(path, 'utf8'), unreadable)),
    E.flatMap(decode(path)),
  )
}

/** `readNow` as a task. */
export const read = (path: string): TE.TaskEither<StateError, State> => async () => readNow(path)

/**
 * Writes the state file atomically (temp file + rename), readable by the owner only. Synchronously: a
 * state is ~1 KB, and no exit (a third Ctrl-C exits at once) can then come between the two steps and
 * leave the temp file, with the session's state, beside the file under a name no --resume reads.
 */
export const write = (path: string) => (state: State): TE.TaskEither<StateError, void> => async () => {
  // Named apart from the state file, so that a long one still leaves room for it (NAME_MAX), and
  // at random: processes with the same pid (each one the first of its container) may share a directory.
  const temp = join(dirname(path), `.box-upload-state.${process.pid}.${randomBytes(6).toString('hex')}.tmp`)
  try {
    writeFileSync(temp, JSON.stringify(State.encode(state), null, 2) + '\n', { mode: 0o600 })
    renameSync(temp, path)
    return E.right(undefined)
  } catch (cause) {
    // A write cut short (a full disk) or a rename refused (the path is a directory, say) leaves no temp file
    // either. Where the directory cannot even be looked into (ENOTDIR, EACCES), there is none to remove.
    try {
      rmSync(temp, { force: true })
    } catch {
      // Nothing was written there.
    }
    return E.left(stateError(`cannot write the state file ${path}: ${(cause as { code?: string }).code ?? String(cause)}`))
  }
}

/** Deletes the state file; a missing file is fine. */
export const remove = (path: string): TE.TaskEither<StateError, void> =>
  TE.tryCatch(() => rm(path, { force: true }), (cause) => stateError(`cannot delete the state file ${path}: ${String(cause)}`))

/**
 * Deletes the state file if it still holds session `id` (and says whether it did): another upload of
 * the same file (started while this one ran) may have written its own there since, which is that one's way back.
 */
export const removeIfHolding = async (path: string, id: string): Promise<boolean> =>
  await holding(path, id) && E.isRight(await remove(path)())

/** Whether the state file at `path` holds session `id` (what another run wrote there since does not), read at once. */
export const holdingNow = (path: string, id: string): boolean =>
  pipe(readNow(path), E.exists((state) => state.session.id === id))

/** `holdingNow` as a promise. */
export const holding = async (path: string, id: string): Promise<boolean> => holdingNow(path, id)
