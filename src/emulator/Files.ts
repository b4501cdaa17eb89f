/**
 * Committed files as Box shows them (`File--Full`, protocol §4.4), and the API-base routes that let
 * tests check results: `GET /2.0/files/:id` and `GET /2.0/files/:id/content`.
 */
import { fail } from './BoxError.ts'
import type { Config } from './Config.ts'
import { isoDate, json } from './Http.ts'
import { ownFile, type Store, type StoredFile } from './Store.ts'
import { userJson } from './Users.ts'

const folderMini = (id: string) => ({ type: 'folder' as const, id, sequence_id: null, etag: null, name: id === '0' ? 'All Files' : `Folder ${id}` })

/** The short form used in `context_info.conflicts`. */
export const fileMini = (f: StoredFile) => ({
  type: 'file' as const,
  id: f.id,
  etag: String(f.etag),
  sequence_id: String(f.etag),
  name: f.name,
  sha1: f.sha1,
  file_version: { type: 'file_version' as const, id: f.versionId, sha1: f.sha1 },
})

/** The full file object (`File--Full`). */
export const fileFull = (f: StoredFile) => {
  const user = userJson(f.owner)
  const dot = f.name.lastIndexOf('.')
  return {
    ...fileMini(f),
    description: f.description,
    size: f.size,
    path_collection: { total_count: f.folderId === '0' ? 1 : 2, entries: f.folderId === '0' ? [folderMini('0')] : [folderMini('0'), folderMini(f.folderId)] },
    created_at: isoDate(f.createdAt),
    modified_at: isoDate(f.modifiedAt),
    trashed_at: null,
    purged_at: null,
    content_created_at: f.contentCreatedAt ?? isoDate(f.createdAt),
    content_modified_at: f.contentModifiedAt ?? isoDate(f.modifiedAt),
    created_by: user,
    modified_by: user,
    owned_by: user,
    parent: folderMini(f.folderId),
    item_status: 'active' as const,
    version_number: String(f.etag + 1),
    comment_count: 0,
    extension: dot > 0 ? f.name.slice(dot + 1) : '',
    is_package: false,
    lock: null,
  }
}

const findFile = (store: Store, user: number, id: string): StoredFile => {
  const f = ownFile(store, user, id)
  if (!f) throw fail(404, 'not_found', `File ${id.slice(0, 64)} not found`)
  return f
}

/** `GET /2.0/files/:id`. */
export const getFile = (store: Store, user: number, id: string): Response => {
  const f = findFile(store, user, id)
  return json(200, fileFull(f), { etag: `"${f.etag}"` })
}

/**
 * `GET /2.0/files/:id/content`: the bytes ('memory' storage); 404 in 'digest' storage, which keeps none.
 * In-process the reader gets copies: the stored chunks themselves would let it change the file.
 */
export const getContent = (config: Config, store: Store, user: number, id: string): Response => {
  const f = findFile(store, user, id)
  const content = f.content
  if (!content) throw fail(404, 'not_found', `The emulator keeps no bytes in 'digest' storage (file ${id})`)
  let i = 0
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = content[i++]
      if (next) controller.enqueue(config.ownsBodies ? next : next.slice())
      else controller.close()
    },
  })
  return new Response(stream, {
    status: 200,
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(f.size), etag: `"${f.etag}"` },
  })
}
