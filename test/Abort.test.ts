import * as E from 'fp-ts/lib/Either.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { client } from '../src/Client.ts'
import type { Session } from '../src/Session.ts'
import { type UploadOptions, upload } from '../src/Upload.ts'
import { message } from '../src/UploadError.ts'
import type { EmulatorOptions } from '../src/emulator/Options.ts'
import { TOKEN, bytesOf, commits, fastRetry, sessionStatus, sourceOf, startBox, type TestBox, uniqueName, withBox, within } from './helpers/upload.ts'

/** Resolves once `check` holds, polling (bounded). */
const until = async (check: () => boolean, ms = 5000): Promise<void> => {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
}

/**
 * Starts an upload, aborts it once `ready(box)` holds, and checks: the result is `Aborted` with the
 * reason, it settles promptly, the only request sent after the abort is the DELETE, and it arrived.
 * (Requests sent just before the abort may still ARRIVE after it: the emulator's records cannot
 * tell those apart, the client's `fetch` log can.)
 */
const abortWhen = async (
  emulator: EmulatorOptions,
  ready: (box: TestBox) => boolean,
  source: (bytes: Uint8Array) => ReadableStream<Uint8Array> = (bytes) => sourceOf(bytes),
  options: UploadOptions = {},
) => {
  const box = await startBox({ partSize: 1024, ...emulator })
  try {
    const fileSize = 20 * 1024
    const controller = new AbortController()
    let session: Session | undefined
    const running = upload(box.client)(
      { source: source(bytesOf(fileSize)), folderId: '0', fileName: uniqueName('abort'), fileSize },
      { concurrency: 3, retry: { ...fastRetry, timeoutMs: 60_000 }, signal: controller.signal, onSession: (s) => { session = s }, ...options },
    )()
    await until(() => ready(box))
    const abortedAt = Date.now()
    // Requests the client sent so far: an index, not a time (one millisecond cannot order events).
    const sentBefore = box.sent.length
    controller.abort('user stop')
    const result = await running
    const settledIn = Date.now() - abortedAt
    assert.equal(result, E.left({ _tag: 'Aborted', reason: 'user stop' }))
    assert.ok(settledIn < 1000, `settled ${settledIn} ms after the abort`)
    await new Promise((resolve) => setTimeout(resolve, 50))
    const after = box.sent.slice(sentBefore)
    assert.equal(after.map((r) => r.method), ['DELETE'], JSON.stringify(box.sent.slice(-8)))
    assert.ok(box.records.some((r) => r.method === 'DELETE' && r.status === 204 && r.at >= abortedAt))
    assert.ok(session !== undefined)
    assert.is(await sessionStatus(box, session!.id), 404)
    assert.is(commits(box).length, 0)
  } finally {
    await box.close()
  }
}

const puts = (box: TestBox, status: number) => box.records.filter((r) => r.method === 'PUT' && r.status === status).length

/** A source that gives the first `head` bytes of `bytes`, 512 at a time, then waits for bytes that never come (a network body that stalled). */
const stallsAfter = (bytes: Uint8Array, head: number, onCancel = (): void => undefined): ReadableStream<Uint8Array> => {
  let sent = 0
  return new ReadableStream<Uint8Array>({
    pull: (controller) => {
      if (sent >= head) return new Promise<void>(() => undefined)
      controller.enqueue(bytes.slice(sent, sent + 512))
      sent += 512
      return undefined
    },
    cancel: onCancel,
  }, { highWaterMark: 0 })
}

const Abort = suite('abort')

Abort('should let the session creation in flight finish, then delete the session', async () => {
  await abortWhen({ faults: { latencyMs: 150 } }, (box) => box.sent.some((r) => r.method === 'POST'))
})

