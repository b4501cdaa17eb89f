/** The emulator in-process: `emulator(options).fetch(request)`, no server (issue #2 public API). */
import { getEventListeners } from 'node:events'
import { runInNewContext } from 'node:vm'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { client } from '../../src/Client.ts'
import { emulator } from '../../src/emulator/index.ts'
import { upload } from '../../src/Upload.ts'
import { randomFile, sha1Base64, sha1Hex } from '../helpers/box.ts'
import { assertSchema } from '../helpers/openapi.ts'

const auth = { authorization: 'Bearer dev-token' }

test('should run a whole upload in-process, with session_endpoints on the request origin', async () => {
  const box = emulator({ minFileSize: 1, partSize: 1024 })
  const bytes = randomFile(2500)
  const created = await box.fetch(new Request('http://box.test/api/2.0/files/upload_sessions', {
    method: 'POST', headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ folder_id: '0', file_size: bytes.length, file_name: 'in-process.bin' }),
  }))
  assert.is(created.status, 201)
  const s = await created.json()
  assertSchema('UploadSession', s)
  assert.is(s.session_endpoints.upload_part, `http://box.test/api/2.0/files/upload_sessions/${s.id}`)
  const parts = []
  for (let offset = 0; offset < bytes.length; offset += 1024) {
    const body = bytes.slice(offset, Math.min(bytes.length, offset + 1024))
    const r = await box.fetch(new Request(s.session_endpoints.upload_part, {
      method: 'PUT',
      headers: { ...auth, 'content-range': `bytes ${offset}-${offset + body.length - 1}/${bytes.length}`, digest: `sha=${sha1Base64(body)}` },
      body,
    }))
    assert.is(r.status, 200)
    parts.push((await r.json()).part)
  }
  const committed = await box.fetch(new Request(s.session_endpoints.commit, {
    method: 'POST', headers: { ...auth, 'content-type': 'application/json', digest: `sha=${sha1Base64(bytes)}` },
    body: JSON.stringify({ parts }),
  }))
  assert.is(committed.status, 201)
  const file = (await committed.json()).entries[0]
  assert.is(file.sha1.toLowerCase(), sha1Hex(bytes))
  const content = await box.fetch(new Request(`http://box.test/2.0/files/${file.id}/content`, { headers: auth }))
  assert.is(content.status, 200)
  // Its length is known, as over HTTP, where the Node adapter streams a body whose length is given.
  assert.is(content.headers.get('content-length'), String(bytes.length))
  assert.ok(Buffer.from(await content.arrayBuffer()).equals(Buffer.from(bytes)))
})

test('should serve as the client\'s fetch: an upload with no server at all', async () => {
  const box = emulator({ minFileSize: 1, partSize: 1024 })
  const c = client({ token: 'dev-token', uploadUrl: 'http://box.test/api/2.0', apiUrl: 'http://box.test/2.0', fetch: box.fetch })
  const bytes = randomFile(2500)
  const source = new ReadableStream<Uint8Array>({ start: (controller) => { controller.enqueue(bytes); controller.close() } })
  const result = await upload(c)({ source, folderId: '0', fileName: 'injected.bin', fileSize: bytes.length })()
  assert.ok(result._tag === 'Right', JSON.stringify(result))
  // fetch's own call shapes: a URL string and its init.
  const content = await box.fetch(`http://box.test/2.0/files/${result._tag === 'Right' ? result.right.id : ''}/content`, { headers: auth })
  assert.is(content.status, 200)
  assert.ok(Buffer.from(await content.arrayBuffer()).equals(Buffer.from(bytes)))
  const bad = await box.fetch('not a url').then(() => undefined, (e: unknown) => e)
  assert.instance(bad, TypeError, 'an unreadable URL rejects as fetch does')
})

test('should answer 411 length_required to a part with no body, and take one of unknown length (a stream)', async () => {
  const box = emulator({ minFileSize: 1, partSize: 1024 })
  const created = await box.fetch(new Request('http://box.test/api/2.0/files/upload_sessions', { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ folder_id: '0', file_size: 2000, file_name: 'no-body.bin' }) }))
  const url: string = (await created.json()).session_endpoints.upload_part
  const bytes = randomFile(1024)
  const headers = { ...auth, 'content-range': 'bytes 0-1023/2000', digest: `sha=${sha1Base64(bytes)}` }
  const none = await box.fetch(new Request(url, { method: 'PUT', headers }))
  assert.is(none.status, 411)
  assert.is((await none.json()).code, 'length_required')
  const stream = new ReadableStream<Uint8Array>({ start: (controller) => { controller.enqueue(bytes); controller.close() } })
  const streamed = await box.fetch(new Request(url, { method: 'PUT', headers, body: stream, duplex: 'half' } as RequestInit))
  assert.is(streamed.status, 200, await streamed.clone().text())
})

