/**
 * The resume state file written on Ctrl-C: the kept upload session and the file it belongs to
 * (path, size, modification time), plus where it was going. Never the token.
 */
import { readFile, rename, rm, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { pipe } from 'fp-ts/lib/function.js'
import * as t from 'io-ts'
import { PathReporter } from 'io-ts/lib/PathReporter.js'
import { Session, fromJSON } from '../Session.ts'
import { message } from '../UploadError.ts'
import type { FileInfo } from './Input.ts'

// ---------------------------------------------------------------------------------------------
// codecs

/**
 * What `box-upload --resume` needs to continue. `session` is the library's `Session` data (its
 * `chunker` is not data: `Session.revive` puts it back). Exact: encoding drops any field not listed, so a token can never
 * slip into the file.
 */
export const State = t.exact(t.intersection([
  t.type({
    version: t.literal(1),
    file: t.exact(t.type({ path: t.string, size: t.number, mtimeMs: t.number })),
    /** The upload API the session lives on (Box or an emulator). */
    uploadUrl: t.string,
    folderId: t.string,
    name: t.string,
    session: Session,
    savedAt: t.string,
  }),
  t.partial({ apiUrl: t.string }),
]))
export type State = t.TypeOf<typeof State>

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

/** The default state file of an upload: `.box-upload-state.<file name>.json` beside the file. */
export const pathFor = (file: string): string => join(dirname(file), `.box-upload-state.${basename(file)}.json`)

/** Why the file no longer matches the state, or `undefined` when it is the same file. */
export const changed = (state: State, file: FileInfo): string | undefined =>
  file.path !== state.file.path ? `the state file is for ${state.file.path}, not ${file.path}`
    : file.size !== state.file.size ? `${file.path} changed size (${state.file.size} bytes when interrupted, ${file.size} now)`
    : file.mtimeMs !== state.file.mtimeMs ? `${file.path} was modified since the upload was interrupted`
    : undefined

/** Decodes a state file's text; a session whose sizes disagree (edited, or mixed with another) is refused as the library's `fromJSON` refuses it. */
export const decode = (path: string) => (text: string): E.Either<StateError, State> =>
  pipe(
    E.tryCatch(() => JSON.parse(text) as unknown, () => stateError(`${path} is not JSON`)),
    E.flatMap((json) => pipe(State.decode(json), E.mapLeft((errors) => stateError(`${path} is not a box-upload state file: ${PathReporter.report(E.left(errors))[0]}`)))),
    E.tap((state) => pipe(fromJSON(state.session), E.mapLeft((error) => stateError(`${path} is not a usable box-upload state file: ${message(error)}`)))),
  )

/** Reads and decodes the state file at `path`. */
export const read = (path: string): TE.TaskEither<StateError, State> =>
  pipe(
    TE.tryCatch(
      () => readFile(path, 'utf8'),
      (cause) => (cause as { code?: string }).code === 'ENOENT'
        ? stateError(`nothing to resume: no state file ${path} (it is written when an upload is interrupted with Ctrl-C)`)
        : stateError(`cannot read the state file ${path}: ${(cause as { code?: string }).code ?? String(cause)}`),
    ),
    TE.flatMap((text) => TE.fromEither(decode(path)(text))),
  )

/** Writes the state file atomically (temp file + rename), readable by the owner only. */
export const write = (path: string) => (state: State): TE.TaskEither<StateError, void> => {
  const temp = `${path}.${process.pid}.tmp`
  return TE.tryCatch(
    async () => {
      await writeFile(temp, JSON.stringify(State.encode(state), null, 2) + '\n', { mode: 0o600 })
      await rename(temp, path)
    },
    (cause) => stateError(`cannot write the state file ${path}: ${(cause as { code?: string }).code ?? String(cause)}`),
  )
}

/** Deletes the state file; a missing file is fine. */
export const remove = (path: string): TE.TaskEither<StateError, void> =>
  TE.tryCatch(() => rm(path, { force: true }), (cause) => stateError(`cannot delete the state file ${path}: ${String(cause)}`))
