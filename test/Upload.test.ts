import * as E from 'fp-ts/lib/Either.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { BoxFile } from '../src/BoxFile.ts'
import { client } from '../src/Client.ts'
import type { Progress } from '../src/Progress.ts'
import { type Session, createSession } from '../src/Session.ts'
import type { Sha1 } from '../src/Sha1.ts'
import { subtlePure } from '../src/sha1/pure.ts'
import { type UploadFailure, type UploadOptions, startable, transfer, upload, uploadVersion } from '../src/Upload.ts'
import { message } from '../src/UploadError.ts'
import { resume } from '../src/Resume.ts'
import { emulator } from '../src/emulator/index.ts'
import type { RequestRecord } from '../src/emulator/Options.ts'
import { TOKEN, bytesOf, commits, download, fastRetry, recorded, sameBytes, sessionStatus, sourceOf, uniqueName, withBox, within } from './helpers/upload.ts'

const rightOf = <A>(result: E.Either<unknown, A>): A => {
  if (E.isLeft(result)) assert.unreachable(`expected success, got ${JSON.stringify(result.left)}`)
  return (result as E.Right<A>).right
}

const Upload = suite('upload')

Upload('should upload every size (one part, exact multiples, a short last part) at concurrency 1 to 8, bytes intact', withBox({ partSize: 1024 }, async (box) => {
  const sizes = [1, 1023, 1024, 1025, 3072, 3000, 10_000]
  for (const [i, fileSize] of sizes.entries()) {
    for (const concurrency of [1, 2, 3, 4, 8]) {
      const bytes = bytesOf(fileSize, i * 10 + concurrency)
      const fileName = uniqueName()
      const file = rightOf(await within(10_000, `upload ${fileSize}`, upload(box.client)(
        { source: sourceOf(bytes, { seed: concurrency, maxChunk: 1 + (fileSize % 1500) }), folderId: '0', fileName, fileSize },
        { concurrency, retry: fastRetry },
      )()))
      assert.is(file.name, fileName)
      assert.is(file.size, fileSize)
      sameBytes(await download(box, file.id), bytes, `${fileSize} bytes at concurrency ${concurrency}`)
    }
  }
  assert.is(commits(box).length, 7 * 5)
}))

Upload('should report progress after every part, never backwards, ending with the whole file', withBox({ partSize: 1024 }, async (box) => {
  const fileSize = 9 * 1024 + 17
  const reports: Array<Progress> = []
  rightOf(await upload(box.client)(
    { source: sourceOf(bytesOf(fileSize)), folderId: '0', fileName: uniqueName(), fileSize },
    { concurrency: 4, retry: fastRetry, onProgress: (p) => reports.push(p) },
  )())
  assert.ok(reports.length >= 11, `${reports.length} reports`)
  for (const [i, report] of reports.entries()) {
    assert.is(report.totalParts, 10)
    assert.is(report.fileSize, fileSize)
    if (i > 0) {
      assert.ok(report.bytesUploaded >= reports[i - 1]!.bytesUploaded)
      assert.ok(report.partsUploaded >= reports[i - 1]!.partsUploaded)
    }
  }
  assert.equal(reports.at(-1), { bytesUploaded: fileSize, partsUploaded: 10, totalParts: 10, fileSize })
}))

Upload('should upload every byte when onProgress and onSession throw (the caller\'s bug is not the upload\'s)', withBox({ partSize: 1024 }, async (box) => {
  const fileSize = 3 * 1024 + 5
  const bytes = bytesOf(fileSize, 3)
  let calls = 0
  const file = rightOf(await upload(box.client)(
    { source: sourceOf(bytes), folderId: '0', fileName: uniqueName(), fileSize },
    {
      retry: fastRetry,
      onProgress: () => { calls++; throw new Error('progress bar crashed') },
      onSession: () => { throw new Error('store crashed') },
    },
  )())
  assert.is(calls, 5, 'called at the start and after each of the 4 parts, though it threw each time')
  sameBytes(await download(box, file.id), bytes)
}))

