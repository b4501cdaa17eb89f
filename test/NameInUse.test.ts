import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { pipe } from 'fp-ts/lib/function.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { conflictingFileId, upload, uploadVersion } from '../src/index.ts'
import { httpError } from '../src/UploadError.ts'
import { bytesOf, download, fastRetry, rightOf, sameBytes, sourceOf, uniqueName, withBox } from './helpers/upload.ts'

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

// README (Coming from Box's SDK): a file of that name may appear while the parts are sent; Box then answers the clash
// at the commit, and the version sends every part again.
NameInUse('should give the file that took the name while the parts were sent, from the commit\'s 409, so that its new version is uploaded', withBox({}, async (box) => {
  const fileName = uniqueName()
  const theirs = bytesOf(2000, 3)
  const ours = bytesOf(3000, 4)
  let taken: (upload: Promise<unknown>) => void = () => undefined
  const theirUpload = new Promise<unknown>((resolve) => (taken = resolve))
  // Our bytes come only once their upload, started when our session exists, has committed the name.
  const held = new ReadableStream<Uint8Array>({ start: (controller) => theirUpload.then(() => { controller.enqueue(ours.slice()); controller.close() }) })
  const uploadOrNewVersion = pipe(
    upload(box.client)({ source: held, folderId: '0', fileName, fileSize: ours.length }, {
      retry: fastRetry,
      onSession: () => taken(upload(box.client)({ source: sourceOf(theirs), folderId: '0', fileName, fileSize: theirs.length }, { retry: fastRetry })()),
    }),
    TE.orElse((error) => {
      const fileId = conflictingFileId(error)
      return fileId === undefined ? TE.left(error) : uploadVersion(box.client)({ source: sourceOf(ours), fileId, fileSize: ours.length }, { retry: fastRetry })
    }),
  )
  const version = await uploadOrNewVersion()
  const theirFile = rightOf(await theirUpload as E.Either<unknown, { readonly id: string }>)
  assert.ok(E.isRight(version) && version.right.id === theirFile.id, JSON.stringify(version))
  sameBytes(await download(box, theirFile.id), ours)
  const commitAnswers = box.records.filter((r) => r.path.endsWith('/commit')).map((r) => `${r.status} ${r.code ?? ''}`.trim())
  assert.equal(commitAnswers, ['201', '409 item_name_in_use', '201'])
  // Theirs in 2 parts of 1 KiB; ours in 3, sent twice.
  assert.is(box.records.filter((r) => r.method === 'PUT' && r.status === 200).length, 2 + 3 + 3)
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
