/**
 * Node: `upload` cuts parts into shared memory (the worker SHA-1's `shared` buffers), so no part
 * moves between threads, and still sends every byte; a view of shared memory becomes a plain
 * buffer before it is ever a byte-array body.
 */
import * as E from 'fp-ts/lib/Either.js'
import { getEventListeners } from 'node:events'
import { createReadStream } from 'node:fs'
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { partBody as bytesBody } from '../src/body/bytes.ts'
import { partBody as streamBody } from '../src/body/stream.ts'
import { type Session, createSession } from '../src/Session.ts'
import { defaultSha1, type Sha1 } from '../src/Sha1.ts'
import { transfer, upload } from '../src/Upload.ts'
import { runModule } from './helpers/childModule.ts'
import { bytesOf, commits, download, fastRetry, partOf, rightOf, sameBytes, sessionStatus, sourceOf, uniqueName, withBox, within } from './helpers/upload.ts'

const Shared = suite('upload from shared memory (node)')

const MiB = 1024 * 1024

/** The default SHA-1, noting the kind of every part buffer the chunker allocates, and the bytes it copies in with `shared.copy`. */
const noting = (kinds: Array<string>, copied = { bytes: 0 }): Sha1 => {
  const shared = defaultSha1.shared
  if (shared?.copy === undefined) throw new Error('the Node SHA-1 offers shared part buffers and their copy')
  const { copy } = shared
  return {
    ...defaultSha1,
    shared: {
      ...shared,
      allocate: (size) => {
        const buffer = shared.allocate(size)
        kinds.push(Object.prototype.toString.call(buffer.buffer))
        return buffer
      },
      copy: (target, at, source) => {
        copied.bytes += source.length
        copy(target, at, source)
      },
    },
  }
}

// Each test that counts allocations has a part size of its own: the process-wide lists of free
// buffers (one per size) may hold buffers from other tests while the worker runs.
Shared('should upload parts of 1 MiB from shared part buffers, every byte intact, at concurrency 1 and 3', withBox({ partSize: MiB + 1 }, async (box) => {
  for (const concurrency of [1, 3]) {
    const fileSize = 3 * MiB + 12_345
    const bytes = bytesOf(fileSize, concurrency)
    const created = rightOf(await createSession(box.client)({ folderId: '0', fileName: uniqueName(), fileSize })())
    const kinds: Array<string> = []
    const copied = { bytes: 0 }
    const session = { ...created }
    Object.defineProperty(session, 'chunker', { value: ((options) => created.chunker({ ...options, sha1: noting(kinds, copied) })) as Session['chunker'] })
    const file = rightOf(await within(20_000, 'upload', transfer(box.client, { concurrency, retry: fastRetry })(
      { session: session as Session, source: sourceOf(bytes, { maxChunk: 100_000 }), stored: [] },
    )()))
    sameBytes(await download(box, file.id), bytes, `concurrency ${concurrency}`)
    assert.ok(kinds.length > 0 && kinds.every((kind) => kind === '[object SharedArrayBuffer]'), `part buffers: ${kinds.join(', ')}`)
    // V8's own copy into shared memory is ~4x slower for misaligned chunks: the implementation's copy fills them.
    assert.is(copied.bytes, fileSize, `bytes copied in through shared.copy at concurrency ${concurrency}`)
  }
}))

