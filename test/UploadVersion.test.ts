/** uploadVersion(): new versions of a file, and an ifMatch refused before any request. */
import * as E from 'fp-ts/lib/Either.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { BoxFile } from '../src/BoxFile.ts'
import { upload, uploadVersion } from '../src/Upload.ts'
import { bytesOf, download, fastRetry, rightOf, sameBytes, sourceOf, uniqueName, withBox, within } from './helpers/upload.ts'

const Version = suite('uploadVersion')

Version('should upload new versions of a file, renamed or not, at several sizes and concurrencies', withBox({ partSize: 1024 }, async (box) => {
  const first = bytesOf(3000, 1)
  const original: BoxFile = rightOf(await upload(box.client)({ source: sourceOf(first), folderId: '0', fileName: uniqueName(), fileSize: first.length }, { retry: fastRetry })())
  for (const [i, [fileSize, concurrency]] of ([[1024, 1], [5000, 3], [4097, 8]] as const).entries()) {
    const bytes = bytesOf(fileSize, 100 + i)
    const fileName = i === 1 ? uniqueName('renamed') : undefined
    const version = rightOf(await within(10_000, 'uploadVersion', uploadVersion(box.client)(
      { source: sourceOf(bytes), fileId: original.id, fileSize, fileName },
      { concurrency, retry: fastRetry },
    )()))
    assert.is(version.id, original.id)
    assert.is(version.size, fileSize)
    if (fileName !== undefined) assert.is(version.name, fileName)
    sameBytes(await download(box, original.id), bytes, `version ${i}`)
  }
}))

// An etag pasted with curly quotes (as a chat or a word processor writes "1"), or holding a line break, is no
// header value: it failed only at the commit, after every part was sent, as InvalidInput "Nothing was sent:
// TypeError: Cannot convert argument to a ByteString...", which is false, and the session and its parts were
// deleted. Like attributes JSON cannot write, it is bad input, to refuse before any request.
Version('should refuse an ifMatch no header can carry before any request, not after sending every part', withBox({ partSize: 1024 }, async (box) => {
  const first = bytesOf(3000, 1)
  const original: BoxFile = rightOf(await upload(box.client)({ source: sourceOf(first), folderId: '0', fileName: uniqueName(), fileSize: first.length }, { retry: fastRetry })())
  for (const ifMatch of [`\u201c${original.etag}\u201d`, `${original.etag}\n${original.etag}`]) {
    const before = box.sent.length
    const result = await within(5000, 'uploadVersion', uploadVersion(box.client)({ source: sourceOf(bytesOf(3000, 2)), fileId: original.id, fileSize: 3000, ifMatch }, { retry: fastRetry })())
    assert.ok(E.isLeft(result) && result.left._tag === 'InvalidInput', JSON.stringify(result))
    assert.equal(box.sent.slice(before).map((r) => r.method), [], `${JSON.stringify(ifMatch)}: nothing sent`)
  }
}))

Version.run()