// In-process a Request may say Content-Length with no body at all: that is no part, not a 0-byte one.
test('should refuse a part whose Content-Length is right but which has no body with 400 request_size_mismatch', async () => {
  const box = emulator({ minFileSize: 1, partSize: 1024 })
  const created = await box.fetch(new Request('http://box.test/api/2.0/files/upload_sessions', { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ folder_id: '0', file_size: 2000, file_name: 'no-body-length.bin' }) }))
  const s = await created.json()
  const headers = { ...auth, 'content-range': 'bytes 0-1023/2000', 'content-length': '1024', digest: `sha=${sha1Base64(new Uint8Array(0))}` }
  const r = await box.fetch(new Request(s.session_endpoints.upload_part, { method: 'PUT', headers }))
  assert.is(r.status, 400, await r.clone().text())
  assert.is((await r.json()).code, 'request_size_mismatch')
  const listed = await box.fetch(new Request(s.session_endpoints.list_parts, { headers: auth }))
  assert.equal((await listed.json()).entries, [])
})

// In-process a streamed body's chunks are the caller's, who may reuse them once answered: a part that waits for
// the whole-file hash to reach it must be kept as a copy, also in 'digest' storage.
test("should hash a part that arrived ahead of the file's prefix as it was sent, though its caller reuses the buffer ('digest' storage)", async () => {
  const box = emulator({ minFileSize: 1, partSize: 1024, storage: 'digest' })
  const bytes = randomFile(2048)
  const created = await box.fetch(new Request('http://box.test/api/2.0/files/upload_sessions', { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ folder_id: '0', file_size: bytes.length, file_name: 'reused.bin' }) }))
  const s = await created.json()
  const put = async (index: number, chunk: Uint8Array) => {
    const headers = { ...auth, 'content-range': `bytes ${index * 1024}-${index * 1024 + 1023}/${bytes.length}`, digest: `sha=${sha1Base64(chunk)}` }
    const body = new ReadableStream<Uint8Array>({ start: (controller) => { controller.enqueue(chunk); controller.close() } })
    const r = await box.fetch(new Request(s.session_endpoints.upload_part, { method: 'PUT', headers, body, duplex: 'half' } as RequestInit))
    assert.is(r.status, 200, await r.clone().text())
    return (await r.json()).part
  }
  const buffer = bytes.slice(1024)
  const second = await put(1, buffer)
  buffer.fill(0)
  const first = await put(0, bytes.slice(0, 1024))
  const committed = await box.fetch(new Request(s.session_endpoints.commit, {
    method: 'POST', headers: { ...auth, 'content-type': 'application/json', digest: `sha=${sha1Base64(bytes)}` },
    body: JSON.stringify({ parts: [first, second] }),
  }))
  assert.is(committed.status, 201, await committed.clone().text())
})

// Over HTTP the caller's fetch lets go of a body the server answered without reading (the adapter reads it
// out or drops the connection); in-process it must not stay locked and unread, holding what feeds it.
test('should cancel a body stream it answered without reading to its end (a 416 before the body, a 401, a reset half-way)', async () => {
  const box = emulator({ minFileSize: 1, partSize: 1024, faults: { script: [{ part: 1, fault: 'reset' }] } })
  const created = await box.fetch(new Request('http://box.test/api/2.0/files/upload_sessions', { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ folder_id: '0', file_size: 2048, file_name: 'unread.bin' }) }))
  const url: string = (await created.json()).session_endpoints.upload_part
  const bytes = randomFile(1024)
  /** A body of 1024 bytes in 16 pulls, which records how far it was read and why it was cancelled. */
  const tracked = () => {
    const seen = { pulls: 0, cancelled: undefined as unknown }
    const stream = new ReadableStream<Uint8Array>({
      pull: (controller) => {
        controller.enqueue(bytes.slice(seen.pulls * 64, ++seen.pulls * 64))
        if (seen.pulls === 16) controller.close()
      },
      cancel: (reason) => { seen.cancelled = reason ?? 'no reason' },
    }, { highWaterMark: 0 })
    return { seen, stream }
  }
  const put = (stream: ReadableStream<Uint8Array>, headers: Record<string, string>) =>
    box.fetch(new Request(url, { method: 'PUT', headers: { 'content-range': 'bytes 1024-2047/2048', digest: `sha=${sha1Base64(bytes)}`, ...headers }, body: stream, duplex: 'half' } as RequestInit))
  const settled = async (seen: { readonly cancelled: unknown }) => {
    for (let i = 0; i < 50 && seen.cancelled === undefined; i++) await new Promise((resolve) => setTimeout(resolve, 2))
    return seen.cancelled
  }

  const badRange = tracked()
  const refused = await put(badRange.stream, { ...auth, 'content-range': 'bytes 1-1024/2048' })
  assert.is(refused.status, 416)
  assert.instance(await settled(badRange.seen), TypeError, 'the body of a 416 answered before it is cancelled')
  assert.ok(badRange.seen.pulls < 16, `read ${badRange.seen.pulls} of 16 chunks`)

  const noToken = tracked()
  const unauthorized = await put(noToken.stream, {})
  assert.is(unauthorized.status, 401)
  assert.instance(await settled(noToken.seen), TypeError, 'the body of a 401 is cancelled')

  const reset = tracked()
  const failed = await put(reset.stream, auth).then(() => undefined, (e: unknown) => e)
  assert.instance(failed, TypeError, 'the reset fault rejects as fetch does')
  assert.ok(await settled(reset.seen) !== undefined, 'a body the reset fault stopped reading half-way is cancelled')
  assert.ok(reset.seen.pulls < 16, `read ${reset.seen.pulls} of 16 chunks`)

  const whole = tracked()
  const stored = await put(whole.stream, auth)
  assert.is(stored.status, 200, await stored.clone().text())
  assert.is(whole.seen.pulls, 16)
  assert.is(await settled(whole.seen), undefined, 'a body read to its end is not cancelled')
})

