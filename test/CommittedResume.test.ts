/**
 * A kept session whose commit Box applied, though the client never learned it (h86, found by
 * FaultAbortResume.node.test.ts): the upload fails, or is aborted, with `keepSessionOnError`, its
 * error carries the session, and README's way on ("if (result.left.session) await resume(...)") fails
 * for good: `resume` lists the session's parts first, and a committed session answers everything but
 * a commit with 404, which `resume` takes as final. The file exists, but the caller never learns its
 * id, and a new upload of the same name meets 409 item_name_in_use. `commit` itself already handles the
 * case (README Retries: "gone (404), the same commit once more returns the file"); `resume` does not.
 *
 * Mended: on a 404 from the listing, `resume` sends the session's DELETE, which a committed session answers
 * 204 (an aborted one 404, the error at once: Resume.test.ts), then counts every part as Box's (as the chunker
 * cuts them from the source) and sends the commit once more, which gives the file only with the source's size
 * and SHA-1 (`Transfer.stored`).
 */
import * as E from 'fp-ts/lib/Either.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { client } from '../src/Client.ts'
import { resume } from '../src/Resume.ts'
import { type UploadFailure, upload } from '../src/Upload.ts'
import { type GatePlan, gate, inProcess } from './helpers/gate.ts'
import { TOKEN, bytesOf } from './helpers/upload.ts'

const fileSize = 1000
const bytes = bytesOf(fileSize)
const sourceOf = () => new ReadableStream<Uint8Array>({ start: (c) => { c.enqueue(bytes.slice()); c.close() } })

/** Runs an upload through a gate with `plan`, keeping its session; returns what it failed with, and the gate. */
const failedUpload = async (plan: GatePlan, signal?: AbortSignal, onCommit?: (n: number) => void) => {
  const g = gate(inProcess({ minFileSize: 1, partSize: 256 }))
  g.phase('upload', plan)
  let commits = 0
  g.onRequest = (_n, logged) => { if (logged.kind === 'commit') onCommit?.(++commits) }
  const box = client({ token: TOKEN, uploadUrl: `${g.base}/api/2.0`, apiUrl: `${g.base}/2.0`, fetch: g.fetch })
  const result = await upload(box)(
    { source: sourceOf(), folderId: '0', fileName: 'a.bin', fileSize },
    { keepSessionOnError: true, signal, retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1 } },
  )()
  assert.ok(E.isLeft(result), JSON.stringify(result))
  const error = (result as E.Left<UploadFailure>).left
  assert.ok(error.session !== undefined, 'the error carries the session')
  // Box applied the commit: the emulator answered it 201 (the gate replaced that answer).
  assert.ok(g.records.some((r) => r.path.endsWith('/commit') && r.status === 201), 'the commit was applied')
  g.phase('resume')
  g.onRequest = undefined
  return { error, g, box }
}

/** README: a kept session is resumed, same bytes from the start; here with no fault at all. */
const resumed = async ({ error, g, box }: Awaited<ReturnType<typeof failedUpload>>) => {
  const result = await resume(box)({ session: JSON.parse(JSON.stringify(error.session)), source: sourceOf() })()
  assert.ok(E.isRight(result), `the fault-free resume failed: ${JSON.stringify(E.isLeft(result) ? { ...result.left, session: undefined } : result)}`)
  if (E.isRight(result)) {
    assert.is(result.right.size, fileSize)
    const content = await g.direct(`${g.base}/2.0/files/${result.right.id}/content`, { headers: { authorization: `Bearer ${TOKEN}` } })
    assert.equal(new Uint8Array(await content.arrayBuffer()), bytes)
  }
}

const CommittedResume = suite('resume of a kept session whose commit Box applied (h86)')

// What holds today: such a failure keeps the session in the error (and the file exists), as README says of kept sessions.
CommittedResume('should keep the session in the error when the commit was applied but its answers failed beyond the policy', async () => {
  const { error, g } = await failedUpload({ seed: 1, probability: {}, kinds: ['error_before'], script: [{ kind: 'commit', n: 1, fault: 'error_after' }, { kind: 'commit', n: 2, fault: 'error_before' }] })
  assert.is(error._tag, 'HttpError')
  assert.ok(!g.sent.some((r) => r.method === 'DELETE'), 'no DELETE: the session is kept')
})

// Was a defect: resume took the committed session's 404 listing as final (see the file's comment).
CommittedResume('should give the file when the commit was applied but its answers failed beyond the policy', async () => {
  // The commit is applied and answered 500; its status then reads 404 (committed), and the one more commit README promises fails.
  await resumed(await failedUpload({ seed: 1, probability: {}, kinds: ['error_before'], script: [{ kind: 'commit', n: 1, fault: 'error_after' }, { kind: 'commit', n: 2, fault: 'error_before' }] }))
})

// Was a defect: the same, from an abort (a Ctrl-C) while the commit Box applied is sent again.
CommittedResume('should give the file when the upload was aborted after Box applied its commit', async () => {
  const controller = new AbortController()
  await resumed(await failedUpload(
    { seed: 1, probability: {}, kinds: ['error_before'], script: [{ kind: 'commit', n: 1, fault: 'error_after' }] },
    controller.signal,
    // As the commit is sent again: the first was applied, its answer was a 500.
    (n) => { if (n === 2) controller.abort('user stop') },
  ))
})

CommittedResume.run()