// README (Abort): "A session being created is the exception: its request is given up to 5 s more to answer, so that
// the session it creates is known and deleted, then cancelled too."
Abort('should give the session creation in flight 5 s more after the abort, then cancel it and settle as Aborted, sending nothing else', async () => {
  const sent: Array<string | undefined> = []
  let cancelledAt: number | undefined
  let posted: () => void = () => undefined
  const creating = new Promise<void>((resolve) => { posted = resolve })
  // Box never answers the creation: only the request's own signal ends it.
  const deaf = client({
    token: TOKEN, uploadUrl: 'http://127.0.0.1:9/api/2.0', apiUrl: 'http://127.0.0.1:9/2.0',
    fetch: (_input, init) => {
      sent.push(init?.method)
      posted()
      return new Promise<Response>((_, reject) => init?.signal?.addEventListener('abort', () => { cancelledAt = Date.now(); reject(init.signal?.reason) }, { once: true }))
    },
  })
  const cancelled: unknown[] = []
  const source = new ReadableStream<Uint8Array>({ pull: (c) => c.enqueue(bytesOf(512)), cancel: (reason) => void cancelled.push(reason) }, { highWaterMark: 0 })
  const controller = new AbortController()
  const running = upload(deaf)({ source, folderId: '0', fileName: uniqueName('grace'), fileSize: 4096 }, { retry: { ...fastRetry, timeoutMs: 60_000 }, signal: controller.signal })()
  await within(2000, 'the creation', creating)
  const abortedAt = Date.now()
  controller.abort('user stop')
  const result = await within(10_000, 'the aborted upload', running)
  const settledIn = Date.now() - abortedAt
  assert.equal(result, E.left({ _tag: 'Aborted', reason: 'user stop' }))
  assert.ok(cancelledAt !== undefined && cancelledAt - abortedAt >= 4900, `the creation was cancelled ${cancelledAt === undefined ? 'never' : `${cancelledAt - abortedAt} ms after the abort`}`)
  assert.ok(settledIn >= 4900 && settledIn < 6500, `settled ${settledIn} ms after the abort`)
  assert.equal(sent, ['POST'], 'the creation alone')
  await until(() => cancelled.length > 0, 1000)
})

Abort('should stop reading the source when aborted while it waits for bytes', async () => {
  let cancelled = false
  await abortWhen({}, (box) => puts(box, 200) >= 5, (bytes) => stallsAfter(bytes, 5 * 1024, () => { cancelled = true }))
  assert.ok(cancelled, 'the source was cancelled')
})

Abort('should cancel parts in flight', async () => {
  await abortWhen({ faults: { probability: 1, kinds: ['slow'], slowMs: 20_000 } }, (box) => box.sent.filter((r) => r.method === 'PUT').length >= 3)
})

Abort('should end the wait before a retry', async () => {
  await abortWhen({ faults: { script: [{ part: 0, fault: 'rate_limit' }], retryAfterSeconds: 30 } }, (box) => puts(box, 429) >= 1)
})

Abort("should end the wait between commits answered 202", async () => {
  await abortWhen({ faults: { commitAccepted: 100, retryAfterSeconds: 30 } }, (box) => box.records.some((r) => r.path.endsWith('/commit') && r.status === 202))
})

Abort('should send nothing at all when aborted before it starts', async () => {
  const box = await startBox()
  try {
    const controller = new AbortController()
    controller.abort('too late')
    const result = await upload(box.client)({ source: sourceOf(bytesOf(10)), folderId: '0', fileName: uniqueName(), fileSize: 10 }, { signal: controller.signal })()
    assert.equal(result, E.left({ _tag: 'Aborted', reason: 'too late' }))
    assert.is(box.sent.length, 0)
    assert.is(box.records.length, 0)
  } finally {
    await box.close()
  }
})

/** A client of `box` whose token function is `token` (by default one that never answers). */
const tokenClient = (box: TestBox, token: () => Promise<string> = () => new Promise<string>(() => undefined)) =>
  client({ token, uploadUrl: box.emulator.url, apiUrl: box.emulator.apiUrl })