Upload('should cancel the source when no session could be created (refused token, name in use, aborted first): a file stream closes its file', withBox({ partSize: 1024 }, async (box) => {
  const fileSize = 2000
  const name = uniqueName()
  rightOf(await upload(box.client)({ source: sourceOf(bytesOf(fileSize)), folderId: '0', fileName: name, fileSize }, { retry: fastRetry })())
  const cases: ReadonlyArray<readonly [string, (source: ReadableStream<Uint8Array>) => Promise<E.Either<UploadFailure, BoxFile>>]> = [
    ['401', (source) => upload(client({ token: 'not-a-token', uploadUrl: box.emulator.url, apiUrl: box.emulator.apiUrl }))({ source, folderId: '0', fileName: uniqueName(), fileSize }, { retry: fastRetry })()],
    ['409', (source) => upload(box.client)({ source, folderId: '0', fileName: name, fileSize }, { retry: fastRetry })()],
    ['404', (source) => uploadVersion(box.client)({ source, fileId: '999999', fileSize }, { retry: fastRetry })()],
    ['aborted', (source) => upload(box.client)({ source, folderId: '0', fileName: uniqueName(), fileSize }, { retry: fastRetry, signal: AbortSignal.abort() })()],
  ]
  for (const [what, run] of cases) {
    const cancelled: unknown[] = []
    const source = new ReadableStream<Uint8Array>({ pull: (c) => c.enqueue(bytesOf(100)), cancel: (reason) => void cancelled.push(reason) }, { highWaterMark: 0 })
    const result = await within(5000, what, run(source))
    assert.ok(E.isLeft(result), `${what}: ${JSON.stringify(result)}`)
    assert.is(cancelled.length, 1, `${what}: the source was cancelled once`)
    assert.equal(cancelled[0], (result as E.Left<UploadFailure>).left, `${what}: with the upload's error`)
  }
}))

Upload('should not wait for the source to cancel after a refused creation (a tee() branch settles only with the other), nor cancel it for bad input', withBox({ partSize: 1024 }, async (box) => {
  const fileSize = 2000
  const refused = client({ token: 'not-a-token', uploadUrl: box.emulator.url, apiUrl: box.emulator.apiUrl })
  const [branch, other] = sourceOf(bytesOf(fileSize)).tee()
  const result = await within(5000, 'the refused upload of a tee branch', upload(refused)({ source: branch, folderId: '0', fileName: uniqueName(), fileSize }, { retry: fastRetry })())
  assert.ok(E.isLeft(result) && result.left._tag === 'HttpError' && result.left.status === 401, JSON.stringify(result))
  await other.cancel()
  // A size or a name that is refused before any request: the caller may still send the source another way.
  for (const [what, input] of [['fileSize 0', { fileSize: 0, fileName: uniqueName() }], ['fileName ""', { fileSize, fileName: '' }]] as const) {
    const cancelled: unknown[] = []
    const source = new ReadableStream<Uint8Array>({ pull: (c) => c.enqueue(bytesOf(10)), cancel: (reason) => void cancelled.push(reason) })
    const refusedInput = await upload(box.client)({ source, folderId: '0', ...input }, { retry: fastRetry })()
    assert.ok(E.isLeft(refusedInput) && refusedInput.left._tag === 'InvalidInput', `${what}: ${JSON.stringify(refusedInput)}`)
    assert.is(cancelled.length, 0, `${what}: the source was left alone`)
    assert.is((await source.getReader().read()).value?.length, 10, `${what}: and can still be read`)
  }
}))

Upload('should call the fetch option unbound: a browser\'s own fetch, passed as the option, refuses another this', withBox({ partSize: 1024 }, async (box) => {
  const fileSize = 2500
  const bytes = bytesOf(fileSize, 5)
  const these: unknown[] = []
  // A module is strict code: a plain call has no `this`. The page's fetch (Chromium) throws "Illegal invocation" for any other.
  const watching = function (this: unknown, input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    these.push(this)
    return globalThis.fetch(input, init)
  }
  for (const fetch of [watching, globalThis.fetch]) {
    const c = client({ token: TOKEN, uploadUrl: box.emulator.url, apiUrl: box.emulator.apiUrl, fetch })
    const file = rightOf(await upload(c)({ source: sourceOf(bytes), folderId: '0', fileName: uniqueName(), fileSize }, { retry: fastRetry })())
    sameBytes(await download(box, file.id), bytes)
  }
  assert.ok(these.length > 0 && these.every((self) => self === undefined), `fetch was called on ${String(these.find((self) => self !== undefined))}`)
}))

