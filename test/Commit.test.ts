import * as E from 'fp-ts/lib/Either.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { BoxFile } from '../src/BoxFile.ts'
import { client } from '../src/Client.ts'
import { commit } from '../src/Commit.ts'
import type { Part } from '../src/Part.ts'
import { uploadPart } from '../src/PartUpload.ts'
import { type Session, createSession, createVersionSession } from '../src/Session.ts'
import type { UploadPart } from '../src/UploadPart.ts'
import { message } from '../src/UploadError.ts'
import { TOKEN, bytesOf, download, fastRetry, sameBytes, sourceOf, type TestBox, withBox, uniqueName, within, eventually, recorded } from './helpers/upload.ts'

/** A session with every part of `bytes` uploaded: what a commit needs. */
const prepared = async (box: TestBox, bytes: Uint8Array, fileId?: string) => {
  const created = fileId === undefined
    ? await createSession(box.client)({ folderId: '0', fileName: uniqueName('commit'), fileSize: bytes.length })()
    : await createVersionSession(box.client)({ fileId, fileSize: bytes.length })()
  if (E.isLeft(created)) throw new Error(JSON.stringify(created.left))
  const session: Session = created.right
  const chunker = session.chunker()
  const parts: Array<UploadPart> = []
  await sourceOf(bytes).pipeThrough(chunker).pipeTo(new WritableStream<Part>({
    write: async (part) => {
      const stored = await uploadPart(box.client, session, { retry: fastRetry })(part)()
      if (E.isLeft(stored)) throw new Error(JSON.stringify(stored.left))
      parts.push(stored.right)
    },
  }))
  return { session, parts, digest: await chunker.digest }
}

const commitsSent = (box: TestBox) => box.records.filter((r) => r.method === 'POST' && r.path.endsWith('/commit'))

const Commit = suite('commit')

Commit('should commit parts given in any order and resolve to the file', withBox({ partSize: 1024 }, async (box) => {
  const bytes = bytesOf(5000)
  const { session, parts, digest } = await prepared(box, bytes)
  const shuffled = [parts[3]!, parts[0]!, parts[4]!, parts[2]!, parts[1]!]
  const result = await commit(box.client, session)({ parts: shuffled, digest, retry: fastRetry })()
  assert.ok(E.isRight(result), JSON.stringify(result))
  const file = (result as E.Right<BoxFile>).right
  assert.is(file.size, 5000)
  sameBytes(await download(box, file.id), bytes)
}))

Commit('should wait out 202 answers and send the same commit again', withBox({ partSize: 1024, faults: { commitAccepted: 3 } }, async (box) => {
  const { session, parts, digest } = await prepared(box, bytesOf(3000))
  const result = await within(5000, 'commit', commit(box.client, session)({ parts, digest, retry: fastRetry })())
  assert.ok(E.isRight(result), JSON.stringify(result))
  await eventually(() => commitsSent(box).length === 4)
  assert.equal(commitsSent(box).map((r) => r.status), [202, 202, 202, 201])
}))

Commit('should give up on 202 answers at the deadline', withBox({ partSize: 1024, faults: { commitAccepted: 100, retryAfterSeconds: 1 } }, async (box) => {
  const { session, parts, digest } = await prepared(box, bytesOf(3000))
  const started = Date.now()
  const result = await commit(box.client, session)({ parts, digest, retry: fastRetry, deadlineMs: 300 })()
  assert.ok(E.isLeft(result) && result.left._tag === 'HttpError' && result.left.status === 202, JSON.stringify(result))
  assert.ok(Date.now() - started < 1000)
  await recorded(box)
  assert.is(commitsSent(box).length, 1)
}))

