/**
 * Node's part body (src/body/stream.ts) on its own, read by hand as undici reads it: the first read is
 * fetch's tee (before a connection), each later one a chunk the connection took. What its signal does
 * with the attempt's timeout (held while the body is being sent, then the answer's time counted from
 * the body's end), with the caller's abort (at once), and that its timers keep no bytes of the part; and
 * that it is views of the part, not copies.
 */
import { getEventListeners } from 'node:events'
import * as E from 'fp-ts/lib/Either.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { type RetryPolicy, isAttemptTimeout, retry } from '../src/Retry.ts'
import { type UploadError, httpError, networkError } from '../src/UploadError.ts'
import { partBody } from '../src/body/stream.ts'
import { sleep } from './helpers/box.ts'
import { collectGarbage } from './helpers/memory.ts'
import { partOf, within } from './helpers/upload.ts'

const MiB = 1024 * 1024
const Body = suite('Node part body: its signal')

/** When `signal` fires (performance.now()), or never within `ms`. */
const firedAt = (signal: AbortSignal, ms = 5000): Promise<number> =>
  within(ms, 'the body\'s signal', new Promise<number>((resolve) => {
    if (signal.aborted) resolve(performance.now())
    else signal.addEventListener('abort', () => resolve(performance.now()), { once: true })
  }))

const policy = (timeoutMs: number): RetryPolicy => ({ retries: 0, baseDelayMs: 1, maxDelayMs: 1, timeoutMs })

/**
 * One attempt under `retry`'s timeout, as an upload makes it: `send` gets the body and its signal, and the
 * attempt ends (a network error) when that signal fires, as fetch would.
 */
const attempt = (timeoutMs: number, send: (body: ReturnType<typeof partBody>) => Promise<void>, caller?: AbortSignal) =>
  retry(policy(timeoutMs), { signal: caller })((signal) => async () => {
    const sent = partBody(partOf(new Uint8Array(3 * MiB + 5)), signal, caller)
    await send(sent)
    await firedAt(sent.signal)
    return { _tag: 'Left', left: networkError('PUT', 'http://upload', sent.signal.reason) } as const
  })()

/** Reads `n` chunks of the body (each read pulls one). */
const readChunks = async (reader: ReadableStreamDefaultReader<Uint8Array>, n: number): Promise<void> => {
  for (let i = 0; i < n; i++) assert.is((await reader.read()).done, false, `chunk ${i}`)
}

Body('should hold the attempt\'s timeout while the connection takes the body, then end the request that long after the body\'s end', async () => {
  let sentAt = 0
  let heldPastTimeout = false
  // A signal the caller keeps for more uploads: the body follows it while it holds the timeout, no longer.
  const caller = new AbortController().signal
  const result = await attempt(100, async ({ body, signal }) => {
    const reader = (body as ReadableStream<Uint8Array>).getReader()
    // The tee's read, then the connection's first: sending has begun.
    await readChunks(reader, 2)
    await sleep(250)
    heldPastTimeout = !signal.aborted
    await readChunks(reader, 2)
    assert.is((await reader.read()).done, true)
    sentAt = performance.now()
    assert.is(getEventListeners(caller, 'abort').length, 2, 'the retry\'s listener and the body\'s')
  }, caller)
  assert.is(getEventListeners(caller, 'abort').length, 0, 'no listener left on the caller\'s signal')
  assert.ok(heldPastTimeout, 'the timeout (100 ms) did not end a request whose body was being sent (250 ms)')
  assert.is(result._tag, 'Left')
  if (result._tag === 'Left') {
    const cause = (result.left as Extract<UploadError, { _tag: 'NetworkError' }>).cause
    assert.ok(isAttemptTimeout(cause), `ended by the attempt's timeout: ${String(cause)}`)
  }
  const answerGot = performance.now() - sentAt
  // The timeout's length, measured from the attempt's start to its firing: ~100 ms (timers fire no sooner).
  assert.ok(answerGot >= 90, `the answer got ${answerGot} ms after the body's end`)
})