/** A session of `size` bytes made in-process by `box`, its JSON. */
const openInProcess = async (box: ReturnType<typeof emulator>, size: number, name: string) => {
  const created = await box.fetch(new Request('http://box.test/api/2.0/files/upload_sessions', { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ folder_id: '0', file_size: size, file_name: name }) }))
  assert.is(created.status, 201, await created.clone().text())
  return await created.json()
}

// fetch refuses a stream body yielding anything but Uint8Arrays with a TypeError; the emulator must not hash
// and store what such a chunk stands for, nor keep the part reserved against a retry.
test('should reject, as fetch does, a part body yielding a chunk that is no Uint8Array, store nothing and take the part again', async () => {
  const box = emulator({ minFileSize: 1, partSize: 1024 })
  const s = await openInProcess(box, 2048, 'not-bytes.bin')
  const bytes = randomFile(1024)
  const put = (chunk: unknown) => box.fetch(new Request(s.session_endpoints.upload_part, {
    method: 'PUT', headers: { ...auth, 'content-range': 'bytes 0-1023/2048', digest: `sha=${sha1Base64(bytes)}` }, duplex: 'half',
    body: new ReadableStream({ start: (c) => { c.enqueue(chunk); c.close() } }),
  } as RequestInit))
  for (const chunk of [bytes.buffer, new DataView(bytes.buffer), new Uint16Array(bytes.buffer), Array.from(bytes), 'x'.repeat(1024)]) {
    const outcome = await put(chunk).then((r) => r.status, (e: unknown) => e)
    assert.instance(outcome, TypeError, `a ${Object.prototype.toString.call(chunk)} chunk rejects: ${String(outcome)}`)
  }
  const listed = await box.fetch(new Request(s.session_endpoints.list_parts, { headers: auth }))
  assert.equal((await listed.json()).entries, [])
  assert.is((await put(bytes)).status, 200)
})

test('should take a new upload of a part whose earlier body stream stalls half-way, and answer the stalled one 416 if it ends after all', async () => {
  const box = emulator({ minFileSize: 1, partSize: 1024 })
  const s = await openInProcess(box, 2048, 'stalled.bin')
  const bytes = randomFile(1024)
  const headers = { ...auth, 'content-range': 'bytes 0-1023/2048', digest: `sha=${sha1Base64(bytes)}` }
  let rest: () => void = () => undefined
  const stalled = box.fetch(new Request(s.session_endpoints.upload_part, {
    method: 'PUT', headers, duplex: 'half',
    body: new ReadableStream({ start: (c) => { c.enqueue(bytes.slice(0, 512)); rest = () => { c.enqueue(bytes.slice(512)); c.close() } } }),
  } as RequestInit))
  // Its first half read, the stalled request waits for the rest: the part is not held meanwhile.
  await new Promise((resolve) => setTimeout(resolve, 50))
  const retry = await box.fetch(new Request(s.session_endpoints.upload_part, { method: 'PUT', headers, body: bytes }))
  assert.is(retry.status, 200)
  const stored = (await retry.json()).part
  rest()
  const late = await stalled
  assert.is(late.status, 416)
  const e = await late.json()
  assert.equal([e.code, e.context_info.conflicting_part], ['range_overlaps_existing_part', stored])
  const listed = await box.fetch(new Request(s.session_endpoints.list_parts, { headers: auth }))
  assert.equal((await listed.json()).entries, [stored])
})