// commit() takes its deadline unchecked: one that is no number (NaN) must not mean "no wait until never".
Commit('should give up at the first 202 when the deadline is NaN', withBox({ partSize: 1024, faults: { commitAccepted: 100, retryAfterSeconds: 1 } }, async (box) => {
  const { session, parts, digest } = await prepared(box, bytesOf(3000))
  const result = await within(2000, 'commit', commit(box.client, session)({ parts, digest, retry: fastRetry, deadlineMs: Number.NaN })())
  assert.ok(E.isLeft(result) && result.left._tag === 'HttpError' && result.left.status === 202, JSON.stringify(result))
  await recorded(box)
  assert.is(commitsSent(box).length, 1)
}))

// A Retry-After of 0 (or an HTTP date already past, from a server whose clock is behind) asks for no
// wait: a draw of the policy's backoff (its cap doubling with each 202) still spaces the commits out.
Commit('should space out commits answered 202 with Retry-After 0 by the backoff, not send them as fast as answered', withBox({ partSize: 1024, faults: { commitAccepted: 100_000, retryAfterSeconds: 0 } }, async (box) => {
  const { session, parts, digest } = await prepared(box, bytesOf(3000))
  const started = Date.now()
  // maxRetryAfterMs judges Box's own wait (0 here), not the backoff drawn on top of it.
  const result = await within(4000, 'commit', commit(box.client, session)({ parts, digest, retry: { retries: 2, baseDelayMs: 50, maxDelayMs: 200, maxRetryAfterMs: 10 }, deadlineMs: 1500 })())
  assert.ok(E.isLeft(result) && result.left._tag === 'HttpError' && result.left.status === 202 && result.left.retryAfterMs === 0, JSON.stringify(result))
  assert.ok(Date.now() - started >= 1400, `ended after ${Date.now() - started} ms, before the deadline`)
  await recorded(box)
  // About 15 in 1.5 s (waits of ~25, 50, then ~100 ms on average); without the backoff, hundreds.
  const sent = commitsSent(box).length
  assert.ok(sent >= 3 && sent < 60, `${sent} commits in 1.5 s`)
}))

// A backoff draw never sleeps past the deadline (with a cap of a minute, one would 97% of the time).
Commit('should sleep no further than the deadline when the backoff drawn after a 202 is longer', withBox({ partSize: 1024, faults: { commitAccepted: 100_000, retryAfterSeconds: 0 } }, async (box) => {
  const { session, parts, digest } = await prepared(box, bytesOf(3000))
  const started = Date.now()
  const result = await within(5000, 'commit', commit(box.client, session)({ parts, digest, retry: { retries: 2, baseDelayMs: 60_000, maxDelayMs: 60_000 }, deadlineMs: 500 })())
  assert.ok(E.isLeft(result) && result.left._tag === 'HttpError' && result.left.status === 202, JSON.stringify(result))
  assert.ok(Date.now() - started < 2000, `ended after ${Date.now() - started} ms`)
}))

Commit('should give up at once on a 202 whose Retry-After is longer than maxRetryAfterMs', withBox({ partSize: 1024, faults: { commitAccepted: 1, retryAfterSeconds: 3600 } }, async (box) => {
  const { session, parts, digest } = await prepared(box, bytesOf(3000))
  const started = Date.now()
  const result = await within(2000, 'commit', commit(box.client, session)({ parts, digest, retry: fastRetry, deadlineMs: 24 * 3600_000 })())
  assert.ok(E.isLeft(result) && result.left._tag === 'HttpError' && result.left.status === 202 && result.left.retryAfterMs === 3600_000, JSON.stringify(result))
  assert.ok(Date.now() - started < 1000)
  await recorded(box)
  assert.is(commitsSent(box).length, 1)
}))

/** The requests a commit made after the parts: method and status, in order. */
const afterParts = (box: TestBox) => box.records.filter((r) => r.method !== 'PUT' && !(r.method === 'POST' && !r.path.endsWith('/commit'))).map((r) => `${r.method} ${r.status}`)

