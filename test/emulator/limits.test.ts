/** Bodies longer than declared and oversized files are refused without buffering them (issue #2, "Limits"). */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Agent, request } from 'node:http'
import {
  TOKEN, assertBoxError, contentRange, createSession, listParts, openSession, putPart, randomFile, sha1Base64, sleep,
  timed, uniqueName, withEmulator,
} from '../helpers/box.ts'
import { startEmulator } from '../helpers/emulator.ts'
import { repeatedChunks, sliced, streamRequest } from '../helpers/rawHttp.ts'
import { within } from '../helpers/within.ts'

const MiB = 1024 * 1024

/**
 * A 1 MiB part (by its Content-Range) followed by 100 MiB of body: the emulator must answer
 * `400 request_size_mismatch` after reading little more than 1 MiB, store nothing, and keep serving.
 */
const overlong: ReadonlyArray<readonly [string, Record<string, string>]> = [
  ['a chunked part body running past its Content-Range, before the sender is done', { 'transfer-encoding': 'chunked' }],
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

test('should store nothing when the client goes away mid-body, and accept the retry', () =>
  withEmulator({ minFileSize: 1, partSize: MiB }, async (em) => {
    const bytes = randomFile(2 * MiB)
    const s = await openSession(em, bytes.length)
    const part = bytes.subarray(0, MiB)
    const gone = await new Promise<string>((resolve) => {
      const req = request(s.session_endpoints.upload_part, {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${TOKEN}`, 'content-range': contentRange(0, MiB - 1, bytes.length),
          'content-length': String(MiB), digest: `sha=${sha1Base64(part)}`,
        },
      })
      req.on('error', () => resolve('closed'))
      req.write(part.subarray(0, MiB / 2), () => setTimeout(() => { req.destroy(); resolve('destroyed') }, 30))
    })
    assert.ok(gone !== '', gone)
    await sleep(100)
    assert.equal((await listParts(s)).json.entries, [])
    const retry = await putPart(s, bytes, 0)
    assert.is(retry.status, 200, retry.text)
  }))

/**
 * The Node adapter takes a part body's chunks as they arrive, but pauses the request while the
 * route has not read them: a route that waits before reading (here the `slow` fault) holds the
 * sender back instead of buffering the whole body.
 */
test('should hold back a part body its route has not read yet, then store it whole', () =>
  withEmulator({ minFileSize: 1, partSize: 64 * MiB, faults: { slowMs: 600, script: [{ part: 0, fault: 'slow' }] } }, async (em) => {
    const bytes = randomFile(64 * MiB)
    const s = await openSession(em, bytes.length)
    let sent = 0
    const answer = streamRequest(s.session_endpoints.upload_part, {
      headers: {
        authorization: `Bearer ${TOKEN}`, 'content-range': contentRange(0, bytes.length - 1, bytes.length),
        'content-length': String(bytes.length), digest: `sha=${sha1Base64(bytes)}`,
      },
      chunks: sliced(bytes, 64 * 1024),
      onSent: (n) => { sent = n },
    })
    // Handled here too: a failed check below closes the emulator, which fails the request.
    answer.catch(() => undefined)
    await sleep(400)
    // What the socket buffers of both ends hold (~6 MiB measured on loopback here), not the whole body.
    assert.ok(sent < 32 * MiB, `${sent} bytes were taken before the route read any`)
    const r = await answer
    assert.is(r.status, 200, r.text)
    assert.equal((await listParts(s)).json.entries.map((p: { size: number }) => p.size), [bytes.length])
  }))

// With latencyMs the body arrives before the answer, and the socket is paused behind its queued chunks: the drain must resume it.
for (const latencyMs of [0, 300]) {
  test(`should drain a body it answered without reading, so the sender finishes and its connection serves again (latencyMs ${latencyMs})`, () =>
    withEmulator({ minFileSize: 1, faults: { latencyMs } }, async (em) => {
      // One connection at most: the next request waits for the first to be written whole.
      const agent = new Agent({ keepAlive: true, maxSockets: 1 })
      const send = (method: string, body?: Uint8Array) => {
        const req = request(`${em.url}/files/upload_sessions/ABC`, {
          method, agent, headers: { authorization: 'Bearer not-a-token', ...(body ? { 'content-length': String(body.length) } : {}) },
        })
        const written = new Promise<void>((resolve) => req.once('finish', resolve))
        const status = new Promise<number>((resolve, reject) => {
          req.on('error', reject)
          req.on('response', (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)) })
        })
        req.end(body)
        return { written, status }
      }
      try {
        const refused = send('PUT', new Uint8Array(64 * MiB))
        assert.is(await within(3000, 'the answer', refused.status), 401)
        await within(3000, 'the rest of the refused body', refused.written)
        assert.is(await within(3000, 'the next request', send('GET').status), 401)
      } finally {
        agent.destroy()
      }
    }))
}

test('should close promptly with a request still in flight', async () => {
  const em = await startEmulator({ ...{ minFileSize: 1, partSize: 1024 }, faults: { slowMs: 5000, script: [{ part: 0, fault: 'slow' }] } })
  const bytes = randomFile(1024)
  let s
  try {
    s = await openSession(em, bytes.length)
  } catch (e) {
    await em.close()
    throw e
  }
  const inFlight = putPart(s, bytes, 0).catch(() => 'failed')
  await sleep(50)
  const closing = await timed(() => em.close())
  assert.ok(closing.ms < 1000, `close took ${closing.ms} ms`)
  assert.is(await inFlight, 'failed')
})

test('should refuse a JSON body over 16 MiB with 413 request_entity_too_large', () =>
  withEmulator({ minFileSize: 1 }, async (em) => {
    const huge = new TextEncoder().encode(JSON.stringify({ folder_id: '0', file_size: 10, file_name: 'a', pad: 'x'.repeat(17 * MiB) }))
    const r = await streamRequest(`${em.url}/files/upload_sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      chunks: sliced(huge, 256 * 1024),
      timeoutMs: 8000,
    })
    assert.is(r.status, 413, r.text.slice(0, 200))
    assert.is(r.json?.code, 'request_entity_too_large')
  }))

test.run()
