/**
 * Box's `409 item_name_in_use`: a file (or a folder) in the folder already holds the name. A file's id, to upload a
 * new version of it instead (a module of its own, so that a bundle that never reads it keeps its size).
 */
import type { UploadError } from './UploadError.ts'

// ---------------------------------------------------------------------------------------------
// operations

/**
 * The id of the file holding the name after Box's `409 item_name_in_use` (`contextInfo.conflicts`, one object or
 * a list, as Box's samples and its API reference disagree), to upload a new version of it with `uploadVersion`;
 * `undefined` for any other error, and when a folder holds the name.
 * @example
 * TE.orElse((error) => {
 *   const fileId = conflictingFileId(error)
 *   return fileId === undefined ? TE.left(error) : uploadVersion(box)({ source: file.stream(), fileId, fileSize: file.size })
 * })
 */
export const conflictingFileId = (error: UploadError): string | undefined => {
  const holder = nameHolder(error)
  // A folder may hold the name too (its conflict says `type: 'folder'`): it has no versions, and its id is no
  // file's. A conflict without a type is taken for the file Box's samples show.
  return holder !== undefined && (holder.type ?? 'file') === 'file' ? holder.id : undefined
}

/**
 * What holds the name after Box's `409 item_name_in_use`: the first of `contextInfo.conflicts` (one object or a
 * list), its `type` as Box gave it (`file`, `folder`, or none) and its id; `undefined` for any other error or a
 * conflict without an id. `conflictingFileId` reads it for users, box-upload to name a folder that holds it.
 */
export const nameHolder = (error: UploadError): { readonly type: unknown; readonly id: string } | undefined => {
  if (error._tag !== 'HttpError' || error.code !== 'item_name_in_use') return undefined
  // As UploadError.ts's `conflictingFile` reads it for `message`, written twice: calling this from there cost the
  // upload path's bundle 2 to 14 bytes, which its budget does not have.
  // JSON from Box: a value that is no object (text, a number) has no `conflicts` or `id` either.
  const conflicts = (error.contextInfo as Conflict)?.conflicts
  const conflict = (Array.isArray(conflicts) ? conflicts[0] : conflicts) as Conflict
  return typeof conflict?.id === 'string' ? { type: conflict.type, id: conflict.id } : undefined
}

// ---------------------------------------------------------------------------------------------
// helpers

/** What `context_info` may hold after a 409 `item_name_in_use`: the file (or files) with the name. */
type Conflict = { readonly conflicts?: unknown; readonly id?: unknown; readonly type?: unknown } | null | undefined