Commit('should resolve with the file when Box applied the commit but its answer was a 500 or a reset, retries spent', async () => {
  for (const fault of ['error_after', 'reset_after'] as const) {
    await withBox({ partSize: 1024, faults: { commitFaults: [fault] } }, async (box) => {
      const bytes = bytesOf(3000)
      const { session, parts, digest } = await prepared(box, bytes)
      const result = await within(5000, fault, commit(box.client, session)({ parts, digest, retry: { ...fastRetry, retries: 0 } })())
      assert.ok(E.isRight(result), `${fault}: ${JSON.stringify(result)}`)
      const file = (result as E.Right<BoxFile>).right
      assert.is(file.size, 3000)
      sameBytes(await download(box, file.id), bytes, fault)
      await recorded(box)
      // The commit, the status saying the session is gone (committed), the same commit answering the
      // file. Deno's and Chromium's fetch resend a POST whose reused connection was reset before any
      // answer, so there the second commit comes from the runtime, without the status check.
      const sequence = afterParts(box).slice(0, 3)
      const resentByRuntime = fault === 'reset_after' && sequence[1] === 'POST 201'
      assert.equal(sequence, resentByRuntime ? ['POST 0', 'POST 201', 'GET 200'] : [`POST ${fault === 'reset_after' ? 0 : 500}`, 'GET 404', 'POST 201'], fault)
    })()
  }
})

Commit('should keep the 500 when the session is still open (the commit was not applied), retries spent', withBox({ partSize: 1024, faults: { commitFaults: ['error_before'] } }, async (box) => {
  const { session, parts, digest } = await prepared(box, bytesOf(3000))
  const result = await within(5000, 'commit', commit(box.client, session)({ parts, digest, retry: { ...fastRetry, retries: 0 } })())
  assert.ok(E.isLeft(result) && result.left._tag === 'HttpError' && result.left.status === 500 && result.left.code === 'internal_server_error', JSON.stringify(result))
  await recorded(box)
  assert.equal(afterParts(box), ['POST 500', 'GET 200'])
}))

