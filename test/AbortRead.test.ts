import * as E from 'fp-ts/lib/Either.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { client } from '../src/Client.ts'
import { emulator } from '../src/emulator/Handler.ts'
import { resume } from '../src/Resume.ts'
import type { Session } from '../src/Session.ts'
import { upload } from '../src/Upload.ts'
import { TOKEN, bytesOf } from './helpers/upload.ts'

/** A source of `bytes` in 100-byte chunks that counts the pulls made once `signal` aborted. */
const counted = (bytes: Uint8Array, signal: AbortSignal) => {
  const seen = { afterAbort: 0, cancelled: false }
  let offset = 0
  const source = new ReadableStream<Uint8Array>({
    pull: (controller) => {
      if (signal.aborted) seen.afterAbort++
      if (offset >= bytes.length) return controller.close()
      controller.enqueue(bytes.slice(offset, offset + 100))
      offset += 100
    },
    cancel: () => { seen.cancelled = true },
  }, { highWaterMark: 0 })
  return { source, seen }
}

/** A client of an in-process emulator; `onFetch` sees every request as it is handed over. */
const boxOf = (latencyMs = 0, onFetch: (method: string) => void = () => undefined) => {
  const box = emulator({ minFileSize: 1, partSize: 256, faults: { latencyMs } })
  const fetch = ((input: RequestInfo | URL, init?: RequestInit) => {
    onFetch(init?.method ?? 'GET')
    return box.fetch(input, init)
  }) as typeof globalThis.fetch
  return client({ token: TOKEN, uploadUrl: 'http://box.test/api/2.0', apiUrl: 'http://box.test/2.0', fetch })
}

/** An upload of 2000 bytes (concurrency 2) aborted from its `n`-th progress call: Aborted, its source cancelled and not pulled after the abort. */
const abortAtProgress = async (n: number): Promise<void> => {
  const controller = new AbortController()
  const { source, seen } = counted(bytesOf(2000), controller.signal)
  let calls = 0
  const result = await upload(boxOf())(
    { source, folderId: '0', fileName: 'c.bin', fileSize: 2000 },
    { concurrency: 2, signal: controller.signal, onProgress: () => { if (++calls === n) controller.abort('stop') } },
  )()
  assert.equal(E.isLeft(result) && result.left._tag, 'Aborted')
  assert.ok(seen.cancelled, 'the source was cancelled')
  assert.is(seen.afterAbort, 0, 'pulls after the abort')
}

const AbortRead = suite('abort stops reading the source (h86)')

// What holds today: an abort once parts are on their way (here from the third progress call) reads nothing more.
AbortRead('should read nothing from the source after an abort once parts were sent', () => abortAtProgress(3))

// README Abort: "Abort stops reading the source". An abort that came before `sendParts` listened to the signal
// (from the first progress call, made as the parts start; while the session is created; while a resume lists the
// parts) never stopped the source: `pipeThrough(chunker)` starts its own pipe, without the signal, and pulled the
// source once more before the aborted `pipeTo` failed; and a stopped source's `pull` still read (its cancel waits a
// turn). Both are mended (sendParts sees an abort already made; Stoppable reads nothing once stopped): each alone
// left these three failing.
AbortRead('should read nothing from the source after an abort from the first progress call', () => abortAtProgress(1))

// The same from the moment the session is being created (the abort lets it finish, README Abort).
AbortRead('should read nothing from the source after an abort while the session is created', async () => {
  const controller = new AbortController()
  const { source, seen } = counted(bytesOf(1000), controller.signal)
  // The session's creation is on its way (20 ms) when the abort comes.
  const box = boxOf(20, (method) => { if (method === 'POST') controller.abort('stop') })
  const result = await upload(box)({ source, folderId: '0', fileName: 'a.bin', fileSize: 1000 }, { signal: controller.signal })()
  assert.equal(E.isLeft(result) && result.left._tag, 'Aborted')
  assert.is(seen.afterAbort, 0, 'pulls after the abort')
})

// The same for a resume.
AbortRead('should read nothing from the source after an abort from the first progress call of a resume', async () => {
  const box = boxOf()
  const bytes = bytesOf(1000)
  const first = new AbortController()
  let session: Session | undefined
  // Kept after an abort at its first progress call.
  await upload(box)({ source: counted(bytes, first.signal).source, folderId: '0', fileName: 'b.bin', fileSize: 1000 },
    { signal: first.signal, keepSessionOnError: true, onSession: (s) => { session = s }, onProgress: () => first.abort('stop') })()
  assert.ok(session !== undefined)
  const controller = new AbortController()
  const { source, seen } = counted(bytes, controller.signal)
  const result = await resume(box)({ session, source }, { signal: controller.signal, onProgress: () => controller.abort('stop') })()
  assert.equal(E.isLeft(result) && result.left._tag, 'Aborted')
  assert.is(seen.afterAbort, 0, 'pulls after the abort')
})

AbortRead.run()
