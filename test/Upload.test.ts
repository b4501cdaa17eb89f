/**
 * upload(): the core pipeline against the emulator: every size and concurrency, progress, the source
 * cancelled or left alone when no session is made, how far ahead it reads and how many part buffers it
 * keeps, the fetch option, an expired token, the options refused before any request.
 */
import * as E from 'fp-ts/lib/Either.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { BoxFile } from '../src/BoxFile.ts'
import { client } from '../src/Client.ts'
import type { Progress } from '../src/Progress.ts'
import { type Session, createSession } from '../src/Session.ts'
import type { Sha1 } from '../src/Sha1.ts'
import { subtlePure } from '../src/sha1/pure.ts'
import { type UploadFailure, type UploadOptions, transfer, upload, uploadVersion } from '../src/Upload.ts'
import { message } from '../src/UploadError.ts'
import { emulator } from '../src/emulator/index.ts'
import type { RequestRecord } from '../src/emulator/Options.ts'
import { TOKEN, bytesOf, commits, download, fastRetry, rightOf, sameBytes, sessionStatus, sourceOf, uniqueName, withBox, within } from './helpers/upload.ts'

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
  // A size, a name, an option or a token function that is refused before any request: the caller may still send the
  // source another way (README, Abort: "bad input ... fails before any request and leaves the source as it was").
  const noToken = client({
    token: () => Promise.reject(new Error('the vault is locked')), uploadUrl: box.emulator.url, apiUrl: box.emulator.apiUrl,
    fetch: (input, init) => (box.sent.push({ method: init?.method ?? 'GET', url: String(input), at: Date.now() }), fetch(input, init)),
  })
  const sentBefore = box.sent.length
  for (const [what, input, options, by] of [
    ['fileSize 0', { fileSize: 0, fileName: uniqueName() }, {}, box.client],
    ['fileName ""', { fileSize, fileName: '' }, {}, box.client],
    ['concurrency 0', { fileSize, fileName: uniqueName() }, { concurrency: 0 }, box.client],
    ['a token function that fails', { fileSize, fileName: uniqueName() }, {}, noToken],
  ] as const) {
    const cancelled: unknown[] = []
    const source = new ReadableStream<Uint8Array>({ pull: (c) => c.enqueue(bytesOf(10)), cancel: (reason) => void cancelled.push(reason) })
    const refusedInput = await upload(by)({ source, folderId: '0', ...input }, { retry: fastRetry, ...options })()
    assert.ok(E.isLeft(refusedInput) && refusedInput.left._tag === 'InvalidInput', `${what}: ${JSON.stringify(refusedInput)}`)
    assert.is(cancelled.length, 0, `${what}: the source was left alone`)
    assert.is((await source.getReader().read()).value?.length, 10, `${what}: and can still be read`)
  }
  assert.equal(box.sent.slice(sentBefore), [], 'nothing sent')
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

// README: "Parts uploaded at once (default 4)". Counted at the client, as the requests go out; each answer takes 100 ms,
// so on a loaded machine too the four are in flight together.
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

// README (Client, tokens, sessions and errors): an upload task reads its stream, so running the same task again
// finds it locked: InvalidInput, with no session made. To try a whole upload again, a new task with a new stream.
Upload('should refuse to run the same task again, its stream read, before any request', withBox({ partSize: 1024 }, async (box) => {
  const bytes = bytesOf(3000)
  const task = upload(box.client)({ source: sourceOf(bytes), folderId: '0', fileName: uniqueName(), fileSize: bytes.length }, { retry: fastRetry })
  assert.ok(E.isRight(await task()))
  const sent = box.sent.length
  const again = await task()
  assert.ok(E.isLeft(again) && again.left._tag === 'InvalidInput' && message(again.left).includes('nobody reads yet'), JSON.stringify(again))
  assert.is(box.sent.length, sent, 'no request')
}))

Upload.run()
