import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { pipe } from 'fp-ts/lib/function.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { BoxFile } from '../src/BoxFile.ts'
import { client } from '../src/Client.ts'
import type { Progress } from '../src/Progress.ts'
import { resume } from '../src/Resume.ts'
import { type Session, type StoredSession, abortSession, fromJSON, listParts } from '../src/Session.ts'
import { type UploadFailure, upload, uploadVersion } from '../src/Upload.ts'
import { type DigestMismatch, type HttpError, message } from '../src/UploadError.ts'
import { putParts, sha1Base64 } from './helpers/sessions.ts'
import { TOKEN, bytesOf, commits, download, fastRetry, sameBytes, sessionStatus, sourceOf, type TestBox, uniqueName, withBox, within, recorded } from './helpers/upload.ts'

const fileSize = 10 * 1024 + 100

/** An upload that fails on part 4 beyond the policy, keeping its session: returns the kept session and the source bytes. */
const interrupted = async (box: TestBox, seed = 1, fileName = uniqueName('resume'), concurrency = 2): Promise<{ readonly session: Session; readonly bytes: Uint8Array }> => {
  const bytes = bytesOf(fileSize, seed)
  const result = await upload(box.client)(
    { source: sourceOf(bytes), folderId: '0', fileName, fileSize },
    { concurrency, retry: { ...fastRetry, retries: 1 }, keepSessionOnError: true },
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

const failingLastPart = { partSize: 1024, faults: { script: [1, 2].map((attempt) => ({ part: 10, attempt, fault: 'error_before' as const })) } }

const putsSince = (box: TestBox, from: number) => box.sent.slice(from).filter((r) => r.method === 'PUT').length

/** The bytes as a source that records its cancels. */
const watchedSource = (bytes: Uint8Array) => {
  const seen = { cancelled: [] as unknown[] }
  const reader = sourceOf(bytes).getReader()
  const source = new ReadableStream<Uint8Array>({
    pull: async (controller) => { const r = await reader.read(); if (r.done) controller.close(); else controller.enqueue(r.value) },
    cancel: (reason) => { seen.cancelled.push(reason) },
  }, { highWaterMark: 0 })
  return { source, seen }
}

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

// A listing may hold anything: parts off this session's part starts, past the file, or of another size.
Resume('should count progress only for listed parts where this session\'s parts start, at their sizes: it never passes the file', withBox(failingPart4, async (box) => {
  const listings: ReadonlyArray<readonly [string, (entries: ReadonlyArray<Record<string, unknown>>) => unknown]> = [
    ['parts off the part starts and past the file', (entries) => [...entries, { part_id: 'X1', offset: 7, size: 100, sha1: 'ab'.repeat(20) }, { part_id: 'X2', offset: 1024 * 1000, size: 1024, sha1: 'cd'.repeat(20) }]],
    ['a part of a huge size', (entries) => entries.map((entry, i) => (i === 0 ? { ...entry, size: 1e12 } : entry))],
  ]
  for (const [what, change] of listings) {
    const { session, bytes } = await interrupted(box)
    const listing = client({
      token: TOKEN, uploadUrl: box.emulator.url, apiUrl: box.emulator.apiUrl,
      fetch: async (input, init) => {
        const response = await fetch(input, init)
        if (!String(input).includes('/parts?')) return response
        const listed = (await response.json()) as Record<string, unknown>
        return Response.json({ ...listed, entries: change(listed['entries'] as ReadonlyArray<Record<string, unknown>>) })
      },
    })
    const reports: Array<Progress> = []
    const result = await within(5000, what, resume(listing)({ session, source: sourceOf(bytes) }, { retry: fastRetry, keepSessionOnError: true, onProgress: (p) => reports.push(p) })())
    assert.ok(reports.length > 0 && reports.every((p) => p.bytesUploaded <= fileSize && p.partsUploaded <= session.totalParts), `${what}: ${JSON.stringify(reports)}`)
    if (what.startsWith('a part of')) assert.ok(E.isLeft(result) && result.left._tag === 'DigestMismatch', `${what}: ${JSON.stringify(result)}`)
    else {
      assert.ok(E.isRight(result), `${what}: ${JSON.stringify(result)}`)
      assert.equal(reports.at(-1), { bytesUploaded: fileSize, partsUploaded: session.totalParts, totalParts: session.totalParts, fileSize }, what)
    }
  }
}))

Resume('should finish a session known only by its id and file size', withBox(failingPart4, async (box) => {
  const { session, bytes } = await interrupted(box)
  const result = await resume(box.client)({ session: session.id, fileSize, source: sourceOf(bytes) }, { retry: fastRetry })()
  assert.ok(E.isRight(result), JSON.stringify(result))
  if (E.isRight(result)) sameBytes(await download(box, result.right.id), bytes)
}))

// By id, the file size is only the caller's word, and a wrong one must not cost the parts Box holds.
Resume('should keep a session resumed by id with a wrong fileSize of the same part count, and finish it by id with the right one', withBox(failingPart4, async (box) => {
  // One part at a time: parts 0 to 3 stored, then the short last part (100 bytes) by hand.
  const { session, bytes } = await interrupted(box, 1, uniqueName('wrong-size'), 1)
  await putParts(box.client, session, bytes as Uint8Array<ArrayBuffer>, [10])
  const listed = await listParts(box.client)(session)()
  assert.ok(E.isRight(listed) && listed.right.map((p) => p.offset).join() === '0,1024,2048,3072,10240', `stored: ${JSON.stringify(listed)}`)
  // The same part count (11) either way: a last part of 50 bytes (the one Box holds has 100), or of 150.
  for (const claimed of [fileSize - 50, fileSize + 50]) {
    const before = box.sent.length
    const result = await resume(box.client)({ session: session.id, fileSize: claimed, source: sourceOf(bytes) }, { retry: fastRetry, keepSessionOnError: true })()
    assert.ok(E.isLeft(result), `${claimed}: ${JSON.stringify(result)}`)
    // Not carried, even with keepSessionOnError: made with the wrong size, a resume from it would fail again, and delete it.
    assert.not.ok('session' in (result as E.Left<UploadFailure>).left, `${claimed}: the error carries no session`)
    assert.ok(!box.sent.slice(before).some((r) => r.method === 'DELETE'), `${claimed}: no DELETE`)
    assert.is(await sessionStatus(box, session.id), 200, `${claimed}: the session is kept`)
  }
  const done = await resume(box.client)({ session: session.id, fileSize, source: sourceOf(bytes) }, { retry: fastRetry })()
  assert.ok(E.isRight(done), JSON.stringify(done))
  if (E.isRight(done)) sameBytes(await download(box, done.right.id), bytes)
}))

Resume('should keep a session resumed by id when the source has another length than the fileSize given, carrying no session; from a stored session, delete it', withBox(failingLastPart, async (box) => {
  // Parts 0 to 9 stored, the last one (100 bytes) not: 50 bytes more or fewer keep 11 parts, and fit those stored.
  const { session, bytes } = await interrupted(box)
  for (const claimed of [fileSize - 50, fileSize + 50]) {
    const before = box.sent.length
    const result = await resume(box.client)({ session: session.id, fileSize: claimed, source: sourceOf(bytes) }, { retry: fastRetry, keepSessionOnError: true })()
    assert.ok(E.isLeft(result) && ['SizeMismatch', 'HttpError'].includes(result.left._tag), `${claimed}: ${JSON.stringify(result)}`)
    // Not carried, even with keepSessionOnError: made with the wrong size, a resume from it would fail again, and delete it.
    assert.not.ok('session' in (result as E.Left<UploadFailure>).left, `${claimed}: the error carries no session`)
    assert.ok(!box.sent.slice(before).some((r) => r.method === 'DELETE'), `${claimed}: no DELETE`)
    assert.is(await sessionStatus(box, session.id), 200, `${claimed}: the session is kept`)
  }
  // From a stored session, the size is the session's own: a source of another length is no upload of it (deleted, as documented).
  const stored = await resume(box.client)({ session, source: sourceOf(bytes.subarray(0, fileSize - 50)) }, { retry: fastRetry })()
  assert.ok(E.isLeft(stored) && stored.left._tag === 'SizeMismatch', JSON.stringify(stored))
  assert.is(await sessionStatus(box, session.id), 404)
}))

// Without keepSessionOnError too: a failure, or an abort, of a resume by id sends no DELETE.
Resume('should keep a session resumed by id without keepSessionOnError, on a failure and on an abort, then finish it', withBox(failingLastPart, async (box) => {
  const { session, bytes } = await interrupted(box)
  const before = box.sent.length
  const failed = await resume(box.client)({ session: session.id, fileSize: fileSize + 50, source: sourceOf(bytes) }, { retry: fastRetry })()
  assert.ok(E.isLeft(failed) && !('session' in failed.left), JSON.stringify(failed))
  // Aborted once the parts are listed, while the source is read again.
  const controller = new AbortController()
  const source = sourceOf(bytes, { onPull: (offset) => { if (offset > 5000) controller.abort(new Error('stopped by the test')) } })
  const aborted = await resume(box.client)({ session: session.id, fileSize, source }, { retry: fastRetry, signal: controller.signal })()
  assert.ok(E.isLeft(aborted) && aborted.left._tag === 'Aborted', JSON.stringify(aborted))
  assert.ok(!box.sent.slice(before).some((r) => r.method === 'DELETE'), 'no DELETE')
  assert.is(await sessionStatus(box, session.id), 200)
  const done = await resume(box.client)({ session: session.id, fileSize, source: sourceOf(bytes) }, { retry: fastRetry })()
  assert.ok(E.isRight(done), JSON.stringify(done))
  if (E.isRight(done)) sameBytes(await download(box, done.right.id), bytes)
}))

Resume('should go on with the session of a 409 session_conflict: the error carries it, resume by its id commits the file', withBox({ ...failingPart4, faults: { ...failingPart4.faults, sessionConflict: true } }, async (box) => {
  const fileName = uniqueName('conflict')
  const { session, bytes } = await interrupted(box, 1, fileName)
  const before = box.sent.length
  const again = await upload(box.client)({ source: sourceOf(bytes), folderId: '0', fileName, fileSize }, { retry: fastRetry })()
  assert.ok(E.isLeft(again) && again.left._tag === 'HttpError', JSON.stringify(again))
  const error = (again as E.Left<UploadFailure & HttpError>).left
  assert.equal([error.status, error.code], [409, 'session_conflict'])
  const id = (error.contextInfo as { readonly session?: { readonly id?: unknown } } | undefined)?.session?.id
  assert.is(id, session.id)
  // Not retried, and the session that is not this upload's own is left alone.
  assert.equal(box.sent.slice(before).map((r) => r.method), ['POST'])
  assert.ok(message(error).includes('contextInfo.session.id'), message(error))
  // As the README writes it: contextInfo is unknown, and resume takes a string id.
  const result = await resume(box.client)({ session: (error.contextInfo as { session: { id: string } }).session.id, fileSize, source: sourceOf(bytes) }, { retry: fastRetry })()
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

// Its message names the digests as the fields hold them, base64, and says so: Box's sha1 and sha1sum show hex. And
// it names a source changed since the upload started, which a resume given another file is (not only during it).
Resume('should say that the SHA-1s of a DigestMismatch from a changed source are base64: the source\'s part and Box\'s', withBox(failingPart4, async (box) => {
  const { session, bytes } = await interrupted(box)
  const changed = bytesOf(fileSize, 2)
  const result = await resume(box.client)({ session, source: sourceOf(changed) }, { retry: fastRetry })()
  assert.ok(E.isLeft(result) && result.left._tag === 'DigestMismatch', JSON.stringify(result))
  const error = (result as E.Left<UploadFailure>).left as DigestMismatch
  const index = Number(/^part (\d+) /.exec(error.what)?.[1])
  const at = (from: Uint8Array) => from.slice(index * 1024, (index + 1) * 1024)
  const text = message(error)
  assert.ok(text.startsWith(`The base64 SHA-1 of part ${index} `), text)
  assert.ok(text.includes(`is ${await sha1Base64(at(bytes))} but ${await sha1Base64(at(changed))} was expected`), text)
  assert.ok(text.includes('or the source since the upload started'), text)
}))

// A resume that cannot even list the parts (here: the session is another user's) has nothing of
// its own to undo: the session is left as it was, and carried in the error with keepSessionOnError.
Resume('should leave the session as it was when its parts cannot be listed, and carry it with keepSessionOnError', withBox({ ...failingPart4, tokens: [TOKEN, 'other-token'] }, async (box) => {
  const { session, bytes } = await interrupted(box)
  const other = client({ token: 'other-token', uploadUrl: box.emulator.url, apiUrl: box.emulator.apiUrl })
  for (const keepSessionOnError of [false, true]) {
    const result = await resume(other)({ session, source: sourceOf(bytes) }, { retry: fastRetry, keepSessionOnError })()
    assert.ok(E.isLeft(result) && result.left._tag === 'HttpError' && result.left.status === 403, JSON.stringify(result))
    assert.is((result as E.Left<UploadFailure>).left.session?.id, keepSessionOnError ? session.id : undefined)
    assert.is(await sessionStatus(box, session.id), 200)
  }
  assert.is(commits(box).length, 0)
}))

// Resuming a new version passes its etag to the commit: Box refuses it (412) once the file changed.
Resume('should send ifMatch with the commit of a resumed new version: 412 for a stale etag, the version for the current one', withBox(failingPart4, async (box) => {
  const first = await upload(box.client)({ source: sourceOf(bytesOf(fileSize, 5)), folderId: '0', fileName: uniqueName('versioned'), fileSize }, { retry: fastRetry })()
  assert.ok(E.isRight(first), JSON.stringify(first))
  const file = (first as E.Right<BoxFile>).right
  const bytes = bytesOf(fileSize, 6)
  const broken = await uploadVersion(box.client)({ source: sourceOf(bytes), fileId: file.id, fileSize }, { retry: { ...fastRetry, retries: 1 }, keepSessionOnError: true })()
  const session = E.isLeft(broken) ? broken.left.session : undefined
  assert.ok(session !== undefined, JSON.stringify(broken))
  const stale = await resume(box.client)({ session, source: sourceOf(bytes), ifMatch: `"${Number(file.etag) + 1}"` }, { retry: fastRetry, keepSessionOnError: true })()
  assert.ok(E.isLeft(stale) && stale.left._tag === 'HttpError' && stale.left.status === 412, JSON.stringify(stale))
  const current = await resume(box.client)({ session: session!, source: sourceOf(bytes), ifMatch: `"${file.etag}"` }, { retry: fastRetry })()
  assert.ok(E.isRight(current) && current.right.id === file.id, JSON.stringify(current))
  sameBytes(await download(box, file.id), bytes)
}))

// Every request of the first upload has one try of 1 s: a browser under CI's load once took over 200 ms (the old
// limit) to create the session. Part 4's store takes 2.5 s, so the resume meets its 409 for ~1.5 s: its 20 retries
// (100-400 ms apart) wait ~3.8 s on average.
Resume('should wait out a part the failed upload left still being stored (409), not fail and delete the session', withBox({ partSize: 1024, faults: { script: [{ part: 4, attempt: 1, fault: 'slow' }], slowMs: 2500 } }, async (box) => {
  // Part 4's only attempt times out: the upload fails, but Box goes on storing that part for a while.
  const bytes = bytesOf(fileSize, 41)
  const first = await upload(box.client)(
    { source: sourceOf(bytes), folderId: '0', fileName: uniqueName('unanswered'), fileSize },
    { concurrency: 1, retry: { ...fastRetry, retries: 0, timeoutMs: 1000 }, keepSessionOnError: true },
  )()
  assert.ok(E.isLeft(first) && first.left._tag === 'NetworkError' && first.left.url.includes('upload_sessions/') && first.left.session !== undefined, JSON.stringify(first))
  const resumed = await within(15_000, 'resume', resume(box.client)(
    { session: (first as E.Left<UploadFailure>).left.session!, source: sourceOf(bytes) },
    { retry: { retries: 20, baseDelayMs: 100, maxDelayMs: 400, timeoutMs: 5000 } },
  )())
  assert.ok(E.isRight(resumed), JSON.stringify(resumed))
  sameBytes(await download(box, (resumed as E.Right<BoxFile>).right.id), bytes)
  await recorded(box)
  assert.ok(box.records.some((r) => r.method === 'PUT' && r.status === 409), 'the resume met the part still being stored')
}))

// h108: ResumeInput.session was typed `Session | unknown`, which is unknown: a number, a BoxFile or a session not awaited
// compiled. It takes a session, its stored form or an id; JSON.parse's any still compiles (and is checked), and a value
// typed unknown goes through fromJSON first. Each call in `wrong` (never called) must stay a type error.
Resume('should type what it resumes: a session, its stored form or an id; unknown data through fromJSON first', withBox(failingPart4, async (box) => {
  const { session, bytes } = await interrupted(box)
  const file: BoxFile = { id: '1', type: 'file', name: 'a', size: bytes.length }
  const value: unknown = JSON.parse(JSON.stringify(session))
  const stored: StoredSession = JSON.parse(JSON.stringify(session))
  const source = sourceOf(bytes)
  const wrong = () => [
    // @ts-expect-error data typed unknown: fromJSON checks it and gives the Session
    resume(box.client)({ session: value, source }),
    // @ts-expect-error a session not awaited
    resume(box.client)({ session: Promise.resolve(session), source }),
    // @ts-expect-error a file is no session
    resume(box.client)({ session: file, source }),
    // @ts-expect-error nor a number
    resume(box.client)({ session: 42, source }),
  ]
  const right = () => [resume(box.client)({ session, source }), resume(box.client)({ session: stored, source }), resume(box.client)({ session: session.id, fileSize, source })]
  assert.equal([typeof wrong, typeof right], ['function', 'function'])
  const result = await pipe(TE.fromEither(fromJSON(value)), TE.flatMap((checked) => resume(box.client)({ session: checked, source }, { retry: fastRetry })))()
  assert.ok(E.isRight(result), JSON.stringify(result))
  if (E.isRight(result)) sameBytes(await download(box, result.right.id), bytes)
}))

Resume('should refuse an id without a file size, and a stored session that is not one', withBox({}, async (box) => {
  const byId = await resume(box.client)({ session: 'ABC', source: sourceOf(bytesOf(10)) })()
  assert.ok(E.isLeft(byId) && byId.left._tag === 'InvalidInput')
  // Stored data of the wrong shape, as JSON.parse (typed any) reads it: the type check lets it through, resume does not.
  const junk = await resume(box.client)({ session: JSON.parse('{"id":"ABC"}'), source: sourceOf(bytesOf(10)) })()
  assert.ok(E.isLeft(junk) && junk.left._tag === 'DecodeError')
  // The caller's data, not Box's answer (h98): what to pass, not 'please report'.
  assert.ok(E.isLeft(junk) && message(junk.left).endsWith('pass JSON.parse(text) of a stored session.'), JSON.stringify(junk))
  assert.is(box.sent.length, 0)
}))
Resume("should cancel its source when the session cannot be read or its parts listed (a file stream then closes its file), but not after bad input", withBox({ ...failingPart4, tokens: [TOKEN, 'other-token'] }, async (box) => {
  const { session, bytes } = await interrupted(box)
  const other = client({ token: 'other-token', uploadUrl: box.emulator.url, apiUrl: box.emulator.apiUrl })
  const cases = [
    ['parts not listed (403)', () => resume(other)],
    ['no such session (404)', () => (input: Parameters<ReturnType<typeof resume>>[0]) => resume(box.client)({ ...input, session: 'NO-SUCH-SESSION', fileSize: bytes.length })],
  ] as const
  for (const [what, run] of cases) {
    const { source, seen } = watchedSource(bytes)
    const result = await run()({ session, source }, { retry: fastRetry })()
    assert.ok(E.isLeft(result) && result.left._tag === 'HttpError', `${what}: ${JSON.stringify(result)}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
    assert.is(seen.cancelled.length, 1, what)
  }
  for (const [input, tag] of [[{ session: 'ABC' }, 'InvalidInput'], [{ session: JSON.parse('{}') }, 'DecodeError'], [{ session: { ...session, totalParts: 99 } }, 'InvalidInput']] as const) {
    const { source, seen } = watchedSource(bytes)
    const bad = await resume(box.client)({ ...input, source })()
    assert.ok(E.isLeft(bad) && bad.left._tag === tag, JSON.stringify(bad))
    await new Promise((resolve) => setTimeout(resolve, 10))
    assert.is(seen.cancelled.length, 0, `bad input (${tag}) leaves the source as it was`)
  }
  assert.is(await sessionStatus(box, session.id), 200)
}))

// README: a session whose parts Box no longer lists (404) is asked for with its DELETE before the source is read:
// an aborted one answers 404, the error at once; a committed one 204, and resume goes on (CommittedResume.test.ts).
// It read the whole source and sent the commit before failing with that commit's 404: minutes for a source of gigabytes.
Resume("should fail with the DELETE's 404 before reading the source when the kept session was aborted (stored form)", withBox(failingPart4, async (box) => {
  const { session, bytes } = await interrupted(box)
  assert.ok(E.isRight(await abortSession(box.client)(session)()), 'aborted')
  const before = box.sent.length
  const reports: Array<Progress> = []
  const { source, seen } = watchedSource(bytes)
  let pulled = 0
  const counted = source.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({ transform: (chunk, c) => { pulled += chunk.length; c.enqueue(chunk) } }))
  const result = await within(5000, 'resume', resume(box.client)(
    { session: JSON.parse(JSON.stringify(session)), source: counted },
    { retry: fastRetry, onProgress: (p) => reports.push(p), keepSessionOnError: true },
  )())
  assert.ok(E.isLeft(result) && result.left._tag === 'HttpError' && result.left.status === 404, JSON.stringify(result))
  const error = (result as E.Left<HttpError & UploadFailure>).left
  assert.is(error.method, 'DELETE')
  assert.is(error.url, session.endpoints.abort)
  assert.equal(error.session, session, 'kept in the error, as keepSessionOnError asks')
  assert.is(pulled, 0, 'no byte of the source was read')
  assert.equal(box.sent.slice(before).map((r) => r.method), ['GET', 'DELETE'], 'the listing and the DELETE, no part, no commit')
  assert.is(reports.length, 0, 'no progress reported')
  // The source is let go of (releasing cancels it; the cancel reaches it through the pipe within a few turns).
  for (let turn = 0; turn < 100 && seen.cancelled.length === 0; turn++) await new Promise((resolve) => setTimeout(resolve, 1))
  assert.is(seen.cancelled.length, 1, 'the source was cancelled')
  await recorded(box)
  assert.is(commits(box).length, 0, 'nothing committed')
}))

// README: bad input (`fileSize` among it) "fails before any request and leaves the source as it was". By id,
// a fileSize that is no whole number (2.5, or the text '10340' of a configuration) fits the session's part
// count through Math.ceil, so the session is read and its parts listed before the chunker refuses it, and the
// source is cancelled; the message then says 'got 10340' of a string.
Resume('should refuse by id a fileSize that is no whole number before any request, leaving the source as it was', withBox(failingPart4, async (box) => {
  const { session, bytes } = await interrupted(box)
  const sentBefore = box.sent.length
  for (const wrong of [bytes.length - 0.5, String(bytes.length)]) {
    const { source, seen } = watchedSource(bytes)
    const result = await resume(box.client)({ session: session.id, fileSize: wrong as number, source }, { retry: fastRetry })()
    assert.ok(E.isLeft(result) && result.left._tag === 'InvalidInput', JSON.stringify(result))
    // The value is named with its type: the text of a configuration value must not read as the number.
    assert.ok(result.left.message.endsWith(`, got the ${typeof wrong} ${wrong}.`), result.left.message)
    await new Promise((resolve) => setTimeout(resolve, 10))
    assert.is(seen.cancelled.length, 0, `${JSON.stringify(wrong)}: the source is left as it was`)
    assert.equal(box.sent.slice(sentBefore).map((r) => r.method), [], `${JSON.stringify(wrong)}: nothing sent`)
  }
  assert.is(await sessionStatus(box, session.id), 200)
}))

// A new user's slip (h98): the stored text handed over as it was read, JSON.parse forgotten. Taken for an id, it
// was refused for want of a fileSize ('needs the fileSize', which misleads), or, with one, sent percent-encoded in
// a GET that Box answers 400. Box's ids are hex: text starting with '{' is none, and is refused before any request.
Resume('should refuse a stored session\'s JSON text (JSON.parse forgotten) before any request, saying to parse it, leaving the source as it was', withBox(failingPart4, async (box) => {
  const { session, bytes } = await interrupted(box)
  const sentBefore = box.sent.length
  const text = JSON.stringify(session)
  for (const [what, input] of [
    ['the text alone', { session: text }],
    ['the text and its fileSize', { session: text, fileSize: bytes.length }],
    ['the text as a file holds it, after a line break', { session: `\n${text}\n`, fileSize: bytes.length }],
  ] as const) {
    const { source, seen } = watchedSource(bytes)
    const result = await resume(box.client)({ ...input, source }, { retry: fastRetry })()
    assert.ok(E.isLeft(result) && result.left._tag === 'InvalidInput', `${what}: ${JSON.stringify(result)}`)
    assert.match(message(result.left), 'pass JSON.parse(text)', what)
    assert.not.match(message(result.left), 'needs the fileSize', what)
    await new Promise((resolve) => setTimeout(resolve, 10))
    assert.is(seen.cancelled.length, 0, `${what}: the source is left as it was`)
    assert.equal(box.sent.slice(sentBefore).map((r) => r.method), [], `${what}: nothing sent`)
  }
  assert.is(await sessionStatus(box, session.id), 200)
}))

// By id, the session is built with the caller's file size: a failure never carries it, not even the listing's.
Resume('should carry no session when the parts of a session resumed by id cannot be listed, even with keepSessionOnError', withBox(failingPart4, async (box) => {
  const { session, bytes } = await interrupted(box)
  const unlisted = client({
    token: TOKEN, uploadUrl: box.emulator.url, apiUrl: box.emulator.apiUrl,
    fetch: async (input, init) => (String(input).includes('/parts?') ? Promise.reject(new TypeError('fetch failed')) : fetch(input, init)),
  })
  const result = await resume(unlisted)({ session: session.id, fileSize, source: sourceOf(bytes) }, { retry: fastRetry, keepSessionOnError: true })()
  assert.ok(E.isLeft(result) && result.left._tag === 'NetworkError', JSON.stringify(result))
  assert.is((result as E.Left<UploadFailure>).left.session, undefined)
  assert.is(await sessionStatus(box, session.id), 200)
}))

// The listing is a request like any other: one network error is retried, not the end of the resume.
Resume('should retry the listing of the parts after a network error', withBox(failingPart4, async (box) => {
  const { session, bytes } = await interrupted(box)
  let refused = 0
  const flaky = client({
    token: TOKEN, uploadUrl: box.emulator.url, apiUrl: box.emulator.apiUrl,
    fetch: async (input, init) => (String(input).includes('/parts?') && refused++ === 0 ? Promise.reject(new TypeError('fetch failed')) : fetch(input, init)),
  })
  const result = await resume(flaky)({ session, source: sourceOf(bytes) }, { retry: fastRetry })()
  assert.ok(E.isRight(result), JSON.stringify(result))
  if (E.isRight(result)) sameBytes(await download(box, result.right.id), bytes)
}))

// README (Abort): bad input "fails before any request and leaves the source as it was (so does a `resume` by id whose
// `fileSize` does not fit the session, found once the session is read; one whose stored session names a host the
// token may not go to is an `UntrustedEndpoint` and cancels the source)".
Resume('should leave the source as it was for an id whose fileSize does not fit the session, and cancel it for a stored session on an untrusted host', withBox(failingPart4, async (box) => {
  const { session, bytes } = await interrupted(box)
  let sentBefore = box.sent.length
  // 20 parts of 1024 bytes, where the session has 11.
  const misfit = watchedSource(bytes)
  const wrongSize = await resume(box.client)({ session: session.id, fileSize: 20 * 1024, source: misfit.source }, { retry: fastRetry })()
  assert.ok(E.isLeft(wrongSize) && wrongSize.left._tag === 'InvalidInput' && message(wrongSize.left).includes(`was not started for a file of ${20 * 1024} bytes`), JSON.stringify(wrongSize))
  await new Promise((resolve) => setTimeout(resolve, 10))
  assert.is(misfit.seen.cancelled.length, 0, 'a fileSize that does not fit: the source is left as it was')
  assert.equal(box.sent.slice(sentBefore).map((r) => r.method), ['GET'], 'the session read, nothing more')
  sentBefore = box.sent.length
  const elsewhere = JSON.parse(JSON.stringify(session).replaceAll(new URL(box.emulator.url).host, 'upload.example.net'))
  const untrusted = watchedSource(bytes)
  const refused = await resume(box.client)({ session: elsewhere, source: untrusted.source }, { retry: fastRetry })()
  assert.equal(refused, E.left({ _tag: 'UntrustedEndpoint', origin: 'http://upload.example.net' }))
  for (let turn = 0; turn < 100 && untrusted.seen.cancelled.length === 0; turn++) await new Promise((resolve) => setTimeout(resolve, 1))
  assert.is(untrusted.seen.cancelled.length, 1, 'an untrusted host: the source was cancelled')
  assert.equal(box.sent.slice(sentBefore), [], 'nothing sent')
  assert.is(await sessionStatus(box, session.id), 200)
}))

// README (Abort): "Abort stops reading the source (its `cancel` is called, also when a `resume` is stopped before its parts
// are listed)"; "A `resume` that does not get the session's parts listed (... or an abort came first) leaves it as it was".
Resume('should cancel its source unread and leave the session as it was when aborted before the parts are listed (stored form and by id)', withBox(failingPart4, async (box) => {
  const { session, bytes } = await interrupted(box)
  let reading: () => void = () => undefined
  const methods: Array<string | undefined> = []
  // Box never answers a GET (the listing, or by id the session's read): the abort comes while it is awaited.
  const deaf = client({
    token: TOKEN, uploadUrl: box.emulator.url, apiUrl: box.emulator.apiUrl,
    fetch: (input, init) => {
      methods.push(init?.method)
      if (init?.method !== 'GET') return fetch(input, init)
      reading()
      return new Promise<Response>((_, reject) => init.signal?.addEventListener('abort', () => reject(init.signal?.reason), { once: true }))
    },
  })
  for (const byId of [false, true]) {
    const what = byId ? 'by id' : 'stored form'
    const read = new Promise<void>((resolve) => { reading = resolve })
    const { source, seen } = watchedSource(bytes)
    let pulled = 0
    const counted = source.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({ transform: (chunk, c) => { pulled += chunk.length; c.enqueue(chunk) } }))
    const controller = new AbortController()
    const task = resume(deaf)(byId ? { session: session.id, fileSize, source: counted } : { session: JSON.parse(JSON.stringify(session)), source: counted }, { retry: fastRetry, signal: controller.signal, keepSessionOnError: true })()
    await within(2000, `${what}: the GET`, read)
    controller.abort(new Error('stopped by the test'))
    const result = await within(2000, `${what}: the resume`, task)
    assert.ok(E.isLeft(result) && result.left._tag === 'Aborted', `${what}: ${JSON.stringify(result)}`)
    assert.is((result as E.Left<UploadFailure>).left.session?.id, byId ? undefined : session.id, `${what}: the session carried only when not given by id`)
    for (let turn = 0; turn < 100 && seen.cancelled.length === 0; turn++) await new Promise((resolve) => setTimeout(resolve, 1))
    assert.is(seen.cancelled.length, 1, `${what}: the source was cancelled`)
    assert.is(pulled, 0, `${what}: no byte of the source was read`)
    assert.is(await sessionStatus(box, session.id), 200, `${what}: the session is left as it was`)
  }
  assert.equal(methods, ['GET', 'GET'], 'the GETs alone: no DELETE, no part')
}))

Resume.run()