Shared('should reuse shared part buffers across uploads that follow each other, not allocate fresh ones for each', withBox({ partSize: MiB + 2 }, async (box) => {
  // The worker keeps every buffer it was sent alive until its heap is collected, which it seldom
  // is: fresh buffers per upload piled up (~24 MiB per 20 MB upload) while uploads kept coming.
  const kinds: Array<string> = []
  const concurrency = 2
  for (let round = 0; round < 6; round++) {
    const fileSize = 3 * MiB + 1000 * round
    const bytes = bytesOf(fileSize, 20 + round)
    const created = rightOf(await createSession(box.client)({ folderId: '0', fileName: uniqueName(), fileSize })())
    const session = { ...created }
    Object.defineProperty(session, 'chunker', { value: ((options) => created.chunker({ ...options, sha1: noting(kinds) })) as Session['chunker'] })
    const file = rightOf(await within(20_000, 'upload', transfer(box.client, { concurrency, retry: fastRetry })(
      { session: session as Session, source: sourceOf(bytes, { maxChunk: 100_000 }), stored: [] },
    )()))
    sameBytes(await download(box, file.id), bytes, `round ${round}`)
  }
  assert.ok(kinds.length >= 1 && kinds.length <= concurrency + 1, `${kinds.length} part buffers allocated over 6 uploads at concurrency ${concurrency}`)
}))

Shared('should keep to a few sizes of shared part buffers while uploads of files smaller than a part, each of its own size, follow each other', withBox({ partSize: 8 * MiB }, async (box) => {
  // Such a file's buffer has the file's size, which no later file reuses, and the worker keeps every shared
  // buffer it was sent alive until it stops: a busy server piled up one per file (200 of ~3 MiB: +690 MiB).
  // A file held open in the worker keeps it from stopping between uploads (which would free them anyway).
  const shared = defaultSha1.shared
  if (shared === undefined) return assert.unreachable('the Node SHA-1 offers shared part buffers')
  const holder = shared.file()
  await holder.part(new Uint8Array(MiB))
  const kinds: Array<string> = []
  for (let k = 0; k < 20; k++) {
    const fileSize = MiB + 10_000 + 4096 * k
    const bytes = bytesOf(fileSize, 40 + k)
    const created = rightOf(await createSession(box.client)({ folderId: '0', fileName: uniqueName(), fileSize })())
    const session = { ...created }
    Object.defineProperty(session, 'chunker', { value: ((options) => created.chunker({ ...options, sha1: noting(kinds) })) as Session['chunker'] })
    const file = rightOf(await within(20_000, 'upload', transfer(box.client, { concurrency: 2, retry: fastRetry })(
      { session: session as Session, source: sourceOf(bytes, { maxChunk: 100_000 }), stored: [] },
    )()))
    sameBytes(await download(box, file.id), bytes, `file ${k}`)
  }
  await holder.digest()
  assert.is(kinds.length, 20, 'one part buffer per file')
  const inShared = kinds.filter((kind) => kind === '[object SharedArrayBuffer]').length
  assert.ok(inShared <= 16, `${inShared} of 20 part buffers in shared memory, each of another size`)
}))

Shared('should leave no unhandled rejection when async onProgress and onSession reject (Node would end the process)', withBox({ partSize: 1024 }, async (box) => {
  const unhandled: unknown[] = []
  const record = (reason: unknown): void => void unhandled.push(reason)
  process.on('unhandledRejection', record)
  try {
    const fileSize = 3 * 1024 + 5
    const bytes = bytesOf(fileSize, 4)
    let calls = 0
    const file = rightOf(await upload(box.client)(
      { source: sourceOf(bytes), folderId: '0', fileName: uniqueName(), fileSize },
      { retry: fastRetry, onProgress: async () => { calls++; throw new Error('progress bar crashed') }, onSession: async () => { throw new Error('store crashed') } },
    )())
    await new Promise((resolve) => setTimeout(resolve, 20))
    assert.is(calls, 5)
    assert.equal(unhandled.map(String), [])
    sameBytes(await download(box, file.id), bytes)
  } finally {
    process.off('unhandledRejection', record)
  }
}))

Shared('should upload a 5 MiB file in 1 MiB parts with the default chunker options, bytes intact', withBox({ partSize: MiB }, async (box) => {
  const fileSize = 5 * MiB - 1
  const bytes = bytesOf(fileSize, 9)
  const file = rightOf(await within(20_000, 'upload', upload(box.client)(
    { source: sourceOf(bytes, { maxChunk: 200_000 }), folderId: '0', fileName: uniqueName(), fileSize },
    { concurrency: 4, retry: fastRetry },
  )()))
  sameBytes(await download(box, file.id), bytes)
}))