Body('should end the attempt with Box\'s answer when it comes after a held timeout (a refusal stays a refusal, not a timeout)', async () => {
  const refused = httpError({ status: 400, method: 'PUT', url: 'http://upload', code: 'digest_mismatch' })
  const result = await retry(policy(100))((signal) => async () => {
    const { body } = partBody(partOf(new Uint8Array(3 * MiB + 5)), signal)
    const reader = (body as ReadableStream<Uint8Array>).getReader()
    await readChunks(reader, 2)
    await sleep(200)
    while (!(await reader.read()).done);
    return E.left(refused)
  })()
  assert.equal(result, E.left(refused))
})

Body('should end the request at the attempt\'s timeout when its body was not being sent yet (waiting for a connection)', async () => {
  const started = performance.now()
  let endedAt = 0
  await attempt(100, async ({ body, signal }) => {
    // Only the tee's read: undici has no connection for it yet.
    await readChunks((body as ReadableStream<Uint8Array>).getReader(), 1)
    endedAt = await firedAt(signal)
  })
  assert.ok(endedAt - started < 2000, `ended ${endedAt - started} ms after the start`)
  assert.ok(endedAt - started >= 90, `not before the timeout: ${endedAt - started} ms`)
})

Body('should end a request whose body is being sent at once on the caller\'s abort, past the timeout as before it', async () => {
  for (const abortAfterMs of [20, 200]) {
    const caller = new AbortController()
    let lag = Infinity
    await attempt(100, async ({ body, signal }) => {
      await readChunks((body as ReadableStream<Uint8Array>).getReader(), 2)
      await sleep(abortAfterMs)
      const abortedAt = performance.now()
      caller.abort(new Error('stop'))
      lag = (await firedAt(signal)) - abortedAt
      assert.is((signal.reason as Error).message, 'stop')
    }, caller.signal)
    assert.ok(lag < 50, `aborted ${abortAfterMs} ms in: ended ${lag} ms after the abort`)
  }
})

Body('should keep no bytes of the part in its timers once the body is dropped (a reset mid-body: undici stops reading)', async () => {
  let held: WeakRef<ArrayBuffer> | undefined
  const attempt = new AbortController()
  let signal: AbortSignal | undefined = await (async () => {
    const buffer = new ArrayBuffer(8 * MiB)
    held = new WeakRef(buffer)
    const sent = partBody(partOf(new Uint8Array(buffer)), attempt.signal)
    // Sending began: the stall timer (2 minutes) runs, and no one reads on.
    await readChunks((sent.body as ReadableStream<Uint8Array>).getReader(), 3)
    return sent.signal
  })()
  await collectGarbage()
  assert.is(held?.deref(), undefined, 'the part\'s buffer was collected')
  assert.is(signal.aborted, false)
  signal = undefined
})

// README (Memory): in Node and Bun a part's body is a stream of 1 MiB views of the part (no copy), with a Content-Length.
Body('should stream the part as views of its own buffer, 1 MiB each, with its length as Content-Length', async () => {
  const part = new Uint8Array(new ArrayBuffer(3 * MiB), 7, 2.5 * MiB)
  const { body, headers } = partBody(partOf(part), new AbortController().signal)
  assert.equal(headers, { 'Content-Length': String(2.5 * MiB) })
  const reader = (body as ReadableStream<Uint8Array>).getReader()
  const chunks: Uint8Array[] = []
  for (let read; !(read = await reader.read()).done && chunks.length < 10;) chunks.push(read.value)
  assert.equal(chunks.map((c) => [c.buffer === part.buffer, c.byteOffset - part.byteOffset, c.byteLength]), [[true, 0, MiB], [true, MiB, MiB], [true, 2 * MiB, MiB / 2]])
})

Body.run()
