/**
 * Box failing the upload: a 429 asking to wait a day, a session failed with 410 upload_failed, a Retry-After
 * waited out, a commit applied but answered 500.
 */
import * as E from 'fp-ts/lib/Either.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { Session } from '../src/Session.ts'
import { type UploadFailure, type UploadOptions, upload } from '../src/Upload.ts'
import { bytesOf, commits, download, fastRetry, recorded, rightOf, sameBytes, sessionStatus, sourceOf, uniqueName, withBox, within } from './helpers/upload.ts'

const Failures = suite('Box failing the upload')

Failures('should fail fast with the 429 and delete the session when Box asks to wait a day', withBox({ partSize: 1024, faults: { retryAfterSeconds: 86_400, script: [{ part: 1, fault: 'rate_limit' }] } }, async (box) => {
  let session: Session | undefined
  const started = Date.now()
  const result = await within(5000, 'upload', upload(box.client)(
    { source: sourceOf(bytesOf(3000)), folderId: '0', fileName: uniqueName(), fileSize: 3000 },
    { retry: fastRetry, onSession: (s) => { session = s } },
  )())
  assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms`)
  assert.ok(E.isLeft(result), JSON.stringify(result))
  const error = (result as E.Left<UploadFailure>).left
  assert.equal([error._tag, error._tag === 'HttpError' && [error.status, error.code, error.retryAfterMs]], ['HttpError', [429, 'rate_limit_exceeded', 86_400_000]])
  assert.ok(session !== undefined)
  assert.is(await sessionStatus(box, session!.id), 404)
  assert.is(commits(box).length, 0)
}))

/** An upload of 6 parts into sessions that fail (410 upload_failed) once 2 parts are stored. */
const failedSession = (options: UploadOptions) => withBox({ partSize: 1024, faults: { uploadFailedAfterParts: 2 } }, async (box) => {
  let session: Session | undefined
  const started = Date.now()
  const result = await within(5000, 'upload', upload(box.client)(
    { source: sourceOf(bytesOf(6000)), folderId: '0', fileName: uniqueName(), fileSize: 6000 },
    { retry: fastRetry, ...options, onSession: (s) => { session = s } },
  )())
  assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms`)
  assert.ok(E.isLeft(result), JSON.stringify(result))
  const error = (result as E.Left<UploadFailure>).left
  assert.equal([error._tag, error._tag === 'HttpError' && [error.status, error.code]], ['HttpError', [410, 'upload_failed']])
  await recorded(box)
  // Not retried: no part is sent twice (6 parts at most), and only parts saw the 410 (no list parts, no status).
  const puts = box.sent.filter((r) => r.method === 'PUT')
  assert.ok(puts.length <= 6, `${puts.length} part requests`)
  if (options.concurrency === 1) assert.equal(box.records.filter((r) => r.method === 'PUT').map((r) => r.status), [200, 200, 410])
  assert.ok(box.records.filter((r) => r.status === 410).every((r) => r.method === 'PUT'), JSON.stringify(box.records))
  assert.is(commits(box).length, 0)
  assert.ok(box.sent.every((r) => r.method !== 'POST' || !r.url.endsWith('/commit')), 'no commit sent')
  assert.ok(session !== undefined)
  const deletes = box.records.filter((r) => r.method === 'DELETE').map((r) => r.status)
  if (options.keepSessionOnError === true) {
    assert.is(error.session?.id, session!.id)
    assert.equal(deletes, [])
    assert.is(await sessionStatus(box, session!.id), 410)
  } else {
    assert.is(error.session, undefined)
    assert.equal(deletes, [204])
    assert.is(await sessionStatus(box, session!.id), 404)
  }
})

Failures('should end with HttpError 410 upload_failed, unretried, and delete the session when Box fails it (concurrency 1)', failedSession({ concurrency: 1 }))

Failures('should end with HttpError 410 upload_failed, unretried, and delete the session when Box fails it (concurrency 4)', failedSession({ concurrency: 4 }))

Failures('should end with HttpError 410 upload_failed and keep the failed session with keepSessionOnError', failedSession({ concurrency: 2, keepSessionOnError: true }))

Failures('should still wait out a Retry-After up to maxRetryAfterMs', withBox({ partSize: 1024, faults: { retryAfterSeconds: 1, script: [{ part: 1, fault: 'rate_limit' }] } }, async (box) => {
  const bytes = bytesOf(3000)
  const started = Date.now()
  const file = rightOf(await within(5000, 'upload', upload(box.client)(
    { source: sourceOf(bytes), folderId: '0', fileName: uniqueName(), fileSize: 3000 },
    { retry: { ...fastRetry, maxRetryAfterMs: 1000 } },
  )()))
  assert.ok(Date.now() - started >= 990, `took ${Date.now() - started} ms`)
  sameBytes(await download(box, file.id), bytes)
}))

Failures('should resolve with the committed file when Box applied the commit but answered 500 (retried, or with retries spent)', async () => {
  for (const retries of [fastRetry.retries, 0]) {
    await withBox({ partSize: 1024, faults: { commitFaults: ['error_after'] } }, async (box) => {
      const bytes = bytesOf(5000, retries)
      const fileName = uniqueName()
      const file = rightOf(await within(5000, `retries ${retries}`, upload(box.client)(
        { source: sourceOf(bytes), folderId: '0', fileName, fileSize: 5000 },
        { retry: { ...fastRetry, retries } },
      )()))
      assert.equal([file.name, file.size], [fileName, 5000])
      sameBytes(await download(box, file.id), bytes, `retries ${retries}`)
      assert.is(box.records.filter((r) => r.method === 'DELETE').length, 0, 'a committed session is not deleted')
    })()
  }
})

Failures.run()