Upload('should read no further ahead of the confirmed bytes than the parts in flight plus the one being filled', withBox({ partSize: 1024, faults: { latencyMs: 2 } }, async (box) => {
  for (const concurrency of [1, 4]) {
    const fileSize = 40 * 1024
    let pulled = 0
    let confirmed = 0
    let ahead = 0
    const source = sourceOf(bytesOf(fileSize), {
      maxChunk: 256,
      onPull: (offset) => {
        pulled = offset
        ahead = Math.max(ahead, pulled - confirmed)
      },
    })
    rightOf(await upload(box.client)(
      { source, folderId: '0', fileName: uniqueName(), fileSize },
      { concurrency, retry: fastRetry, onProgress: (p) => { confirmed = p.bytesUploaded } },
    )())
    // In flight + the one being filled or cut ahead by the chunker, plus a chunk.
    assert.ok(ahead <= (concurrency + 1) * 1024 + 256, `read ${ahead} bytes ahead at concurrency ${concurrency}`)
    assert.ok(ahead >= concurrency * 1024, `read only ${ahead} bytes ahead at concurrency ${concurrency}: not parallel`)
  }
}))

/** A SHA-1 hashing every part a little later (like one on other threads, depth 2), noting each part buffer it sees. */
const noting = (buffers: Set<ArrayBufferLike>): Sha1 => {
  const file = (): ReturnType<Sha1['file']> => {
    const inner = subtlePure.file()
    return {
      ...inner,
      part: (bytes) => {
        buffers.add(bytes.buffer)
        return new Promise((resolve) => setTimeout(resolve, 1)).then(() => inner.part(bytes))
      },
    }
  }
  return { ...subtlePure, depth: 2, file }
}

Upload('should keep at most concurrency + 1 part buffers alive, even with a hasher cutting 2 ahead', withBox({ partSize: 1024, faults: { latencyMs: 3 } }, async (box) => {
  for (const concurrency of [1, 2, 4]) {
    const fileSize = 30 * 1024 + 100
    const bytes = bytesOf(fileSize, concurrency)
    const created = rightOf(await createSession(box.client)({ folderId: '0', fileName: uniqueName(), fileSize })())
    // The chunker pools part buffers (a released one is reused), so the buffers it ever hashed are
    // the most part buffers alive at once.
    const buffers = new Set<ArrayBufferLike>()
    const session = { ...created }
    Object.defineProperty(session, 'chunker', { value: ((options) => created.chunker({ ...options, sha1: noting(buffers) })) as Session['chunker'] })
    const file = rightOf(await within(10_000, 'upload', transfer(box.client, { concurrency, retry: fastRetry })(
      { session: session as Session, source: sourceOf(bytes, { maxChunk: 700 }), stored: [] },
    )()))
    sameBytes(await download(box, file.id), bytes, `concurrency ${concurrency}`)
    assert.ok(buffers.size <= concurrency + 1, `${buffers.size} part buffers at concurrency ${concurrency}`)
    assert.ok(buffers.size >= Math.min(concurrency, 2), `only ${buffers.size} part buffers at concurrency ${concurrency}: not parallel`)
  }
}))