Commit('should fail without retrying on a wrong digest and on If-Match of another etag', withBox({ partSize: 1024 }, async (box) => {
  const { session, parts, digest } = await prepared(box, bytesOf(3000))
  const wrong = await commit(box.client, session)({ parts, digest: 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=', retry: fastRetry })()
  assert.ok(E.isLeft(wrong) && wrong.left._tag === 'HttpError' && wrong.left.code === 'digest_mismatch', JSON.stringify(wrong))
  const file = await commit(box.client, session)({ parts, digest, retry: fastRetry })()
  assert.ok(E.isRight(file))
  const { id, etag } = (file as E.Right<BoxFile>).right
  assert.type(etag, 'string')
  const version = await prepared(box, bytesOf(2000, 3), id)
  const stale = await commit(box.client, version.session)({ ...version, ifMatch: `"${etag}-old"`, retry: fastRetry })()
  assert.ok(E.isLeft(stale) && stale.left._tag === 'HttpError' && stale.left.status === 412, JSON.stringify(stale))
  const fresh = await commit(box.client, version.session)({ ...version, ifMatch: etag!, retry: fastRetry })()
  assert.ok(E.isRight(fresh) && fresh.right.id === id && fresh.right.size === 2000, JSON.stringify(fresh))
  await eventually(() => commitsSent(box).length === 4)
  assert.equal(commitsSent(box).map((r) => r.status), [400, 201, 412, 201])
}))

Commit('should send no If-Match for an ifMatch of null (the etag of a file without one)', withBox({ partSize: 1024 }, async (box) => {
  const first = await prepared(box, bytesOf(3000))
  const file = await commit(box.client, first.session)({ ...first, retry: fastRetry })()
  assert.ok(E.isRight(file), JSON.stringify(file))
  const version = await prepared(box, bytesOf(2000, 3), file.right.id)
  const etag: string | null = null
  const result = await commit(box.client, version.session)({ ...version, ifMatch: etag, retry: fastRetry })()
  assert.ok(E.isRight(result) && result.right.size === 2000, JSON.stringify(result))
}))

/**
 * A client whose requests reach the emulator and whose answers `change` may replace: for answers
 * Box may give and the emulator, being correct, never does. `change` also sees each request go out.
 */
const through = (box: TestBox, change: (method: string, url: string, answer: () => Promise<Response>) => Promise<Response>) =>
  client({ token: TOKEN, uploadUrl: box.emulator.url, apiUrl: box.emulator.apiUrl, fetch: (input, init) => change(init?.method ?? 'GET', String(input), () => fetch(input, init)) })

const isCommit = (method: string, url: string): boolean => method === 'POST' && url.endsWith('/commit')
const isStatus = (method: string, url: string): boolean => method === 'GET' && /\/upload_sessions\/[0-9A-F]+$/i.test(url)

/** The same answer with its JSON body changed by `f`. */
const rewritten = async (response: Response, f: (body: Record<string, unknown>) => unknown, status = response.status): Promise<Response> => {
  const headers = new Headers(response.headers)
  headers.delete('content-length')
  return new Response(JSON.stringify(f((await response.json()) as Record<string, unknown>)), { status, headers })
}

Commit('should not take the file a repeated commit answers unless it has our size and SHA-1: the 500 stands', async () => {
  const others: ReadonlyArray<readonly [string, (file: Record<string, unknown>) => unknown]> = [
    ['another SHA-1', (file) => ({ ...file, sha1: '0'.repeat(40) })],
    ['another size', (file) => ({ ...file, size: Number(file['size']) + 1 })],
  ]
  for (const [what, change] of others) {
    await withBox({ partSize: 1024, faults: { commitFaults: ['error_after'] } }, async (box) => {
      const { session, parts, digest } = await prepared(box, bytesOf(3000))
      let commits = 0
      const box2 = through(box, async (method, url, answer) => {
        const response = await answer()
        return isCommit(method, url) && ++commits === 2 ? rewritten(response, (body) => ({ ...body, entries: (body['entries'] as Array<Record<string, unknown>>).map(change) })) : response
      })
      const result = await within(5000, what, commit(box2, session)({ parts, digest, retry: { ...fastRetry, retries: 0 } })())
      assert.ok(E.isLeft(result) && result.left._tag === 'HttpError' && result.left.status === 500, `${what}: ${JSON.stringify(result)}`)
      await recorded(box)
      assert.equal(afterParts(box), ['POST 500', 'GET 404', 'POST 201'], what)
    })()
  }
})

Commit('should keep the 500, and not commit again, when the status check fails with anything but 404', withBox({ partSize: 1024, faults: { commitFaults: ['error_before'] } }, async (box) => {
  const { session, parts, digest } = await prepared(box, bytesOf(3000))
  const box2 = through(box, async (method, url, answer) => {
    const response = await answer()
    return isStatus(method, url) ? rewritten(response, () => ({ type: 'error', status: 503, code: 'unavailable', message: 'down' }), 503) : response
  })
  const result = await within(5000, 'commit', commit(box2, session)({ parts, digest, retry: { ...fastRetry, retries: 0 } })())
  assert.ok(E.isLeft(result) && result.left._tag === 'HttpError' && result.left.status === 500, JSON.stringify(result))
  await recorded(box)
  assert.equal(afterParts(box), ['POST 500', 'GET 200'])
}))

Commit('should not check the session after a 507 (insufficient storage: nothing was applied)', withBox({ partSize: 1024 }, async (box) => {
  const { session, parts, digest } = await prepared(box, bytesOf(3000))
  const box2 = through(box, async (method, url, answer) => {
    const response = await answer()
    return isCommit(method, url) ? rewritten(response, () => ({ type: 'error', status: 507, code: 'insufficient_storage', message: 'full' }), 507) : response
  })
  const result = await within(5000, 'commit', commit(box2, session)({ parts, digest, retry: fastRetry })())
  assert.ok(E.isLeft(result) && result.left._tag === 'HttpError' && result.left.status === 507, JSON.stringify(result))
  await recorded(box)
  assert.equal(afterParts(box), ['POST 201'])
}))

Commit('should end with Aborted when aborted during the status check after a 500', withBox({ partSize: 1024, faults: { commitFaults: ['error_after'] } }, async (box) => {
  const { session, parts, digest } = await prepared(box, bytesOf(3000))
  const controller = new AbortController()
  const box2 = through(box, async (method, url, answer) => {
    if (isStatus(method, url)) controller.abort(new Error('stopped by the test'))
    return answer()
  })
  const result = await within(5000, 'commit', commit(box2, session)({ parts, digest, retry: { ...fastRetry, retries: 0 }, signal: controller.signal })())
  assert.ok(E.isLeft(result) && result.left._tag === 'Aborted', JSON.stringify(result))
}))

/**
 * A client whose first `stalls` commit answers keep their status and headers but send only half their
 * body, then nothing: until the request's signal fires (a connection gone quiet mid-body), as a
 * runtime's `fetch` then errors the body stream, or for ever (`deaf`: a fetch of the caller's that
 * leaves the body open after an abort; `'late'`: one that also answers only once the signal has fired).
 */
const stallingCommits = (box: TestBox, stalls: number, deaf: boolean | 'late' = false) => {
  let left = stalls
  return client({
    token: TOKEN, uploadUrl: box.emulator.url, apiUrl: box.emulator.apiUrl,
    fetch: async (input, init) => {
      const response = await fetch(input, init)
      if (!isCommit(init?.method ?? 'GET', String(input)) || left-- <= 0) return response
      const text = await response.text()
      const signal = init?.signal
      if (deaf === 'late') await new Promise((resolve) => (signal?.aborted === true ? resolve(undefined) : signal?.addEventListener('abort', resolve, { once: true })))
      const body = new ReadableStream<Uint8Array>({
        start: (controller) => {
          controller.enqueue(new TextEncoder().encode(text.slice(0, text.length >> 1)))
          if (!deaf) signal?.addEventListener('abort', () => controller.error(signal.reason), { once: true })
        },
      })
      return new Response(body, { status: response.status, headers: response.headers })
    },
  })
}

for (const deaf of [false, true, 'late'] as const) {
  const by = deaf === 'late' ? ', from a fetch that answers only after the signal, and leaves the body open'
    : deaf ? ', from a fetch that leaves the body open after the signal' : ''
  // Also an error's body (a 500 here), read for its code.
  for (const faults of [{}, { commitFaults: ['error_before' as const] }]) {
    const answer = faults.commitFaults ? 'a 500 answer' : 'an answer'
    Commit(`should time out ${answer} whose body stalls${by}, and commit again: the same file`, withBox({ partSize: 1024, faults }, async (box) => {
      const bytes = bytesOf(3000)
      const { session, parts, digest } = await prepared(box, bytes)
      // The timeout ends the stalled read, and also bounds the commit sent again, whose one try must be answered in
      // time (a second try would be a third commit in the records): 1 s, not 300 ms, for a loaded machine.
      const result = await within(5000, 'a stalled commit body', commit(stallingCommits(box, 1, deaf), session)({ parts, digest, retry: { ...fastRetry, timeoutMs: 1000 } })())
      assert.ok(E.isRight(result), JSON.stringify(result))
      sameBytes(await download(box, (result as E.Right<BoxFile>).right.id), bytes)
      await recorded(box)
      assert.equal(commitsSent(box).map((r) => r.status), [faults.commitFaults ? 500 : 201, 201])
    }))
  }

  Commit(`should end with Aborted when aborted while an answer's body stalls${by}`, withBox({ partSize: 1024 }, async (box) => {
    const bytes = bytesOf(3000)
    const { session, parts, digest } = await prepared(box, bytes)
    const controller = new AbortController()
    setTimeout(() => controller.abort(new Error('user stop')), 200)
    const started = Date.now()
    // No timeout in the policy: only the abort can end the read.
    const result = await within(5000, 'an abort during a stalled commit body', commit(stallingCommits(box, 1, deaf), session)({ parts, digest, retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 2 }, signal: controller.signal })())
    assert.ok(E.isLeft(result) && result.left._tag === 'Aborted', JSON.stringify(result))
    assert.ok(Date.now() - started < 2000, `settled ${Date.now() - started} ms after the start`)
  }))
}

Commit('should fail with DecodeError on a 201 whose Files collection is empty', withBox({ partSize: 1024 }, async (box) => {
  const { session, parts, digest } = await prepared(box, bytesOf(3000))
  const box2 = through(box, async (method, url, answer) => {
    const response = await answer()
    return isCommit(method, url) ? rewritten(response, () => ({ total_count: 0, entries: [] })) : response
  })
  const result = await commit(box2, session)({ parts, digest, retry: fastRetry })()
  assert.ok(E.isLeft(result) && result.left._tag === 'DecodeError', JSON.stringify(result))
  // The commit was applied (the emulator holds the file): the message must not read as a failed upload to redo.
  assert.match(message(result.left), "The commit's 2xx answer (look for the file before uploading again) did not have the expected shape")
}))

Commit('should wait 3 s after a 202 without Retry-After: past the deadline, it gives up at once', withBox({ partSize: 1024, faults: { commitAccepted: 1 } }, async (box) => {
  const { session, parts, digest } = await prepared(box, bytesOf(3000))
  const box2 = through(box, async (method, url, answer) => {
    const response = await answer()
    if (!isCommit(method, url) || response.status !== 202) return response
    const headers = new Headers(response.headers)
    headers.delete('retry-after')
    return new Response(null, { status: 202, headers })
  })
  const result = await within(2000, 'commit', commit(box2, session)({ parts, digest, retry: fastRetry, deadlineMs: 1000 })())
  assert.ok(E.isLeft(result) && result.left._tag === 'HttpError' && result.left.status === 202 && result.left.retryAfterMs === 3000, JSON.stringify(result))
  await recorded(box)
  assert.is(commitsSent(box).length, 1)
}))

Commit('should wait out a 202 without Retry-After under a maxRetryAfterMs below 3 s: only Box\'s own wait is judged', withBox({ partSize: 1024, faults: { commitAccepted: 1 } }, async (box) => {
  const { session, parts, digest } = await prepared(box, bytesOf(3000))
  const box2 = through(box, async (method, url, answer) => {
    const response = await answer()
    if (!isCommit(method, url) || response.status !== 202) return response
    return new Response(null, { status: 202 })
  })
  const started = Date.now()
  const result = await within(3000, 'commit', commit(box2, session)({ parts, digest, retry: { ...fastRetry, maxRetryAfterMs: 200 }, deadlineMs: 10_000 })())
  assert.ok(E.isRight(result) && result.right.size === 3000, JSON.stringify(result))
  // The default wait, cut to what the policy waits out.
  assert.ok(Date.now() - started >= 180, `committed after ${Date.now() - started} ms`)
  await recorded(box)
  assert.is(commitsSent(box).length, 2)
}))
// A TaskEither is a description: what it checks and when its deadline runs are decided when it runs.
Commit('should send nothing when its signal fired between building the task and running it', withBox({ partSize: 1024 }, async (box) => {
  const { session, parts, digest } = await prepared(box, bytesOf(3000))
  const controller = new AbortController()
  const task = commit(box.client, session)({ parts, digest, retry: fastRetry, signal: controller.signal })
  controller.abort(new Error('stop'))
  const result = await task()
  assert.ok(E.isLeft(result) && result.left._tag === 'Aborted', JSON.stringify(result))
  await recorded(box)
  assert.is(commitsSent(box).length, 0)
}))

Commit('should start its deadline when it runs, not when it is built, and count its 202s afresh on each run', withBox({ partSize: 1024, faults: { commitAccepted: 1, retryAfterSeconds: 0 } }, async (box) => {
  const { session, parts, digest } = await prepared(box, bytesOf(3000))
  const task = commit(box.client, session)({ parts, digest, retry: fastRetry, deadlineMs: 1000 })
  await new Promise((resolve) => setTimeout(resolve, 1200))
  const result = await within(5000, 'commit', task())
  assert.ok(E.isRight(result), JSON.stringify(result))
  await recorded(box)
  assert.equal(commitsSent(box).map((r) => r.status), [202, 201])
}))

Commit('should fail with InvalidInput, sending nothing and not retrying, on attributes JSON cannot write (a BigInt, a cycle)', withBox({ partSize: 1024 }, async (box) => {
  const cycle: Record<string, unknown> = {}
  cycle['self'] = cycle
  for (const [what, attributes] of [['a BigInt', { x_count: 10n }], ['a cycle', { x_meta: cycle }]] as const) {
    const { session, parts, digest } = await prepared(box, bytesOf(3000))
    const before = box.sent.length
    const result = await within(3000, what, commit(box.client, session)({ parts, digest, attributes, retry: fastRetry })())
    assert.ok(E.isLeft(result) && result.left._tag === 'InvalidInput' && result.left.message.startsWith('Nothing was sent: TypeError'), `${what}: ${JSON.stringify(result, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`)
    assert.is(box.sent.length, before, `${what}: requests handed to fetch`)
  }
  // A toJSON that throws what String cannot write (an object without a prototype) is named, not a rejected task.
  const { session, parts, digest } = await prepared(box, bytesOf(3000))
  const bare = await commit(box.client, session)({ parts, digest, attributes: { x_meta: { toJSON: () => { throw Object.create(null) } } }, retry: fastRetry })()
  assert.ok(E.isLeft(bare) && bare.left._tag === 'InvalidInput' && bare.left.message === 'Nothing was sent: an object', JSON.stringify(bare))
  await recorded(box)
  assert.is(commitsSent(box).length, 0)
}))

Commit('should not read the body of a 202 (one without end would fill the memory): the same commit goes again', withBox({ partSize: 1024, faults: { commitAccepted: 1, retryAfterSeconds: 0 } }, async (box) => {
  const { session, parts, digest } = await prepared(box, bytesOf(3000))
  let pulled = 0
  // Endless as far as the client can tell: it ends after 64 MiB only so that a client reading it fails this test instead of hanging.
  const endless = () => new ReadableStream<Uint8Array>({ pull: (controller) => { if (++pulled > 64) return controller.close(); controller.enqueue(new Uint8Array(1 << 20)) } }, { highWaterMark: 0 })
  const box2 = through(box, async (method, url, answer) => {
    const response = await answer()
    return isCommit(method, url) && response.status === 202 ? new Response(endless(), { status: 202, headers: response.headers }) : response
  })
  const result = await within(3000, 'commit', commit(box2, session)({ parts, digest, retry: fastRetry })())
  assert.ok(E.isRight(result) && result.right.size === 3000, JSON.stringify(result))
  assert.ok(pulled <= 2, `${pulled} MiB of the endless body read`)
  await recorded(box)
  assert.equal(commitsSent(box).map((r) => r.status), [202, 201])
}))

/** A commit of 3000 bytes whose 201 names its file changed by `change` (what Box may give and the emulator never does). */
const committedAs = async (box: TestBox, what: string, change: (file: Record<string, unknown>) => unknown) => {
  const { session, parts, digest } = await prepared(box, bytesOf(3000))
  const changing = through(box, async (method, url, answer) => {
    const response = await answer()
    return isCommit(method, url) ? rewritten(response, (body) => ({ ...body, entries: (body['entries'] as Array<Record<string, unknown>>).map(change) })) : response
  })
  return { digest, result: await within(5000, what, commit(changing, session)({ parts, digest, retry: fastRetry })()) }
}

Commit('should fail with DigestMismatch on a 201 naming a file of another size or SHA-1', withBox({ partSize: 1024 }, async (box) => {
  const others: ReadonlyArray<readonly [string, (file: Record<string, unknown>) => unknown]> = [
    ['another SHA-1', (file) => ({ ...file, sha1: '0'.repeat(40) })],
    ['another size, no SHA-1', (file) => ({ ...file, size: 1, sha1: undefined })],
    ['a SHA-1 of 600,000 digits', (file) => ({ ...file, sha1: 'a'.repeat(600_000) })],
  ]
  for (const [what, change] of others) {
    const { digest, result } = await committedAs(box, what, change)
    assert.ok(E.isLeft(result) && result.left._tag === 'DigestMismatch' && result.left.expected === digest && result.left.what.includes('3000 sent'), `${what}: ${JSON.stringify(result)}`)
  }
}))

// BoxFile's sha1 is optional (a field Box may leave out): the size decides a file without one. Hex in upper case is
// the same SHA-1 (as the emulator's commit takes a part's).
Commit('should take a 201 naming a file of our size without a SHA-1, or with ours in upper case', withBox({ partSize: 1024 }, async (box) => {
  const ours: ReadonlyArray<readonly [string, (file: Record<string, unknown>) => unknown]> = [
    ['no SHA-1', (file) => ({ ...file, sha1: undefined })],
    ['upper-case SHA-1', (file) => ({ ...file, sha1: String(file['sha1']).toUpperCase() })],
  ]
  for (const [what, change] of ours) {
    const { result } = await committedAs(box, what, change)
    assert.ok(E.isRight(result) && result.right.size === 3000, `${what}: ${JSON.stringify(result)}`)
  }
}))

// Compared without decoding the caller's digest: one that is no base64 gives a Left, not a rejected task.
Commit('should fail with DigestMismatch, not throw, when the caller\'s digest is no base64 and the file answered is another', withBox({ partSize: 1024 }, async (box) => {
  const { session, parts, digest } = await prepared(box, bytesOf(3000))
  // The emulator refuses such a Digest header: the commit goes out with the real one, as if a server took it.
  const fixing = client({ token: TOKEN, uploadUrl: box.emulator.url, apiUrl: box.emulator.apiUrl, fetch: (input, init) => {
    const headers = new Headers(init?.headers)
    if (headers.get('digest') === 'sha=a-_') headers.set('digest', `sha=${digest}`)
    return fetch(input, { ...init, headers })
  } })
  const result = await within(5000, 'commit', commit(fixing, session)({ parts, digest: 'a-_', retry: fastRetry })())
  assert.ok(E.isLeft(result) && result.left._tag === 'DigestMismatch', JSON.stringify(result))
}))

// Headers drop a value's outer whitespace, so the server takes such a digest: so must the check of its answer.
Commit('should take the file of a digest given with a line break (as `openssl dgst -binary | base64` prints it)', withBox({ partSize: 1024 }, async (box) => {
  const { session, parts, digest } = await prepared(box, bytesOf(3000))
  const result = await within(5000, 'commit', commit(box.client, session)({ parts, digest: `${digest}\n`, retry: fastRetry })())
  assert.ok(E.isRight(result) && result.right.size === 3000, JSON.stringify(result))
}))

// Each 202 doubles the backoff's cap: with a base of 20 ms, about 7 commits in a second; with a cap
// that never grows (20 ms), about as many as the server answers in that second (dozens).
Commit('should double the backoff\'s cap with each 202 answered with Retry-After 0', withBox({ partSize: 1024, faults: { commitAccepted: 100_000, retryAfterSeconds: 0 } }, async (box) => {
  const { session, parts, digest } = await prepared(box, bytesOf(3000))
  const result = await within(4000, 'commit', commit(box.client, session)({ parts, digest, retry: { retries: 2, baseDelayMs: 20, maxDelayMs: 10_000 }, deadlineMs: 1000 })())
  assert.ok(E.isLeft(result) && result.left._tag === 'HttpError' && result.left.status === 202, JSON.stringify(result))
  await recorded(box)
  const sent = commitsSent(box).length
  assert.ok(sent >= 2 && sent < 25, `${sent} commits in 1 s`)
}))

Commit.run()
