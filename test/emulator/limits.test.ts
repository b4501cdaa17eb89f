/** Bodies longer than declared and oversized files are refused without buffering them (issue #2, "Limits"). */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import {
  TOKEN, assertBoxError, contentRange, createSession, listParts, openSession, putPart, randomFile, uniqueName,
  withEmulator,
} from '../helpers/box.ts'
import { repeatedChunks, streamRequest } from '../helpers/rawHttp.ts'

const MiB = 1024 * 1024

/**
 * A 1 MiB part (by its Content-Range) followed by 100 MiB of body: the emulator must answer
 * `400 request_size_mismatch` after reading little more than 1 MiB, store nothing, and keep serving.
 */
const overlong: ReadonlyArray<readonly [string, Record<string, string>]> = [
  ['a chunked part body running past its Content-Range, before the sender is done', {}],
  ['a Content-Length larger than the Content-Range, before reading the body', { 'content-length': String(100 * MiB) }],
]

for (const [what, extra] of overlong) {
  test(`should refuse ${what}`, () =>
    withEmulator({ minFileSize: 1, partSize: MiB }, async (em) => {
      const fileSize = 4 * MiB
      const s = await openSession(em, fileSize)
      const r = await streamRequest(s.session_endpoints.upload_part, {
        headers: {
          authorization: `Bearer ${TOKEN}`,
          'content-type': 'application/octet-stream',
          'content-range': contentRange(0, MiB - 1, fileSize),
          digest: 'sha=2jmj7l5rSw0yVb/vlWAYkK/YBwk=',
          ...extra,
        },
        chunks: repeatedChunks(64 * 1024, 1600),
        timeoutMs: 8000,
      })
      assert.is(r.status, 400, r.text)
      assert.is(r.json?.code, 'request_size_mismatch')
      assert.ok(r.sentWhenAnswered < 16 * MiB, `answered after ${r.sentWhenAnswered} of ${r.planned} bytes`)
      assert.equal((await listParts(s)).json.entries, [])
      const bytes = randomFile(fileSize)
      assert.is((await putPart(s, bytes, 0)).status, 200, 'the emulator still serves')
    }))
}

test('should refuse a session for a file over maxFileSize at creation (no byte uploaded)', () =>
  withEmulator({ minFileSize: 1, maxFileSize: 50 * MiB }, async (em) => {
    const r = await createSession(em, { folder_id: '0', file_size: 50 * MiB + 1, file_name: uniqueName() })
    assertBoxError(r, 403, 'file_size_limit_exceeded')
  }))

test.run()