// Deno runs these tests with --allow-net=127.0.0.1 only: `localhost` is a host it refuses to reach (NotCapable).
// Elsewhere, a fetch that throws the error Deno throws there.
Upload('should fail at once with InvalidInput, not retry, when the runtime refuses the request (Deno without net permission for the host)', async () => {
  let calls = 0
  const refusing = async (): Promise<Response> => {
    calls++
    throw Object.assign(new Error('Requires net access to "localhost:8123", run again with the --allow-net flag'), { name: 'NotCapable' })
  }
  const box = client({ token: TOKEN, uploadUrl: 'http://localhost:8123/api/2.0', ...('Deno' in globalThis ? {} : { fetch: refusing }) })
  const started = Date.now()
  const result = await within(20_000, 'an upload to a forbidden host', upload(box)({ source: sourceOf(bytesOf(10)), folderId: '0', fileName: 'f.bin', fileSize: 10 })())
  assert.ok(E.isLeft(result) && result.left._tag === 'InvalidInput', JSON.stringify(result))
  assert.match(message(result.left), '--allow-net')
  assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms: retried`)
  assert.ok(calls <= 1, `fetch called ${calls} times`)
})

Upload('should send commit attributes', withBox({}, async (box) => {
  const fileSize = 2500
  const file = rightOf(await upload(box.client)(
    { source: sourceOf(bytesOf(fileSize)), folderId: '0', fileName: uniqueName(), fileSize },
    { retry: fastRetry, attributes: { description: 'holiday video', content_modified_at: '2024-01-02T03:04:05Z' } },
  )())
  assert.is(file.description, 'holiday video')
  assert.is(file.content_modified_at !== undefined && file.content_modified_at !== null && Date.parse(file.content_modified_at), Date.parse('2024-01-02T03:04:05Z'))
}))

// README: a key left undefined is left out, so code under exactOptionalPropertyTypes passes what it has (the type
// check of that is test/packaging/consumer.ts); the commit must neither carry nor be refused for it.
Upload('should leave attributes given as undefined out of the commit', withBox({}, async (box) => {
  const fileSize = 2500
  const description: string | undefined = undefined
  const file = rightOf(await upload(box.client)(
    { source: sourceOf(bytesOf(fileSize)), folderId: '0', fileName: uniqueName(), fileSize },
    { retry: fastRetry, attributes: { description, content_modified_at: undefined, content_created_at: '2024-01-02T03:04:05Z' } },
  )())
  assert.is(file.description ?? '', '')
  assert.is(file.content_created_at !== undefined && file.content_created_at !== null && Date.parse(file.content_created_at), Date.parse('2024-01-02T03:04:05Z'))
}))

Upload('should type the dates and description of commit attributes as strings, as Box takes them', withBox({}, async (box) => {
  const fileSize = 2500
  // @ts-expect-error a date is an RFC 3339 string, not milliseconds: Box refuses it, and only at the commit
  const attributes: UploadOptions['attributes'] = { content_created_at: Date.parse('2024-01-02T03:04:05Z') }
  const result = await upload(box.client)({ source: sourceOf(bytesOf(fileSize)), folderId: '0', fileName: uniqueName(), fileSize }, { retry: fastRetry, attributes })()
  assert.ok(E.isLeft(result) && result.left._tag === 'HttpError' && result.left.status === 400 && /content_created_at/.test(result.left.message ?? ''), JSON.stringify(result))
}))

Upload('should refuse attributes JSON cannot write (a BigInt, a cycle) before any request, not at the commit once every part is sent', withBox({ partSize: 1024 }, async (box) => {
  const cycle: Record<string, unknown> = {}
  cycle['self'] = cycle
  for (const attributes of [{ x_count: 10n }, { x_meta: cycle }]) {
    const source = sourceOf(bytesOf(3000))
    const result = await upload(box.client)({ source, folderId: '0', fileName: uniqueName(), fileSize: 3000 }, { retry: fastRetry, attributes })()
    assert.ok(E.isLeft(result) && result.left._tag === 'InvalidInput' && result.left.message.startsWith('attributes cannot be sent as JSON: TypeError'), message((result as E.Left<UploadFailure>).left))
    assert.not.ok(source.locked, 'the source stays the caller\'s')
  }
  assert.is(box.sent.length, 0)
}))

// A Date is the form the README recommends for dates, yet an invalid one (new Date(text) of a text that is
// no date) is written by JSON as null: Box then refuses the commit, once every part is sent.
Upload('should refuse an invalid Date in the attributes before any request, not at the commit once every part is sent', withBox({ partSize: 1024 }, async (box) => {
  const source = sourceOf(bytesOf(3000))
  const result = await upload(box.client)({ source, folderId: '0', fileName: uniqueName(), fileSize: 3000 }, { retry: fastRetry, attributes: { content_modified_at: new Date('last Tuesday') } })()
  assert.ok(E.isLeft(result) && result.left._tag === 'InvalidInput', E.isLeft(result) ? message(result.left) : 'uploaded')
  assert.is(box.sent.length, 0, box.sent.map((r) => r.method).join(' '))
  // A valid Date still goes, as the ISO text JSON writes of it.
  const dated = await upload(box.client)({ source: sourceOf(bytesOf(3000)), folderId: '0', fileName: uniqueName(), fileSize: 3000 }, { retry: fastRetry, attributes: { content_modified_at: new Date('2024-01-02T03:04:05Z') } })()
  assert.ok(E.isRight(dated), E.isLeft(dated) ? message(dated.left) : '')
  assert.is(Date.parse(dated.right.content_modified_at ?? ''), Date.parse('2024-01-02T03:04:05Z'))
}))

// A fetch wrapper that forgets its `return` (or a mock) resolves to undefined: the TaskEither must still
// resolve to a Left, and the failed upload's session must still be deleted.
Upload('should end with an error value, and delete the session, when the fetch option resolves to no Response', withBox({ partSize: 1024 }, async (box) => {
  let sessionId: string | undefined
  const broken = client({ token: TOKEN, uploadUrl: box.emulator.url, apiUrl: box.emulator.apiUrl, fetch: (input, init) =>
    String(input).endsWith('/commit') ? Promise.resolve(undefined as unknown as Response) : fetch(input, init) })
  const outcome = await within(10_000, 'upload', upload(broken)(
    { source: sourceOf(bytesOf(3000)), folderId: '0', fileName: uniqueName(), fileSize: 3000 },
    { retry: fastRetry, onSession: (session) => { sessionId = session.id } },
  )().then((result) => ({ result }), (thrown: unknown) => ({ thrown })))
  assert.ok('result' in outcome && E.isLeft(outcome.result), `the task rejected: ${String((outcome as { thrown?: unknown }).thrown)}`)
  assert.is(await sessionStatus(box, sessionId!), 404, 'the session was deleted')
  assert.is(commits(box).length, 0)
}))

// whatwg-fetch (cross-fetch's browser fallback) gives answers no body; node-fetch gives a Node stream.
Upload('should read the answers of a fetch whose Responses have no web stream body (a 202 too)', withBox({ partSize: 1024, faults: { commitAccepted: 1, retryAfterSeconds: 0 } }, async (box) => {
  for (const [what, body] of [['none', undefined], ['a Node stream', { pipe: () => undefined, on: () => undefined }]] as const) {
    const other = client({ token: TOKEN, uploadUrl: box.emulator.url, apiUrl: box.emulator.apiUrl, fetch: async (input, init) =>
      Object.defineProperty(await fetch(input, init), 'body', { value: body }) })
    const bytes = bytesOf(3000)
    const file = await within(5000, what, upload(other)({ source: sourceOf(bytes), folderId: '0', fileName: uniqueName(), fileSize: 3000 }, { retry: fastRetry, concurrency: 2 })())
    assert.ok(E.isRight(file), `${what}: ${JSON.stringify(file)}`)
    sameBytes(await download(box, file.right.id), bytes)
  }
}))

// README: "Parts uploaded at once (default 4)". Counted at the client, as the requests go out; each answer takes 100 ms,
// so on a loaded machine too the four are in flight together.
// Box's access tokens last an hour: one may expire while several parts are in flight, which all come back
// 401. Its refresh tokens are single-use, so a token function that refreshes at every call fails when asked
// twice: the first 401 refreshes, and the others, sent with the token that refresh replaced, only retry.
Upload('should go on with its session when the token expires with parts in flight, asking the token function once more', async () => {
  const records: Array<RequestRecord> = []
  const box = emulator({ minFileSize: 1, partSize: 1024, tokens: ['first-token'], onRequest: (record) => records.push(record) })
  let asked = 0
  const token = async (): Promise<string> => {
    if (++asked > 2) throw new Error('refresh token already used')
    return asked === 1 ? 'first-token' : 'second-token'
  }
  // The first 4 parts are held until all are in flight; then the token expires and the first part goes on
  // alone. The others go on once a request carries the new token: its refresh is over by then.
  const held: Array<() => void> = []
  const holding: typeof fetch = async (input, init) => {
    const authorization = new Headers(init?.headers).get('authorization')
    if (init?.method === 'PUT' && authorization === 'Bearer first-token') {
      await new Promise<void>((release) => {
        held.push(release)
        if (held.length < 4) return
        box.rotateToken('first-token', 'second-token')
        held.shift()!()
      })
    } else if (authorization === 'Bearer second-token') held.splice(0).forEach((release) => release())
    return box.fetch(input, init)
  }
  const uploading = client({ token, uploadUrl: 'http://box.test/api/2.0', apiUrl: 'http://box.test/2.0', fetch: holding })
  const bytes = bytesOf(6000)
  const file = rightOf(await within(10_000, 'the upload', upload(uploading)(
    { source: sourceOf(bytes), folderId: '0', fileName: uniqueName(), fileSize: bytes.length }, { concurrency: 4, retry: fastRetry })()))
  assert.is(asked, 2, 'the first token and one refresh')
  assert.equal(records.filter((r) => r.status === 401).map((r) => r.method), ['PUT', 'PUT', 'PUT', 'PUT'])
  assert.is(records.filter((r) => r.method === 'POST' && r.path.endsWith('/upload_sessions')).length, 1, 'one session')
  const content = await box.fetch(`http://box.test/2.0/files/${file.id}/content`, { headers: { authorization: 'Bearer second-token' } })
  sameBytes(new Uint8Array(await content.arrayBuffer()), bytes)
})

