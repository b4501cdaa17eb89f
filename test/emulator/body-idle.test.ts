/**
 * The Node adapter's `bodyIdleTimeoutMs`: a connection whose request body stops arriving is closed, storing
 * nothing; a body that keeps coming, the emulator's own waits and idle keep-alive connections are not cut. And
 * a stalled body holds its part at no time (it once did, every retry of the part refused 409 until the timeout):
 * a new PUT of it is taken at once, and of two uploads of a part, the first stored stays.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { RequestRecord } from '../../src/emulator/Options.ts'
import { serve, type ServeOptions } from '../../src/emulator/node.ts'
import { SMALL, TOKEN, contentRange, listParts, openSession, putBytes, randomFile, sha1Base64, timed, type Session } from '../helpers/box.ts'
import type { RunningEmulator } from '../helpers/emulator.ts'
import { rawConnection, sliced, streamRequest, within } from '../helpers/rawHttp.ts'

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** `serve` with `options` (the adapter's own among them), closed once `f` settles. */
const withServed = async (options: ServeOptions, f: (em: RunningEmulator) => Promise<void>): Promise<void> => {
  const em = await serve({ port: 0, ...options })
  try {
    await f(em)
  } finally {
    await em.close()
  }
}

/** The head of a PUT of `body` as bytes from `first` of a file of `total`, on a raw connection. */
const partHead = (s: Session, first: number, body: Uint8Array, total: number): string =>
  `PUT ${new URL(s.session_endpoints.upload_part).pathname} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\n` +
  `Content-Range: ${contentRange(first, first + body.length - 1, total)}\r\nDigest: sha=${sha1Base64(body)}\r\nContent-Length: ${body.length}\r\n\r\n`

test('should close a connection whose part body stalls for bodyIdleTimeoutMs, and take the part again on a new one', async () => {
  const records: Array<RequestRecord> = []
  await withServed({ ...SMALL, bodyIdleTimeoutMs: 300, onRequest: (r) => records.push(r) }, async (em) => {
    const file = randomFile(4096)
    const s = await openSession(em, 4096)
    const part = file.subarray(0, 1024)
    const stalled = await rawConnection(em.url)
    // The head and half the body, then nothing: a dead link.
    stalled.write(Buffer.concat([Buffer.from(partHead(s, 0, part, 4096), 'latin1'), part.subarray(0, 512)]))
    const closedAfter = await within(stalled.closed, 3000)
    assert.ok(closedAfter !== undefined && closedAfter >= 250 && closedAfter < 2000, `closed after ${closedAfter} ms`)
    assert.is(stalled.text(), '', 'closed without an answer')
    // A client gone mid-body: recorded as a reset, nothing stored.
    const deadline = Date.now() + 2000
    while (!records.some((r) => r.method === 'PUT') && Date.now() < deadline) await pause(20)
    const put = records.find((r) => r.method === 'PUT')
    assert.equal(put && [put.status, put.code], [0, 'connection_reset'], JSON.stringify(records))
    assert.equal((await listParts(s)).json.entries, [])
    const again = await putBytes(s, part.slice(), 0, 4096)
    assert.is(again.status, 200, again.text)
  })
})

/** The answer a raw connection got, once it came (its status, and its JSON body). */
const answerOf = async (connection: Awaited<ReturnType<typeof rawConnection>>, ms: number) => {
  const deadline = Date.now() + ms
  while (!/\r\n\r\n[\s\S]*\}$/.test(connection.text()) && Date.now() < deadline) await pause(20)
  const text = connection.text()
  return { status: Number(/^HTTP\/1\.1 (\d{3}) /.exec(text)?.[1] ?? 0), json: JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4) || 'null') }
}

// Box takes a retry as the new request it is (protocol §13): a body still arriving holds no part, with any idle timeout.
test('should take a new PUT of a part whose earlier body stalls at once, whatever bodyIdleTimeoutMs, and answer the stalled one 416 if it ends after all', async () => {
  for (const bodyIdleTimeoutMs of [0, Number.POSITIVE_INFINITY, undefined, 5000]) {
    await withServed({ ...SMALL, ...(bodyIdleTimeoutMs === undefined ? {} : { bodyIdleTimeoutMs }) }, async (em) => {
      const file = randomFile(4096)
      const s = await openSession(em, 4096)
      const part = file.subarray(0, 1024)
      const stalled = await rawConnection(em.url)
      stalled.write(Buffer.concat([Buffer.from(partHead(s, 0, part, 4096), 'latin1'), part.subarray(0, 512)]))
      // Long enough for the emulator to be reading the stalled body.
      await pause(300)
      const retry = await timed(() => putBytes(s, part.slice(), 0, 4096))
      assert.is(retry.value.status, 200, `${bodyIdleTimeoutMs}: ${retry.value.text}`)
      assert.ok(retry.ms < 2000, `${bodyIdleTimeoutMs}: the retry took ${retry.ms} ms`)
      assert.ok(stalled.isOpen(), `${bodyIdleTimeoutMs}: the stalled connection is still open`)
      assert.equal((await listParts(s)).json.entries, [retry.value.json.part], 'only the retry is stored')
      // The rest of the stalled body comes after all: the part is stored already, and is not replaced.
      stalled.write(part.subarray(512))
      const late = await answerOf(stalled, 3000)
      assert.is(late.status, 416, `${bodyIdleTimeoutMs}: ${stalled.text()}`)
      assert.is(late.json?.code, 'range_overlaps_existing_part')
      assert.equal(late.json?.context_info?.conflicting_part, retry.value.json.part)
      assert.equal((await listParts(s)).json.entries, [retry.value.json.part])
      stalled.destroy()
    })
  }
})

