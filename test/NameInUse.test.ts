import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { pipe } from 'fp-ts/lib/function.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { conflictingFileId, upload, uploadVersion } from '../src/index.ts'
import { httpError } from '../src/UploadError.ts'
import { bytesOf, download, fastRetry, sameBytes, sourceOf, uniqueName, withBox } from './helpers/upload.ts'

const NameInUse = suite('conflictingFileId')

// h112 (coming from Box's SDK): "upload, or a new version where the name is taken" read the file's id out of
// contextInfo, typed unknown, with casts of the user's own.
NameInUse('should give the file holding the name, so that its new version is uploaded instead', withBox({}, async (box) => {
  const fileName = uniqueName()
  const first = bytesOf(3000, 1)
  const second = bytesOf(2500, 2)
  const made = await upload(box.client)({ source: sourceOf(first), folderId: '0', fileName, fileSize: first.length }, { retry: fastRetry })()
  assert.ok(E.isRight(made), JSON.stringify(made))
  const uploadOrNewVersion = pipe(
    upload(box.client)({ source: sourceOf(second), folderId: '0', fileName, fileSize: second.length }, { retry: fastRetry }),
    TE.orElse((error) => {
      const fileId = conflictingFileId(error)
      return fileId === undefined ? TE.left(error) : uploadVersion(box.client)({ source: sourceOf(second), fileId, fileSize: second.length }, { retry: fastRetry })
    }),
  )
  const version = await uploadOrNewVersion()
  assert.ok(E.isRight(version) && E.isRight(made) && version.right.id === made.right.id, JSON.stringify(version))
  if (E.isRight(version)) sameBytes(await download(box, version.right.id), second)
}))

NameInUse('should read conflicts as one object or a list, and give nothing for any other error', () => {
  const clash = (contextInfo: unknown) => httpError({ status: 409, method: 'POST', url: 'https://upload.box.com/api/2.0/files/upload_sessions', code: 'item_name_in_use', contextInfo })
  assert.is(conflictingFileId(clash({ conflicts: { type: 'file', id: '123' } })), '123')
  assert.is(conflictingFileId(clash({ conflicts: [{ type: 'file', id: '456' }, { type: 'file', id: '789' }] })), '456')
  // A conflict without a type is taken for a file; a folder holding the name has no version to upload.
  assert.is(conflictingFileId(clash({ conflicts: { id: '321' } })), '321')
  assert.is(conflictingFileId(clash({ conflicts: { type: 'folder', id: '55' } })), undefined)
  assert.is(conflictingFileId(clash({ conflicts: [{ type: 'folder', id: '55' }] })), undefined)
  for (const contextInfo of [undefined, null, 'text', 7, {}, { conflicts: null }, { conflicts: [] }, { conflicts: { id: 123 } }, { conflicts: [null] }]) {
    assert.is(conflictingFileId(clash(contextInfo)), undefined, JSON.stringify(contextInfo))
  }
  const otherConflict = httpError({ status: 409, method: 'POST', url: 'https://upload.box.com/api/2.0/files/upload_sessions', code: 'session_conflict', contextInfo: { conflicts: { id: '123' } } })
  assert.is(conflictingFileId(otherConflict), undefined)
  assert.is(conflictingFileId({ _tag: 'Aborted', reason: undefined }), undefined)
})

NameInUse.run()