// The Node adapter writes a file's bytes to a socket; in-process its reader holds them, and may write into them.
test("should give an in-process reader of a file's content bytes of its own: changing them changes nothing stored", async () => {
  const box = emulator({ minFileSize: 1, partSize: 1024 })
  const bytes = randomFile(1500)
  const s = await openInProcess(box, bytes.length, 'content-copies.bin')
  const parts = []
  for (const [first, last] of [[0, 1023], [1024, 1499]] as const) {
    const body = bytes.slice(first, last + 1)
    const r = await box.fetch(new Request(s.session_endpoints.upload_part, { method: 'PUT', headers: { ...auth, 'content-range': `bytes ${first}-${last}/${bytes.length}`, digest: `sha=${sha1Base64(body)}` }, body }))
    parts.push((await r.json()).part)
  }
  const committed = await box.fetch(new Request(s.session_endpoints.commit, { method: 'POST', headers: { ...auth, 'content-type': 'application/json', digest: `sha=${sha1Base64(bytes)}` }, body: JSON.stringify({ parts }) }))
  const url = `http://box.test/2.0/files/${(await committed.json()).entries[0].id}/content`
  const reader = (await box.fetch(url, { headers: auth })).body!.getReader()
  for (let read = await reader.read(); !read.done; read = await reader.read()) read.value.fill(0)
  const again = new Uint8Array(await (await box.fetch(url, { headers: auth })).arrayBuffer())
  assert.ok(Buffer.from(again).equals(Buffer.from(bytes)), 'the stored bytes are unchanged')
})

test('should keep separate state per emulator instance', async () => {
  const a = emulator({ minFileSize: 1 })
  const b = emulator({ minFileSize: 1 })
  const created = await a.fetch(new Request('http://a.test/api/2.0/files/upload_sessions', {
    method: 'POST', headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ folder_id: '0', file_size: 10, file_name: 'x.bin' }),
  }))
  const s = await created.json()
  assert.is((await b.fetch(new Request(`http://a.test/api/2.0/files/upload_sessions/${s.id}`, { headers: auth }))).status, 404)
  assert.is((await a.fetch(new Request(`http://a.test/api/2.0/files/upload_sessions/${s.id}`, { headers: auth }))).status, 200)
})

test('should take a body chunk that is a Uint8Array of another realm (a vm context), as fetch does, and leave no listener on the signal', async () => {
  const box = emulator({ minFileSize: 1, partSize: 1024 })
  const text = JSON.stringify({ folder_id: '0', file_size: 10, file_name: 'realm.bin' })
  const json = (runInNewContext('(s) => Uint8Array.from(s, (c) => c.charCodeAt(0))') as (s: string) => Uint8Array)(text)
  assert.not.ok(json instanceof Uint8Array, 'a Uint8Array of another realm')
  const controller = new AbortController()
  const created = await box.fetch(new Request('http://box.test/api/2.0/files/upload_sessions', {
    method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, signal: controller.signal, duplex: 'half',
    body: new ReadableStream({ start: (c) => { c.enqueue(json); c.close() } }),
  } as RequestInit))
  assert.is(created.status, 201, await created.clone().text())
  // An answer given without reading the body (401) leaves nothing listening on the caller's signal either.
  const refused = await box.fetch(new Request('http://box.test/api/2.0/files/upload_sessions', {
    method: 'POST', headers: { 'content-type': 'application/json' }, signal: controller.signal, duplex: 'half',
    body: new ReadableStream({ start: (c) => { c.enqueue(json) } }),
  } as RequestInit))
  assert.is(refused.status, 401)
  assert.equal(getEventListeners(controller.signal, 'abort').filter((f) => f.name === 'onAbort').length, 0)
})

// Over HTTP an abort after the answer came drops the connection, and a body not read to its end then
// fails to read, with the signal's reason (Node's fetch); in-process the answer's body went on as if nothing happened.
test("should fail the read of an answer's body with the signal's reason when it aborts after the answer came, as fetch does", async () => {
  const box = emulator({ minFileSize: 1, partSize: 1024 })
  const url = 'http://box.test/api/2.0/files/upload_sessions/NO-SUCH-SESSION'
  const unread = new AbortController()
  const answer = await box.fetch(url, { headers: auth, signal: unread.signal })
  assert.ok(answer.body !== null && answer.status >= 400, 'an error answer with a body')
  unread.abort(new Error('gave up'))
  const outcome = await answer.text().then(() => 'read', (e: unknown) => e)
  assert.is(outcome, unread.signal.reason)
  // Read to its end first, or cancelled, the body leaves nothing listening on the signal, and a later abort changes nothing.
  const read = new AbortController()
  const whole = await box.fetch(url, { headers: auth, signal: read.signal })
  assert.ok((await whole.json() as { readonly type: string }).type === 'error')
  const cancelled = await box.fetch(url, { headers: auth, signal: read.signal })
  await cancelled.body?.cancel()
  assert.equal(getEventListeners(read.signal, 'abort').filter((f) => f.name === 'onAbort').length, 0)
  read.abort(new Error('too late'))
})

test.run()
