/**
 * An upload from a bad source (too short, too long, failing, not bytes, locked, no web stream): a typed error,
 * the session deleted, nothing committed, the source cancelled and the parts in flight with it.
 */
import * as E from 'fp-ts/lib/Either.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { client } from '../src/Client.ts'
import { type Session, createSession } from '../src/Session.ts'
import { type UploadFailure, transfer, upload, uploadVersion } from '../src/Upload.ts'
import { message } from '../src/UploadError.ts'
import { resume } from '../src/Resume.ts'
import { TOKEN, bytesOf, commits, fastRetry, rightOf, sessionStatus, sourceOf, uniqueName, withBox, within } from './helpers/upload.ts'

const BadSource = suite('upload from a bad source')

/** Uploads `source` declared as `fileSize` bytes; checks the error's tag, that the session was deleted and nothing committed. */
const failsWith = (fileSize: number, source: () => ReadableStream<Uint8Array>, check: (error: UploadFailure) => void) =>
  withBox({ partSize: 1024 }, async (box) => {
    let session: Session | undefined
    const result = await within(5000, 'upload', upload(box.client)(
      { source: source(), folderId: '0', fileName: uniqueName('bad'), fileSize },
      { retry: fastRetry, concurrency: 2, onSession: (s) => { session = s } },
    )())
    assert.ok(E.isLeft(result), JSON.stringify(result))
    if (E.isLeft(result)) {
      check(result.left)
      assert.is(result.left.session, undefined)
    }
    assert.is(commits(box).length, 0)
    if (session !== undefined) assert.is(await sessionStatus(box, session.id), 404)
    assert.ok(box.sent.every((r) => r.method !== 'POST' || !r.url.endsWith('/commit')), 'no commit sent')
  })

BadSource('should fail with SizeMismatch when the stream is shorter than declared', failsWith(5000, () => sourceOf(bytesOf(4000)), (error) => {
  assert.equal(error, { _tag: 'SizeMismatch', expected: 5000, actual: 4000, reason: 'too_short' })
}))

BadSource('should fail with SizeMismatch at the first byte past the declared size', failsWith(3000, () => sourceOf(bytesOf(3500)), (error) => {
  assert.equal(error, { _tag: 'SizeMismatch', expected: 3000, actual: 3001, reason: 'too_long' })
}))

// The last line of defence, should a chunker ever end without a part: `transfer` counts the parts
// Box confirmed before committing. A chunker that loses the last part stands in for that bug.
BadSource('should not commit, and should delete the session, when fewer parts than the session has came out of the chunker', withBox({ partSize: 1024 }, async (box) => {
  const created = rightOf(await createSession(box.client)({ folderId: '0', fileName: uniqueName('lost'), fileSize: 3000 })())
  const losingLast = Object.defineProperty({ ...created }, 'chunker', {
    value: ((options) => {
      const inner = created.chunker(options)
      let seen = 0
      const dropLast = new TransformStream({ transform: (part, controller) => { if (++seen < created.totalParts) controller.enqueue(part) } })
      return { writable: inner.writable, readable: inner.readable.pipeThrough(dropLast), digest: inner.digest }
    }) as Session['chunker'],
  }) as Session
  const result = await within(5000, 'upload', transfer(box.client, { retry: fastRetry })({ session: losingLast, source: sourceOf(bytesOf(3000)), stored: [] })())
  assert.equal(result, E.left({ _tag: 'SizeMismatch', expected: 3000, actual: 2048, reason: 'too_short' }))
  assert.is(commits(box).length, 0)
  assert.is(await sessionStatus(box, created.id), 404)
}))

BadSource('should retry the DELETE of a failed upload\'s session: one network error does not leave it open', withBox({ partSize: 1024 }, async (box) => {
  let deletes = 0
  // The first DELETE fails as a dropped connection does, before it reaches the emulator.
  const flaky = client({
    token: TOKEN, uploadUrl: box.emulator.url, apiUrl: box.emulator.apiUrl,
    fetch: (input, init) => (init?.method === 'DELETE' && ++deletes === 1 ? Promise.reject(new TypeError('fetch failed')) : fetch(input, init)),
  })
  let session: Session | undefined
  const result = await within(5000, 'upload', upload(flaky)(
    { source: sourceOf(bytesOf(3500)), folderId: '0', fileName: uniqueName('flaky'), fileSize: 3000 },
    { retry: fastRetry, onSession: (s) => { session = s } },
  )())
  assert.ok(E.isLeft(result) && result.left._tag === 'SizeMismatch', JSON.stringify(result))
  assert.is(deletes, 2)
  assert.is(await sessionStatus(box, session!.id), 404)
}))

BadSource('should fail with a typed error when the source errors', failsWith(5000, () => {
  let sent = 0
  return new ReadableStream<Uint8Array>({
    pull: (controller) => {
      if (sent >= 2000) return controller.error(new Error('disk gone'))
      controller.enqueue(bytesOf(500, sent))
      sent += 500
    },
  }, { highWaterMark: 0 })
}, (error) => {
  assert.is(error._tag, 'SourceError')
  assert.match(error._tag === 'SourceError' ? String(error.cause) : '', 'disk gone')
}))