// README: the wait for a token function that never answers ends with the request's timeoutMs too, without a signal.
Abort('should end with a timed-out NetworkError, sending nothing, when the token function never answers and no signal is given', withBox({}, async (box) => {
  const result = await within(5000, 'the upload', upload(tokenClient(box))({ source: sourceOf(bytesOf(10)), folderId: '0', fileName: uniqueName(), fileSize: 10 }, { retry: { ...fastRetry, retries: 1, timeoutMs: 100 } })())
  assert.ok(E.isLeft(result) && result.left._tag === 'NetworkError' && message(result.left).includes('timed out'), JSON.stringify(result))
  assert.is(box.records.length, 0)
}))

// A token function is the caller's code (README's browser example fetches '/box-token'): one that
// never answers must not make the upload deaf to its signal, which would then never settle.
Abort('should settle as Aborted when aborted while the token function has not answered', withBox({}, async (box) => {
  const controller = new AbortController()
  const running = upload(tokenClient(box))({ source: sourceOf(bytesOf(10)), folderId: '0', fileName: uniqueName(), fileSize: 10 }, { retry: fastRetry, signal: controller.signal })()
  await new Promise((resolve) => setTimeout(resolve, 50))
  controller.abort('user stop')
  // Within the 5 s a session creation in flight is given after an abort (README, Abort), and some.
  const result = await within(7000, 'the aborted upload', running)
  assert.equal(result, E.left({ _tag: 'Aborted', reason: 'user stop' }))
  assert.is(box.records.length, 0)
}))

Abort('should settle as Aborted when aborted while the token is being refreshed after a 401', withBox({}, async (box) => {
  let asked = 0
  // The first token is refused (401); asked again, the token function never answers.
  const refreshing = tokenClient(box, () => (++asked === 1 ? Promise.resolve('expired-token-1234') : new Promise<string>(() => undefined)))
  const controller = new AbortController()
  const running = upload(refreshing)({ source: sourceOf(bytesOf(10)), folderId: '0', fileName: uniqueName(), fileSize: 10 }, { retry: fastRetry, signal: controller.signal })()
  await until(() => asked === 2 && box.records.some((r) => r.status === 401))
  controller.abort('user stop')
  const result = await within(2000, 'the aborted upload', running)
  assert.equal(result, E.left({ _tag: 'Aborted', reason: 'user stop' }))
}))

// README Abort: the task settles once the session's DELETE is answered, so the caller knows the session is gone.
Abort('should settle once the DELETE after the abort is answered, not before', withBox({ partSize: 1024 }, async (box) => {
  const deleteMs = 300
  let deleteAnswered = 0
  // The emulator's fetch, with the DELETE's answer held back (a slow Box).
  const slowDelete: typeof fetch = async (input, init) => {
    const response = await fetch(input, init)
    if (init?.method !== 'DELETE') return response
    await new Promise((resolve) => setTimeout(resolve, deleteMs))
    deleteAnswered = Date.now()
    return response
  }
  const slow = client({ token: TOKEN, uploadUrl: box.emulator.url, apiUrl: box.emulator.apiUrl, fetch: slowDelete })
  const fileSize = 8 * 1024
  const controller = new AbortController()
  let session: Session | undefined
  const running = upload(slow)(
    { source: stallsAfter(bytesOf(fileSize), 4096), folderId: '0', fileName: uniqueName('abort-delete'), fileSize },
    { concurrency: 2, retry: fastRetry, signal: controller.signal, onSession: (s) => { session = s } },
  )()
  await until(() => session !== undefined && box.records.some((r) => r.method === 'PUT' && r.status === 200))
  controller.abort('user stop')
  const result = await within(5000, 'the aborted upload', running)
  const settled = Date.now()
  assert.equal(result, E.left({ _tag: 'Aborted', reason: 'user stop' }))
  assert.ok(deleteAnswered > 0, 'settled before the DELETE was answered')
  assert.ok(settled >= deleteAnswered, `settled ${deleteAnswered - settled} ms before the DELETE was answered`)
  assert.is(await sessionStatus(box, session!.id), 404)
}))

Abort.run()