test('should store the stalled body if it ends first, and answer the new PUT of its part that was still arriving 416 with it', () =>
  withServed({ ...SMALL, bodyIdleTimeoutMs: 5000 }, async (em) => {
    const file = randomFile(4096)
    const s = await openSession(em, 4096)
    const part = file.subarray(0, 1024)
    const [first, second] = [await rawConnection(em.url), await rawConnection(em.url)]
    for (const c of [first, second]) c.write(Buffer.concat([Buffer.from(partHead(s, 0, part, 4096), 'latin1'), part.subarray(0, 512)]))
    await pause(300)
    first.write(part.subarray(512))
    const stored = await answerOf(first, 3000)
    assert.is(stored.status, 200, first.text())
    second.write(part.subarray(512))
    const late = await answerOf(second, 3000)
    assert.is(late.status, 416, second.text())
    assert.equal([late.json?.code, late.json?.context_info?.conflicting_part], ['range_overlaps_existing_part', stored.json.part])
    assert.equal((await listParts(s)).json.entries, [stored.json.part])
    first.destroy()
    second.destroy()
  }))

test('should not cut a body that trickles in for longer than bodyIdleTimeoutMs with shorter gaps', () =>
  withServed({ ...SMALL, bodyIdleTimeoutMs: 300 }, async (em) => {
    const file = randomFile(4096)
    const s = await openSession(em, 4096)
    const part = file.subarray(0, 1024)
    // 8 chunks 150 ms apart: ~1.1 s in all, almost four times the timeout.
    const started = Date.now()
    const r = await streamRequest(s.session_endpoints.upload_part, {
      headers: { authorization: `Bearer ${TOKEN}`, 'content-range': contentRange(0, 1023, 4096), digest: `sha=${sha1Base64(part)}`, 'content-length': '1024' },
      chunks: sliced(part, 128),
      pauses: [150],
    })
    assert.is(r.status, 200, r.text)
    assert.ok(Date.now() - started >= 900, `the body took ${Date.now() - started} ms`)
    assert.equal((await listParts(s)).json.entries.map((p: { offset: number }) => p.offset), [0])
  }))

test('should answer requests sent whole while the emulator waits longer than bodyIdleTimeoutMs (latencyMs, a slow part), small bodies and 8 MiB ones', async () => {
  const big = 8 << 20
  await withServed({ minFileSize: 1, partSize: big, bodyIdleTimeoutMs: 300, faults: { latencyMs: 700, slowMs: 700, script: [{ part: 0, fault: 'slow' }] } }, async (em) => {
    // A JSON body (the session's creation) and a part of 8 MiB: the emulator holds most of it back
    // (the request paused, the sockets full), so no byte passes for the whole wait.
    const file = randomFile(big + 1024)
    const s = await openSession(em, file.length)
    for (const [index, body] of [[0, file.subarray(0, big)], [1, file.subarray(big)]] as const) {
      const r = await streamRequest(s.session_endpoints.upload_part, {
        headers: { authorization: `Bearer ${TOKEN}`, 'content-range': contentRange(index * big, index * big + body.length - 1, file.length), digest: `sha=${sha1Base64(body)}`, 'content-length': String(body.length) },
        chunks: sliced(body, 1 << 20),
      })
      assert.is(r.status, 200, `part ${index}: ${r.text}`)
    }
    assert.equal((await listParts(s)).json.entries.map((p: { offset: number }) => p.offset), [0, big])
  })
})

test('should leave an idle keep-alive connection to Node between requests, and not cut the answer of a body read whole', () =>
  withServed({ ...SMALL, bodyIdleTimeoutMs: 300, faults: { latencyMs: 500 } }, async (em) => {
    const file = randomFile(4096)
    const s = await openSession(em, 4096)
    const part = file.subarray(0, 1024)
    const connection = await rawConnection(em.url)
    connection.write(Buffer.concat([Buffer.from(partHead(s, 0, part, 4096), 'latin1'), part]))
    // Answered after the latency, then left idle past the timeout: the connection serves the next request.
    await pause(1200)
    assert.match(connection.text(), /^HTTP\/1\.1 200 /)
    assert.ok(connection.isOpen(), 'the idle keep-alive connection is open')
    connection.write(`GET ${new URL(s.session_endpoints.status).pathname} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nConnection: close\r\n\r\n`)
    await within(connection.closed, 3000)
    assert.equal([...connection.text().matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => m[1]), ['200', '200'], connection.text().slice(0, 400))
  }))

test('should refuse a bodyIdleTimeoutMs it cannot use with a TypeError naming it, listening on nothing', async () => {
  for (const bad of [-1, Number.NaN, '60000', null, 2 ** 31, Number.NEGATIVE_INFINITY]) {
    await serve({ port: 0, bodyIdleTimeoutMs: bad as number }).then(
      async (served) => { await served.close(); assert.unreachable(`${String(bad)} was taken`) },
      (e: unknown) => assert.ok(e instanceof TypeError && e.message.startsWith('bodyIdleTimeoutMs must be a number of ms from 0 up'), String(e)),
    )
  }
  for (const good of [0, 1.5, 2 ** 31 - 1, Number.POSITIVE_INFINITY]) await (await serve({ port: 0, bodyIdleTimeoutMs: good })).close()
})

test.run()