Shared("should end with Aborted and delete the session when aborted during the session's creation, with the README's Readable.toWeb file source (Node threw an uncaught ERR_INVALID_STATE)", withBox({ partSize: MiB, faults: { latencyMs: 400 } }, async (box) => {
  const fileSize = 3 * MiB
  const dir = await mkdtemp(join(tmpdir(), 'box-upload-'))
  const path = join(dir, 'file.bin')
  await writeFile(path, bytesOf(fileSize, 12))
  // Node's adapter fills its queue while the session is created, then pauses the file; a read that resumes
  // it and a cancel in the same tick made its next 'data' enqueue into a closed stream, an uncaught exception.
  const uncaught: unknown[] = []
  const record = (error: unknown): void => void uncaught.push(error)
  process.on('uncaughtException', record)
  try {
    // Aborted by a timer while the session is created, then by the first progress call (made as the parts start).
    for (const when of ['timer', 'progress'] as const) {
      const controller = new AbortController()
      const stop = (): void => controller.abort(new Error('user stop'))
      if (when === 'timer') setTimeout(stop, 150)
      const source = Readable.toWeb(createReadStream(path)) as unknown as ReadableStream<Uint8Array>
      const before = box.records.length
      const result = await within(10_000, 'upload', upload(box.client)(
        { source, folderId: '0', fileName: uniqueName(), fileSize },
        { signal: controller.signal, retry: fastRetry, ...(when === 'progress' ? { onProgress: stop } : {}) },
      )())
      await new Promise((resolve) => setTimeout(resolve, 100))
      assert.equal(uncaught.map(String), [], when)
      assert.is(E.isLeft(result) && result.left._tag, 'Aborted', when)
      assert.equal(box.records.slice(before).map((r) => `${r.method} ${r.status}`), ['POST 201', 'DELETE 204'], when)
    }
  } finally {
    process.off('uncaughtException', record)
    await rm(dir, { recursive: true })
  }
}))

Shared('should upload a file read with FileHandle.readableWebStream(), whose chunks are ArrayBuffers in Node 20', withBox({ partSize: MiB }, async (box) => {
  const fileSize = 3 * MiB + 7
  const bytes = bytesOf(fileSize, 11)
  const dir = await mkdtemp(join(tmpdir(), 'box-upload-'))
  const path = join(dir, 'file.bin')
  await writeFile(path, bytes)
  try {
    const handle = await open(path)
    const source = handle.readableWebStream() as ReadableStream<Uint8Array>
    const result = await within(20_000, 'upload', upload(box.client)({ source, folderId: '0', fileName: uniqueName(), fileSize }, { retry: fastRetry })())
    // Only after a success: a failed upload cancels its source, and closing a handle whose web stream
    // was cancelled aborts Node 20's process (a native assertion); Node 22 is fine.
    if (E.isRight(result)) await handle.close()
    sameBytes(await download(box, rightOf(result).id), bytes)
  } finally {
    await rm(dir, { recursive: true })
  }
}))

Shared('should give fetch a plain copy of a shared view as a byte-array body, and the view itself as a stream body', async () => {
  const view = new Uint8Array(new SharedArrayBuffer(64)).subarray(8, 40)
  view.set(Array.from({ length: 32 }, (_, i) => i + 1))
  const { signal } = new AbortController()
  const { body } = bytesBody(partOf(view), signal)
  assert.ok(body instanceof Uint8Array && body.buffer instanceof ArrayBuffer, 'a plain buffer')
  assert.equal(Array.from(body as Uint8Array), Array.from(view))
  // fetch refuses shared memory as a byte-array body; the copy goes through.
  assert.is(await new Response(body).arrayBuffer().then((b) => b.byteLength), 32)
  const plain = new Uint8Array(8)
  assert.ok(bytesBody(partOf(plain), signal).body === plain, 'a plain buffer is not copied')
  const streamed = streamBody(partOf(view), signal)
  assert.is(streamed.headers?.['Content-Length'], '32')
  const read = await new Response(streamed.body).arrayBuffer()
  assert.equal(Array.from(new Uint8Array(read)), Array.from(view))
})

