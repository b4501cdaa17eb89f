/**
 * Where `box-upload`'s file goes in Box: a new file in a folder, a new version of a file (`--file-id`'s, a resumed
 * upload's), or with `--overwrite` a new version of the file that holds the name. How the first line and the state
 * file name it, which request sends the bytes there, and where the committed file then is.
 */
import * as E from 'fp-ts/lib/Either.js'
import type * as TE from 'fp-ts/lib/TaskEither.js'
import type { BoxFile } from '../BoxFile.ts'
import type { Client } from '../Client.ts'
import { conflictingFileId } from '../NameInUse.ts'
import { resume } from '../Resume.ts'
import type { Session } from '../Session.ts'
import { type UploadFailure, type UploadOptions, upload, uploadVersion } from '../Upload.ts'
import type { UploadCommand } from './Command.ts'
import type { Committed } from './EarlierUpload.ts'
import type { FileInfo } from './Input.ts'
import type * as State from './State.ts'

// ---------------------------------------------------------------------------------------------
// model

/** Where the bytes go: the resumed `session` when there is one, else a new version of file `versionOf`, else a new file. */
export interface Destination {
  readonly session: Session | undefined
  readonly versionOf: string | undefined
}

// ---------------------------------------------------------------------------------------------
// operations

/** How the first line names the upload: resumed or not, a new version of file `fileId` or a new file. */
export const firstLine = (resumed: boolean, fileId: string | undefined): string => {
  const version = fileId === undefined ? undefined : `a new version of file ${fileId}`
  return resumed ? `Resuming the upload${version === undefined ? '' : ` of ${version}`}` : `Uploading${version === undefined ? '' : ` ${version}`}`
}

/** Where a new upload's file goes: a folder and name, or a new version of file `versionOf` (with `--overwrite`, the one holding that name). */
export const placeOf = (command: UploadCommand, info: FileInfo, versionOf: string | undefined): State.Place => {
  const name = command.name ?? info.name
  if (versionOf === undefined) return { folderId: command.folderId, name }
  // --file-id names no folder, and a name only to rename the file.
  return command.fileId !== undefined ? { fileId: versionOf, ...(command.name !== undefined ? { name: command.name } : {}) } : { fileId: versionOf, folderId: command.folderId, name }
}

/** Sends `source`, the file from its first byte, to `destination`: the resumed session, a new version of a file, or a new file. */
export const uploadTo = (client: Client, command: UploadCommand, info: FileInfo) =>
  (destination: Destination, source: ReadableStream<Uint8Array>, options: UploadOptions): TE.TaskEither<UploadFailure, BoxFile> => {
    // --file-id's --name renames the file; --overwrite's file keeps its own (the name matched it, perhaps in another case).
    const renamed = command.fileId === undefined ? undefined : command.name
    return destination.session !== undefined ? resume(client)({ session: destination.session, source }, options)
      : destination.versionOf !== undefined ? uploadVersion(client)({ source, fileId: destination.versionOf, fileName: renamed, fileSize: info.size }, options)
      : upload(client)({ source, folderId: command.folderId, fileName: command.name ?? info.name, fileSize: info.size }, options)
  }

/**
 * `--overwrite`: the file to send a new version to instead, when the `first` try found the name taken as the session
 * was to be made (so none was, and nothing was sent), and no Ctrl-C or signal `stopped` the upload; else `undefined`.
 * A name taken only at the commit stays the failure it is (kept, to resume).
 */
export const overwritten = (command: UploadCommand) =>
  (first: E.Either<UploadFailure, BoxFile>, session: Session | undefined, stopped: boolean): string | undefined =>
    command.overwrite === true && E.isLeft(first) && session === undefined && !stopped ? conflictingFileId(first.left) : undefined

/** The note that `--overwrite` sends a new version of file `taken`, which holds the name. */
export const overwriteNote = (command: UploadCommand, info: FileInfo) => (taken: string): string =>
  `note: ${command.name ?? info.name} is taken in folder ${command.folderId} by file ${taken}: uploading a new version of it (--overwrite)`

/** Where the committed `file` is: a new file where it was sent; a new version (of file `versionOf`) where its file is, under the name Box gives it. */
export const committedPlace = (command: UploadCommand, info: FileInfo, versionOf: string | undefined) =>
  (file: BoxFile): Omit<Committed, 'session'> =>
    versionOf === undefined
      ? { fileId: file.id, folderId: command.folderId, name: command.name ?? info.name }
      : { fileId: file.id, folderId: file.parent?.id, name: file.name }
