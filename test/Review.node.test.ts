/** h79 review: reproductions of behaviour differences in this session's changes (node). */
import * as E from 'fp-ts/lib/Either.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { client } from '../src/Client.ts'
import { createSession } from '../src/Session.ts'
import { retry } from '../src/Retry.ts'
import { type UploadError, networkError } from '../src/UploadError.ts'

type Result = E.Either<UploadError, string>
import { startable, upload, type UploadOptions } from '../src/Upload.ts'
import { TOKEN, bytesOf, fastRetry, sourceOf, uniqueName, withBox, within } from './helpers/upload.ts'

const Review = suite('h79 review')

const timers = (): number => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length

const wire = (origin: string, extra: object = {}) => ({
  id: 'S1', type: 'upload_session', part_size: 1024, total_parts: 3, num_parts_processed: 0, session_expires_at: '2030-01-01T00:00:00Z',
  session_endpoints: { ...Object.fromEntries(['upload_part', 'commit', 'abort', 'list_parts', 'status'].map((k) => [k, `${origin}/api/2.0/files/upload_sessions/S1${k === 'commit' ? '/commit' : k === 'list_parts' ? '/parts' : ''}`])), ...extra },
})
const answering = (body: object, calls: Array<string> = []) => client({
  token: TOKEN,
  fetch: async (input, init) => {
    calls.push(`${init?.method} ${String(input)}`)
    return new Response(JSON.stringify(body), { status: 201, headers: { 'content-type': 'application/json' } })
  },
})

// 8379299 ("stoppable ... Behaviour unchanged") also rewrote fromUploadSession's endpoints as a rest spread.
Review('session endpoints keep their key order (what JSON.stringify(session) stores)', async () => {
  const result = await createSession(answering(wire('https://upload.box.com')))({ folderId: '0', fileName: 'f', fileSize: 2500 })()
  assert.ok(E.isRight(result), JSON.stringify(result))
  assert.equal(Object.keys((result as E.Right<{ endpoints: object }>).right.endpoints), ['uploadPart', 'commit', 'abort', 'listParts', 'status'])
})

Review('an extra endpoint Box may add is ignored, not copied into the session (nor checked for trust)', async () => {
  const calls: Array<string> = []
  const result = await createSession(answering(wire('https://upload.box.com', { upload_part_v2: 'https://upload-accel.example.net/x' }), calls))({ folderId: '0', fileName: 'f', fileSize: 2500 })()
  assert.ok(E.isRight(result), `${JSON.stringify(result)} after ${calls.join(', ')}`)
  assert.not.ok('upload_part_v2' in (result as E.Right<{ endpoints: object }>).right.endpoints)
})

// b: reading headers.get does not check it is callable: a plain-object headers mock still throws out of the TaskEither.
Review('a fetch resolving to { ok: false, status: 500, headers: {} } is an error value, not a rejected task', async () => {
  const mock = client({ token: TOKEN, fetch: (async () => ({ ok: false, status: 500, headers: {} })) as never })
  const outcome = await createSession(mock)({ folderId: '0', fileName: 'f', fileSize: 2500 }, )().then((result) => ({ result }), (thrown: unknown) => ({ thrown: String(thrown) }))
  assert.ok('result' in outcome, JSON.stringify(outcome))
})

// a: the macrotask scheduled by the signal's onabort is never cleared.
Review('an attempt ended by an abort leaves no timer behind', async () => {
  const before = timers()
  const controller = new AbortController()
  const running = retry({ retries: 0, baseDelayMs: 1, maxDelayMs: 1 }, { signal: controller.signal })((signal) => () =>
    new Promise<Result>((resolve) => signal.addEventListener('abort', () => resolve(E.left({ _tag: 'Aborted', reason: signal.reason })))))()
  await new Promise((resolve) => setTimeout(resolve, 5))
  controller.abort('stop')
  assert.equal(await running, E.left({ _tag: 'Aborted', reason: 'stop' }))
  assert.is(timers(), before)
})