Shared('should start the SHA-1 worker thread before the session is created, not once the first part is cut', withBox({ partSize: MiB }, async (box) => {
  // Its start (~40 ms) then overlaps the session request instead of holding up the first part.
  // In a child process, with no worker running yet (threads counted by helpers/threads.ts).
  const fileSize = 2 * MiB + 5
  const script = `
    const { client } = await import('./src/Client.ts')
    const { upload } = await import('./src/Upload.ts')
    const { bytesOf, sourceOf, TOKEN } = await import('./test/helpers/upload.ts')
    const { threadCount: threads } = await import('./test/helpers/threads.ts')
    const before = threads()
    let atSession
    const counting = (url, init) => {
      if (init?.method === 'POST' && atSession === undefined) atSession = threads() - before
      return fetch(url, init)
    }
    const box = client({ token: TOKEN, uploadUrl: ${JSON.stringify(box.emulator.url)}, apiUrl: ${JSON.stringify(box.emulator.apiUrl)}, fetch: counting })
    const result = await upload(box)({ source: sourceOf(bytesOf(${fileSize})), folderId: '0', fileName: 'warm.bin', fileSize: ${fileSize} })()
    process.stdout.write(JSON.stringify({ atSession, tag: result._tag, after: threads() - before }))
  `
  const outcome = JSON.parse(await runModule(script)) as { readonly atSession: number; readonly tag: string; readonly after: number }
  assert.is(outcome.tag, 'Right', 'the upload succeeds')
  assert.is(outcome.atSession, 1, 'threads started when the session request is sent')
  assert.is(outcome.after, 1, 'the same one thread hashed the parts')
}))

/**
 * An upload in a child process whose SHA-1 worker threads die as soon as they are made (Node's own
 * `Worker`, terminated: what an out-of-memory kill of the thread looks like to the library); then,
 * with workers that live, a second upload in the same process (`after`: its result's tag).
 */
const uploadWithDyingWorkers = (uploadUrl: string, apiUrl: string, fileSize: number): Promise<{ readonly tag: string; readonly cause: string; readonly sessionId?: string; readonly after: string }> => {
  const script = `
    import workerThreads from 'node:worker_threads'
    import { syncBuiltinESMExports } from 'node:module'
    const Made = workerThreads.Worker
    workerThreads.Worker = class extends Made { constructor(...args) { super(...args); void this.terminate() } }
    syncBuiltinESMExports()
    const { client } = await import('./src/Client.ts')
    const { upload } = await import('./src/Upload.ts')
    const { bytesOf, sourceOf, TOKEN } = await import('./test/helpers/upload.ts')
    const box = client({ token: TOKEN, uploadUrl: ${JSON.stringify(uploadUrl)}, apiUrl: ${JSON.stringify(apiUrl)} })
    let sessionId
    const result = await upload(box)(
      { source: sourceOf(bytesOf(${fileSize})), folderId: '0', fileName: 'dying-workers.bin', fileSize: ${fileSize} },
      { onSession: (session) => { sessionId = session.id } },
    )()
    const error = result._tag === 'Left' ? result.left : { _tag: 'none' }
    workerThreads.Worker = Made
    syncBuiltinESMExports()
    const again = await upload(box)({ source: sourceOf(bytesOf(${fileSize})), folderId: '0', fileName: 'after-dying-workers.bin', fileSize: ${fileSize} })()
    process.stdout.write(JSON.stringify({ tag: error._tag, cause: String(error.cause?.message ?? error.cause), sessionId, after: again._tag }))
  `
  return runModule(script).then((out) => JSON.parse(out))
}

