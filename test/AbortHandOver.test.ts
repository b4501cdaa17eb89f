/**
 * README Abort: "sends no request afterwards except the session's DELETE", whatever `fetch` the client
 * was given. Found by FaultAbortResume with FAR_SEED=778008 (this is its counterexample, scripted): an
 * abort made while a request was being handed to `fetch` (synchronously inside that call) still handed
 * over a part whose attempt was already on its way, with the aborted signal. The runtimes' fetch sends
 * nothing then, but a `fetch` the caller wrote (a logger, a test double, a proxying wrapper) need not
 * check the signal first, so the library must not call it at all.
 */
import * as E from 'fp-ts/lib/Either.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { client } from '../src/Client.ts'
import { upload } from '../src/Upload.ts'
import { gate, inProcess } from './helpers/gate.ts'
import { chunked } from './helpers/scenario.ts'
import { TOKEN, bytesOf } from './helpers/upload.ts'

const AbortHandOver = suite('abort while a request is handed over')

AbortHandOver('should hand nothing more to fetch after the abort but the session DELETE', async () => {
  const g = gate(inProcess({ minFileSize: 1, partSize: 19 }))
  // Parts 1, 3 and 4 are reset before they reach the server, so the upload lists the session's parts to
  // see what Box kept; the abort comes inside the first listing's fetch call.
  g.phase('upload', { seed: 1, probability: {}, kinds: [], script: [1, 3, 4].map((n) => ({ kind: 'part' as const, n, fault: 'reset_before' as const })) })
  const controller = new AbortController()
  let abortedAt: number | undefined
  g.onRequest = (_n, logged) => {
    if (logged.kind !== 'list' || abortedAt !== undefined) return
    abortedAt = g.sent.length
    controller.abort('stop')
  }
  const fileSize = 153
  // Pulled one chunk at a time, empty and 13-byte chunks in turn: parts are cut while others are on their way.
  const { source } = chunked(bytesOf(fileSize), [0, 13])
  const result = await upload(client({ token: TOKEN, uploadUrl: `${g.base}/api/2.0`, apiUrl: `${g.base}/2.0`, fetch: g.fetch }))(
    { source, folderId: '0', fileName: 'handover.bin', fileSize },
    { concurrency: 4, retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 4, timeoutMs: 3000 }, signal: controller.signal },
  )()
  assert.equal(E.isLeft(result) && result.left._tag, 'Aborted')
  const handed = g.sent.map((r) => `${r.method} ${r.kind}${r.offset === undefined ? '' : `@${r.offset}`}`)
  assert.ok(abortedAt !== undefined, `the parts were listed: ${handed.join(', ')}`)
  assert.equal(handed.slice(abortedAt), ['DELETE delete'], `handed to fetch after the abort (all: ${handed.join(', ')})`)
})

AbortHandOver.run()