Review('an attempt ended by its timeout leaves no timer behind', async () => {
  const before = timers()
  const result = await retry({ retries: 0, baseDelayMs: 1, maxDelayMs: 1, timeoutMs: 5 })((signal) => () =>
    new Promise<Result>((resolve) => signal.addEventListener('abort', () => resolve(E.left(networkError('GET', 'x', undefined))))))()
  assert.equal(result, E.left(networkError('GET', 'x', undefined)))
  assert.is(timers(), before)
})

// a: retry checks the signal, then starts the attempt a microtask later (fp-ts Task chain): an abort in between is
// never seen by withTimeout (its listener is added to a signal already aborted), so the attempt is neither
// aborted nor given up. Reachable from the public retry (abort right after starting it) and from ParallelSink's
// own abort of the other parts (run in a microtask when a part fails).
Review('an attempt that ignores its signal settles when the signal aborts right after the retry starts', async () => {
  const controller = new AbortController()
  const running = retry({ retries: 0, baseDelayMs: 1, maxDelayMs: 1 }, { signal: controller.signal })(() => () => new Promise<Result>(() => undefined))()
  controller.abort('stop')
  const result = await Promise.race([running, new Promise((resolve) => setTimeout(() => resolve('never settled'), 500))])
  assert.equal(result, E.left({ _tag: 'Aborted', reason: 'stop' }))
})

Review('a fetch attempt is aborted when the signal aborts right after the retry starts', async () => {
  const controller = new AbortController()
  let sent = 0
  const running = retry({ retries: 0, baseDelayMs: 1, maxDelayMs: 1 }, { signal: controller.signal })((signal) => async () => {
    await new Promise((resolve) => setTimeout(resolve, 20))
    if (signal.aborted) return E.left({ _tag: 'Aborted', reason: signal.reason })
    sent++
    return E.right('sent')
  })()
  controller.abort('stop')
  assert.equal(await running, E.left({ _tag: 'Aborted', reason: 'stop' }))
  assert.is(sent, 0)
})

// a: public retry(): an attempt that does not listen to its signal is now abandoned at the timeout and retried
// while it still runs: two attempts of the same request at once.
// Not fixed here (a design choice to make): kept as a record, skipped.
Review.skip('a timed-out attempt that ignores its signal is not run again while it is still running', async () => {
  let running = 0
  let most = 0
  await retry({ retries: 2, baseDelayMs: 0, maxDelayMs: 0, timeoutMs: 20 })(() => async () => {
    most = Math.max(most, ++running)
    await new Promise((resolve) => setTimeout(resolve, 60))
    running--
    return E.right('done')
  })()
  assert.is(most, 1)
})

// a73f273: commit now gets { ...options }: own enumerable options only. Options read through a prototype (a class with
// getters, Object.create(defaults)) still reach the parts (options.signal, options.retry) but no longer the commit.
Review('attributes given by an options object with a prototype still reach the commit', withBox({ partSize: 1024 }, async (box) => {
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
Review('attributes the commit can send are not refused by the invalid-Date check; an invalid Date still is', async () => {
  const run = (attributes: object) => startable(new ReadableStream(), { attributes } as never)()
  assert.equal(await run({ tag: { toISOString: 'text' } }), E.right(undefined))
  assert.equal(await run({ when: Object.assign(new Date(Number.NaN), { toJSON: () => 'unknown' }) }), E.right(undefined))
  assert.equal(await run({ nested: [{ when: new Date(Number.NaN) }] }), E.left({ _tag: 'InvalidInput', message: 'attributes cannot be sent as JSON: RangeError: Invalid time value' }))
  assert.equal(await run({ when: new Date(0), n: [1, 'a', null, { x: true }] }), E.right(undefined))
})

const keep = setInterval(() => undefined, 1000)
Review.after(() => clearInterval(keep))
Review.run()
