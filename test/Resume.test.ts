import * as E from 'fp-ts/lib/Either.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { Progress } from '../src/Progress.ts'
import { resume } from '../src/Resume.ts'
import type { Session } from '../src/Session.ts'
import { type UploadFailure, upload } from '../src/Upload.ts'
import { bytesOf, commits, download, fastRetry, sameBytes, sessionStatus, sourceOf, type TestBox, uniqueName, withBox, within, recorded } from './helpers/upload.ts'

const fileSize = 10 * 1024 + 100

/** An upload that fails on part 4 beyond the policy, keeping its session: returns the kept session and the source bytes. */
const interrupted = async (box: TestBox, seed = 1): Promise<{ readonly session: Session; readonly bytes: Uint8Array }> => {
  const bytes = bytesOf(fileSize, seed)
  const result = await upload(box.client)(
    { source: sourceOf(bytes), folderId: '0', fileName: uniqueName('resume'), fileSize },
    { concurrency: 2, retry: { ...fastRetry, retries: 1 }, keepSessionOnError: true },
  )()
  assert.ok(E.isLeft(result), JSON.stringify(result))
  const error = (result as E.Left<UploadFailure>).left
  assert.is(error._tag, 'HttpError')
  assert.ok(error.session !== undefined, 'the error carries the session')
  assert.is(await sessionStatus(box, error.session!.id), 200, 'the session was kept')
  assert.ok(!box.sent.some((r) => r.method === 'DELETE'), 'no DELETE sent')
  return { session: error.session!, bytes }
}

const failingPart4 = { partSize: 1024, faults: { script: [1, 2].map((attempt) => ({ part: 4, attempt, fault: 'error_before' as const })) } }

const putsSince = (box: TestBox, from: number) => box.sent.slice(from).filter((r) => r.method === 'PUT').length

const Resume = suite('resume')

Resume('should finish a kept session from its JSON, sending only the missing parts', withBox(failingPart4, async (box) => {
  const { session, bytes } = await interrupted(box)
  await recorded(box)
  const stored = box.records.filter((r) => r.method === 'PUT' && r.status === 200).length
  const before = box.sent.length
  const reports: Array<Progress> = []
  const result = await within(5000, 'resume', resume(box.client)(
    { session: JSON.parse(JSON.stringify(session)), source: sourceOf(bytes, { seed: 99 }) },
    { retry: fastRetry, onProgress: (p) => reports.push(p) },
  )())
  assert.ok(E.isRight(result), JSON.stringify(result))
  if (E.isRight(result)) sameBytes(await download(box, result.right.id), bytes)
  assert.is(putsSince(box, before), session.totalParts - stored)
  assert.is(reports[0]?.partsUploaded, stored)
  assert.equal(reports.at(-1), { bytesUploaded: fileSize, partsUploaded: session.totalParts, totalParts: session.totalParts, fileSize })
}))

Resume('should finish a session known only by its id and file size', withBox(failingPart4, async (box) => {
  const { session, bytes } = await interrupted(box)
  const result = await resume(box.client)({ session: session.id, fileSize, source: sourceOf(bytes) }, { retry: fastRetry })()
  assert.ok(E.isRight(result), JSON.stringify(result))
  if (E.isRight(result)) sameBytes(await download(box, result.right.id), bytes)
}))

Resume('should fail with DigestMismatch when the source differs from the parts Box holds, and delete the session', withBox(failingPart4, async (box) => {
  const { session } = await interrupted(box)
  const result = await resume(box.client)({ session, source: sourceOf(bytesOf(fileSize, 2)) }, { retry: fastRetry })()
  assert.ok(E.isLeft(result) && result.left._tag === 'DigestMismatch', JSON.stringify(result))
  assert.is(await sessionStatus(box, session.id), 404)
  assert.is(commits(box).length, 0)
}))

Resume('should refuse an id without a file size, and a stored session that is not one', withBox({}, async (box) => {
  const byId = await resume(box.client)({ session: 'ABC', source: sourceOf(bytesOf(10)) })()
  assert.ok(E.isLeft(byId) && byId.left._tag === 'InvalidInput')
  const junk = await resume(box.client)({ session: { id: 'ABC' }, source: sourceOf(bytesOf(10)) })()
  assert.ok(E.isLeft(junk) && junk.left._tag === 'DecodeError')
  assert.is(box.sent.length, 0)
}))

Resume.run()