Upload('should upload 4 parts at once when no concurrency is given', withBox({ partSize: 1024, faults: { latencyMs: 100 } }, async (box) => {
  let inFlight = 0
  let most = 0
  const counting = client({
    token: TOKEN, uploadUrl: box.emulator.url, apiUrl: box.emulator.apiUrl,
    fetch: async (input, init) => {
      if (init?.method !== 'PUT') return fetch(input, init)
      most = Math.max(most, ++inFlight)
      try { return await fetch(input, init) } finally { inFlight-- }
    },
  })
  const bytes = bytesOf(12 * 1024)
  rightOf(await upload(counting)({ source: sourceOf(bytes), folderId: '0', fileName: uniqueName(), fileSize: bytes.length }, { retry: fastRetry })())
  assert.is(most, 4)
}))

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

Upload('should fail fast with the 429 and delete the session when Box asks to wait a day', withBox({ partSize: 1024, faults: { retryAfterSeconds: 86_400, script: [{ part: 1, fault: 'rate_limit' }] } }, async (box) => {
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

Upload('should end with HttpError 410 upload_failed, unretried, and delete the session when Box fails it (concurrency 1)', failedSession({ concurrency: 1 }))

Upload('should end with HttpError 410 upload_failed, unretried, and delete the session when Box fails it (concurrency 4)', failedSession({ concurrency: 4 }))

Upload('should end with HttpError 410 upload_failed and keep the failed session with keepSessionOnError', failedSession({ concurrency: 2, keepSessionOnError: true }))

Upload('should still wait out a Retry-After up to maxRetryAfterMs', withBox({ partSize: 1024, faults: { retryAfterSeconds: 1, script: [{ part: 1, fault: 'rate_limit' }] } }, async (box) => {
  const bytes = bytesOf(3000)
  const started = Date.now()
  const file = rightOf(await within(5000, 'upload', upload(box.client)(
    { source: sourceOf(bytes), folderId: '0', fileName: uniqueName(), fileSize: 3000 },
    { retry: { ...fastRetry, maxRetryAfterMs: 1000 } },
  )()))
  assert.ok(Date.now() - started >= 990, `took ${Date.now() - started} ms`)
  sameBytes(await download(box, file.id), bytes)
}))

Upload('should resolve with the committed file when Box applied the commit but answered 500 (retried, or with retries spent)', async () => {
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

// Tokens a test setup might pick that also occur in Box's answers: a letter of every field name, a
// digit of every size, the file's own name. A token under 8 characters is no secret and never
// masked (it occurs in words, numbers and Box's codes); a longer one is masked where an answer
// arrives, in its strings only (never in a number), so the upload still works.
Upload('should upload with a token that occurs in Box\'s answers: short ones left as they are, long ones masked in strings only', async () => {
  const fileName = uniqueName()
  const tokens = ['t', '1', 'e', fileName, '10000000']
  await withBox({ partSize: 1024, tokens }, async (box) => {
    for (const token of tokens) {
      const own = client({ token, uploadUrl: box.emulator.url, apiUrl: box.emulator.apiUrl })
      const bytes = bytesOf(3000, token.length)
      const file = rightOf(await within(5000, `token ${token}`, upload(own)({ source: sourceOf(bytes), folderId: '0', fileName, fileSize: 3000 }, { retry: fastRetry })()))
      // The emulator's file ids start at 1000000001: the token `10000000` is in them, as a string.
      const shown = (text: string) => (token.length < 8 ? text : text.split(token).join('[token]'))
      assert.equal([file.name, file.size, file.type], [shown(fileName), 3000, 'file'], `token ${JSON.stringify(token)}`)
      assert.ok(token.length < 8 || !JSON.stringify(file).includes(token), JSON.stringify(file))
      sameBytes(await download(box, file.id.split('[token]').join(token), token), bytes, `token ${JSON.stringify(token)}`)
      // An error (the name is taken now) is a Left as usual, naming the conflict but for the long token.
      const again = await within(5000, `clash ${token}`, upload(own)({ source: sourceOf(bytes), folderId: '0', fileName, fileSize: 3000 }, { retry: fastRetry })())
      assert.ok(E.isLeft(again) && again.left._tag === 'HttpError' && again.left.status === 409 && again.left.code === 'item_name_in_use', `token ${JSON.stringify(token)}: ${JSON.stringify(again)}`)
      const conflict = JSON.stringify(again.left.contextInfo)
      assert.ok(token === fileName ? !conflict.includes(fileName) && conflict.includes('[token]') : conflict.includes(fileName), conflict)
    }
  })()
})

Upload('should refuse bad options before any request', withBox({}, async (box) => {
  const table: ReadonlyArray<UploadOptions> = [
    { concurrency: 0 }, { concurrency: -1 }, { concurrency: 1.5 }, { concurrency: Number.NaN },
    { retry: { retries: -1, baseDelayMs: 1, maxDelayMs: 1 } }, { retry: { retries: 1, baseDelayMs: Number.NaN, maxDelayMs: 1 } },
    { retry: { retries: 1, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: -1 } },
    // A timeout of 0 would end every attempt at once; a number given as text is no number.
    { retry: { retries: 1, baseDelayMs: 1, maxDelayMs: 1, timeoutMs: 0 } },
    { retry: { retries: 1, baseDelayMs: 1, maxDelayMs: '5' as unknown as number } },
    // NaN (`Number(process.env.X)` unset) would be no deadline, and no wait either.
    { commitDeadlineMs: Number.NaN }, { commitDeadlineMs: -1 }, { commitDeadlineMs: '300' as unknown as number }, { commitDeadlineMs: 300n as unknown as number },
  ]
  for (const options of table) {
    const result = await upload(box.client)({ source: sourceOf(bytesOf(10)), folderId: '0', fileName: uniqueName(), fileSize: 10 }, options)()
    assert.ok(E.isLeft(result) && result.left._tag === 'InvalidInput', JSON.stringify(options, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)))
  }
  assert.is(box.sent.length, 0)
  // The value is named with its type: text or a BigInt from a configuration must not read as the number it spells.
  const named = async (options: UploadOptions) => {
    const result = await upload(box.client)({ source: sourceOf(bytesOf(10)), folderId: '0', fileName: uniqueName(), fileSize: 10 }, options)()
    return E.isLeft(result) ? message(result.left) : 'accepted'
  }
  assert.match(await named({ commitDeadlineMs: '300' as unknown as number }), 'commitDeadlineMs must be ms from 0 up, got the string 300.')
  assert.match(await named({ commitDeadlineMs: 300n as unknown as number }), 'got the bigint 300.')
  assert.match(await named({ concurrency: '4' as unknown as number }), 'concurrency must be a whole number of parts from 1 up, got the string 4.')
  assert.match(await named({ concurrency: Number.NaN }), 'got the number NaN.')
  assert.match(await named({ commitDeadlineMs: null as unknown as number }), 'commitDeadlineMs must be ms from 0 up, got null.')
  // An object is named, not written: String says '2,3' of an array and throws on an object without a
  // prototype (from a query-string parser, say), which rejected the task instead of resolving it.
  assert.match(await named({ concurrency: [2, 3] as unknown as number }), 'got an array.')
  assert.match(await named({ concurrency: Object.create(null) as number }), 'got an object.')
  assert.match(await named({ attributes: { description: { toJSON: () => { throw Object.create(null) } } } as unknown as UploadOptions['attributes'] }), 'attributes cannot be sent as JSON: an object')
  const sized = await upload(box.client)({ source: sourceOf(bytesOf(10)), folderId: '0', fileName: uniqueName(), fileSize: Object.create(null) as number })()
  assert.ok(E.isLeft(sized) && message(sized.left).includes('fileSize must be a positive integer, got an object'), JSON.stringify(sized))
  assert.is(box.sent.length, 0)
}))

// README: a wait or timeoutMs past what a timer holds counts as that long, Infinity too.
Upload('should take Infinity in the retry policy and as the commit deadline', withBox({}, async (box) => {
  const bytes = bytesOf(3000)
  const retry = { retries: 2, baseDelayMs: 1, maxDelayMs: Infinity, maxRetryAfterMs: Infinity, timeoutMs: Infinity }
  const result = await upload(box.client)({ source: sourceOf(bytes), folderId: '0', fileName: uniqueName(), fileSize: bytes.length }, { retry, commitDeadlineMs: Infinity })()
  assert.ok(E.isRight(result), JSON.stringify(result))
  if (E.isRight(result)) sameBytes(await download(box, result.right.id), bytes)
}))

// a73f273: commit now gets { ...options }: own enumerable options only. Options read through a prototype (a class with
// getters, Object.create(defaults)) still reach the parts (options.signal, options.retry) but no longer the commit.
Upload('attributes given by an options object with a prototype still reach the commit', withBox({ partSize: 1024 }, async (box) => {
  const bodies: Array<string> = []
  const capturing = client({ token: TOKEN, uploadUrl: box.emulator.url, apiUrl: box.emulator.apiUrl, fetch: (input, init) => {
    if (String(input).endsWith('/commit')) bodies.push(String(init?.body))
    return fetch(input, init)
  } })
  const options: UploadOptions = Object.create({ retry: fastRetry, attributes: { content_modified_at: '2020-01-02T03:04:05Z' } })
  const result = await within(10_000, 'upload', upload(capturing)({ source: sourceOf(bytesOf(3000)), folderId: '0', fileName: uniqueName(), fileSize: 3000 }, options)())
  assert.ok(E.isRight(result), JSON.stringify(result))
  assert.ok(bodies[0]?.includes('content_modified_at'), bodies[0])
}))

// e: the replacer refuses more than invalid Dates: any value with a toISOString property it cannot call, and a Date
// whose own toJSON writes it fine. Plain JSON.stringify (what the commit sends) takes both.
Upload('attributes the commit can send are not refused by the invalid-Date check; an invalid Date still is', async () => {
  const run = (attributes: object) => startable({ source: new ReadableStream() }, { attributes } as never)()
  assert.equal(await run({ tag: { toISOString: 'text' } }), E.right(undefined))
  assert.equal(await run({ when: Object.assign(new Date(Number.NaN), { toJSON: () => 'unknown' }) }), E.right(undefined))
  // The RangeError's own words are the runtime's: 'Invalid time value' in V8, 'Invalid Date' in Bun, 'invalid date' in Firefox.
  const nested = await run({ nested: [{ when: new Date(Number.NaN) }] })
  assert.ok(E.isLeft(nested) && nested.left._tag === 'InvalidInput' && /^attributes cannot be sent as JSON: RangeError: invalid /i.test(nested.left.message), JSON.stringify(nested))
  assert.equal(await run({ when: new Date(0), n: [1, 'a', null, { x: true }] }), E.right(undefined))
})

Upload.run()
Version.run()
BadSource.run()
