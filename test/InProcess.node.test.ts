/**
 * The in-process emulator's `fetch` under garbage collection (Node: collections forced through
 * `--expose-gc`). The signal a `Request` derives from `init.signal` is followed only weakly in
 * undici: listening on it, an abort made after a collection never reached the emulator's fetch.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { emulator } from '../src/emulator/index.ts'
import { collectGarbage } from './helpers/memory.ts'
import { randomBytes, sha1Base64, uniqueName } from './helpers/sessions.ts'
import { within } from './helpers/upload.ts'

const Collected = suite('emulator in-process, garbage collected (node)')

const auth = { authorization: 'Bearer dev-token' }

/** A session of 2000 bytes in 1024-byte parts. */
const openSession = async (box: ReturnType<typeof emulator>): Promise<string> => {
  const created = await box.fetch('http://box.test/api/2.0/files/upload_sessions', {
    method: 'POST', headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ folder_id: '0', file_size: 2000, file_name: uniqueName() }),
  })
  return ((await created.json()) as { readonly session_endpoints: { readonly upload_part: string } }).session_endpoints.upload_part
}

/** The first part's body: its first 500 bytes, then nothing, so the request waits mid-body until an abort. */
const stalledPart = async (bytes: Uint8Array<ArrayBuffer>) => {
  let started = false
  const body = new ReadableStream<Uint8Array>({
    pull: (c) => (started ? new Promise<void>(() => undefined) : ((started = true), c.enqueue(bytes.slice(0, 500)))),
  })
  return { body, headers: { 'content-range': `bytes 0-1023/${bytes.length}`, digest: `sha=${await sha1Base64(bytes.slice(0, 1024))}` } }
}

/** What a sent request came to once its signal aborted after a collection: 'answered' or the rejection's message. */
const abortedAfterCollection = async (controller: AbortController, sent: Promise<Response>): Promise<string> => {
  const outcome = sent.then(() => 'answered', (e: unknown) => (e instanceof Error ? e.message : String(e)))
  await new Promise((resolve) => setTimeout(resolve, 20))
  await collectGarbage()
  controller.abort(new Error('gave up'))
  return within(2000, 'the aborted request', outcome)
}

Collected('should reject with the abort reason when the signal aborts mid-body after a garbage collection', async () => {
  const box = emulator({ minFileSize: 1, partSize: 1024 })
  const url = await openSession(box)
  const controller = new AbortController()
  const { body, headers } = await stalledPart(randomBytes(2000))
  const sent = box.fetch(url, { method: 'PUT', body, signal: controller.signal, duplex: 'half', headers: { ...auth, ...headers } } as RequestInit)
  assert.is(await abortedAfterCollection(controller, sent), 'gave up')
})

// A Request of the caller's with its own signal, handed over with an init that has none (to add a
// header, say): real fetch hears the Request's signal after a collection too (the caller holds the
// Request, and so the controller behind its signal). The emulator listened on the signal of the copy
// it made with `new Request(input, init)`, which follows the caller's only weakly and is collected
// with that copy: the abort never arrived, the fetch hung and the part stayed held.
Collected('should reject with the abort reason when a Request with its own signal, sent with an init without one, is aborted mid-body after a collection', async () => {
  const box = emulator({ minFileSize: 1, partSize: 1024 })
  const url = await openSession(box)
  const controller = new AbortController()
  const { body, headers } = await stalledPart(randomBytes(2000))
  const request = new Request(url, { method: 'PUT', body, signal: controller.signal, duplex: 'half', headers } as RequestInit)
  const sent = box.fetch(request, { headers: { ...headers, ...auth } })
  assert.is(await abortedAfterCollection(controller, sent), 'gave up')
})

Collected.run()