BadSource("should fail with a SourceError keeping the value when the source errors with another library's tagged value (an fp-ts Left)", failsWith(5000, () => {
  let sent = 0
  return new ReadableStream<Uint8Array>({
    pull: (controller) => {
      if (sent >= 2000) return controller.error(E.left({ _tag: 'DiskError', path: '/mnt/x' }))
      controller.enqueue(bytesOf(500, sent))
      sent += 500
    },
  }, { highWaterMark: 0 })
}, (error) => {
  assert.is(error._tag, 'SourceError')
  assert.equal(error._tag === 'SourceError' ? error.cause : undefined, E.left({ _tag: 'DiskError', path: '/mnt/x' }))
  assert.match(message(error), 'Reading the source failed')
}))

BadSource('should have cancelled its source when it settles after a failure, even with the session kept (no DELETE to wait for)', withBox({ partSize: 1024 }, async (box) => {
  for (const failure of ['abort', 'too long'] as const) {
    let cancels = 0
    let sent = 0
    const source = new ReadableStream<Uint8Array>({
      pull: (controller) => { controller.enqueue(bytesOf(512, sent)); sent += 512 },
      cancel: () => { cancels++ },
    }, { highWaterMark: 0 })
    const controller = new AbortController()
    const result = await within(5000, 'upload', upload(box.client)(
      { source, folderId: '0', fileName: uniqueName(), fileSize: failure === 'abort' ? 20 * 1024 : 3000 },
      { retry: fastRetry, keepSessionOnError: true, signal: controller.signal, onProgress: (p) => { if (failure === 'abort' && p.partsUploaded >= 1) controller.abort(new Error('stop')) } },
    )())
    assert.ok(E.isLeft(result), failure)
    assert.is(cancels, 1, `${failure}: the source's cancel was called by the time the upload settled`)
  }
}))

BadSource('should cancel the parts in flight at once when the source fails, not wait for them to finish', withBox({ partSize: 1024, faults: { probability: 1, kinds: ['slow'], slowMs: 5000 } }, async (box) => {
  // Every part is answered after 5 s (the emulator's close waits for them: longer would slow the
  // suite); the source fails once two of them are on their way.
  const fileSize = 5000
  let sent = 0
  const source = new ReadableStream<Uint8Array>({
    pull: async (controller) => {
      if (sent >= 2048) {
        while (box.sent.filter((r) => r.method === 'PUT').length < 2) await new Promise((resolve) => setTimeout(resolve, 5))
        return controller.error(new Error('disk gone'))
      }
      controller.enqueue(bytesOf(1024, sent))
      sent += 1024
    },
  }, { highWaterMark: 0 })
  let session: Session | undefined
  const started = Date.now()
  const result = await within(10_000, 'upload', upload(box.client)(
    { source, folderId: '0', fileName: uniqueName('bad'), fileSize },
    // No request timeout under the 5 s: a part timed out and sent again would meet the first attempt (409).
    { retry: { ...fastRetry, timeoutMs: 60_000 }, concurrency: 2, onSession: (s) => { session = s } },
  )())
  const took = Date.now() - started
  assert.ok(E.isLeft(result) && result.left._tag === 'SourceError', JSON.stringify(result))
  assert.ok(took < 2500, `settled after ${took} ms, with parts answered after 5 s`)
  assert.is(commits(box).length, 0)
  assert.ok(session !== undefined && (await sessionStatus(box, session.id)) === 404, 'the session is deleted')
}))

BadSource('should fail with InvalidInput for a chunk that is not bytes', failsWith(5000, () => new ReadableStream<Uint8Array>({
  start: (controller) => { controller.enqueue('text' as unknown as Uint8Array) },
}), (error) => assert.is(error._tag, 'InvalidInput')))

BadSource('should refuse a locked stream before creating any session', withBox({}, async (box) => {
  const source = sourceOf(bytesOf(100))
  const reader = source.getReader()
  const result = await upload(box.client)({ source, folderId: '0', fileName: uniqueName(), fileSize: 100 })()
  assert.ok(E.isLeft(result) && result.left._tag === 'InvalidInput' && /nobody reads yet/.test(result.left.message), JSON.stringify(result))
  assert.is(box.sent.length, 0)
  reader.releaseLock()
}))

BadSource('should refuse a source that is no web stream (null request.body, a Node stream, Bun.file() without .stream()) with an error value, before creating any session', withBox({}, async (box) => {
  const notStreams: ReadonlyArray<unknown> = [null, undefined, { pipe: () => undefined, on: () => undefined }, new Blob([bytesOf(100)]), (async function* () { yield bytesOf(100) })()]
  for (const source of notStreams) {
    const input = { source: source as ReadableStream<Uint8Array>, fileSize: 100 }
    for (const run of [upload(box.client)({ ...input, folderId: '0', fileName: uniqueName() }), uploadVersion(box.client)({ ...input, fileId: '1' }), resume(box.client)({ ...input, session: 'S1' })]) {
      const result = await run().catch((error: unknown) => `rejected: ${String(error)}`)
      assert.ok(typeof result !== 'string' && E.isLeft(result) && result.left._tag === 'InvalidInput' && /web ReadableStream/.test(result.left.message), `${String(source)}: ${JSON.stringify(result)}`)
    }
  }
  assert.is(box.sent.length, 0)
}))

BadSource.run()