Shared('should fail with a HashError, not blame the source, and delete the session when the SHA-1 worker dies; the next upload gets a new worker', withBox({ partSize: MiB }, async (box) => {
  const outcome = await uploadWithDyingWorkers(box.emulator.url, box.emulator.apiUrl, 3 * MiB + 5)
  assert.is(outcome.tag, 'HashError')
  assert.match(outcome.cause, 'SHA-1 worker thread exited')
  assert.ok(outcome.sessionId !== undefined, 'a session was created')
  assert.is(await sessionStatus(box, outcome.sessionId ?? ''), 404)
  assert.is(outcome.after, 'Right', 'the next upload in that process succeeds')
  assert.is(commits(box).length, 1, 'only the second upload committed')
}))

Shared('should leave no listener on a shared signal after uploads that failed or succeeded', withBox({ partSize: 1024 }, async (box) => {
  const controller = new AbortController()
  const run = (declared: number, actual: number) =>
    upload(box.client)({ source: sourceOf(bytesOf(actual)), folderId: '0', fileName: uniqueName('signal'), fileSize: declared }, { retry: fastRetry, signal: controller.signal })()
  for (let i = 0; i < 3; i++) assert.ok(E.isLeft(await run(3000, 3001)), 'a source one byte too long fails')
  for (let i = 0; i < 2; i++) assert.ok(E.isRight(await run(3000, 3000)))
  assert.is(getEventListeners(controller.signal, 'abort').length, 0)
}))

Shared('should not pass Node\'s limit of 10 listeners per signal at concurrency 16 (no MaxListenersExceededWarning)', withBox({ partSize: 1024, faults: { latencyMs: 20 } }, async (box) => {
  const warnings: Array<string> = []
  const onWarning = (warning: Error): void => void warnings.push(`${warning.name}: ${warning.message}`)
  process.on('warning', onWarning)
  try {
    const bytes = bytesOf(40 * 1024, 16)
    const result = await upload(box.client)({ source: sourceOf(bytes), folderId: '0', fileName: uniqueName('many'), fileSize: bytes.length }, { concurrency: 16, retry: fastRetry })()
    sameBytes(await download(box, rightOf(result).id), bytes)
    await new Promise((resolve) => setTimeout(resolve, 10)) // warnings are emitted on the next tick
    assert.equal(warnings.filter((w) => w.startsWith('MaxListeners')), [])
  } finally {
    process.off('warning', onWarning)
  }
}))

// README (Abort): "Under Node, an upload keeps three abort listeners on your signal while its parts are sent (each part in
// flight listens to a signal of its own, so any `concurrency` is quiet)": three uploads may share a signal, 9 < 10.
Shared('should keep three abort listeners on the caller\'s signal per upload at any concurrency: three uploads at concurrency 16 share one quietly', withBox({ partSize: 1024, faults: { latencyMs: 20 } }, async (box) => {
  const warnings: Array<string> = []
  const onWarning = (warning: Error): void => void warnings.push(`${warning.name}: ${warning.message}`)
  process.on('warning', onWarning)
  const controller = new AbortController()
  let most = 0
  const look = (): void => void (most = Math.max(most, getEventListeners(controller.signal, 'abort').length))
  const looking = setInterval(look, 1)
  try {
    const files = [1, 2, 3].map((seed) => bytesOf(40 * 1024, seed))
    const results = await within(20_000, 'three uploads', Promise.all(files.map((bytes) => upload(box.client)(
      { source: sourceOf(bytes), folderId: '0', fileName: uniqueName('shared-signal'), fileSize: bytes.length },
      { concurrency: 16, retry: fastRetry, signal: controller.signal, onProgress: look },
    )())))
    for (const [i, result] of results.entries()) sameBytes(await download(box, rightOf(result).id), files[i]!)
    await new Promise((resolve) => setTimeout(resolve, 10)) // warnings are emitted on the next tick
    assert.is(most, 9, 'three listeners each while their parts were sent')
    assert.equal(warnings.filter((w) => w.startsWith('MaxListeners')), [])
    assert.is(getEventListeners(controller.signal, 'abort').length, 0)
  } finally {
    clearInterval(looking)
    process.off('warning', onWarning)
  }
}))

Shared.run()
