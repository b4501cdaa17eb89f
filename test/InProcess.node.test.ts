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

Collected('should reject with the abort reason when the signal aborts mid-body after a garbage collection', async () => {
  const box = emulator({ minFileSize: 1, partSize: 1024 })
  const created = await box.fetch('http://box.test/api/2.0/files/upload_sessions', {
    method: 'POST', headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ folder_id: '0', file_size: 2000, file_name: uniqueName() }),
  })
  const session = (await created.json()) as { readonly session_endpoints: { readonly upload_part: string } }
  const bytes = randomBytes(2000)
  const controller = new AbortController()
  let started = false
  // Its first chunk, then nothing: the request waits mid-body until the abort.
  const body = new ReadableStream<Uint8Array>({
    pull: (c) => (started ? new Promise<void>(() => undefined) : ((started = true), c.enqueue(bytes.slice(0, 500)))),
  })
  const sent = box.fetch(session.session_endpoints.upload_part, {
    method: 'PUT', body, signal: controller.signal, duplex: 'half',
    headers: { ...auth, 'content-range': `bytes 0-1023/${bytes.length}`, digest: `sha=${await sha1Base64(bytes.slice(0, 1024))}` },
  } as RequestInit).then(() => 'answered', (e: unknown) => (e instanceof Error ? e.message : String(e)))
  await new Promise((resolve) => setTimeout(resolve, 20))
  await collectGarbage()
  controller.abort(new Error('gave up'))
  assert.is(await within(2000, 'the aborted request', sent), 'gave up')
})

Collected.run()
