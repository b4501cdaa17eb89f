/**
 * h83: a request pipelined behind a slow one, whose client closes the connection mid-body while it
 * waits its turn, must not leave its part reserved for ever (a retry on a new connection refused 409).
 */
import { connect } from 'node:net'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { SMALL, TOKEN, contentRange, openSession, putBytes, randomFile, sha1Base64, withEmulator } from '../helpers/box.ts'

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

for (const sent of [100, 1024]) test(`should release a pipelined part whose connection closed while it waited its turn (${sent} of 1024 body bytes sent)`, () =>
  withEmulator({ ...SMALL, faults: { latencyMs: 300 } }, async (em) => {
    const file = randomFile(2048)
    const s = await openSession(em, 2048)
    const path = new URL(s.session_endpoints.upload_part).pathname
    const head = (first: number, body: Uint8Array) =>
      `PUT ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Range: ${contentRange(first, first + body.length - 1, 2048)}\r\n` +
      `Digest: sha=${sha1Base64(body)}\r\nContent-Length: ${body.length}\r\n\r\n`
    const [a, b] = [file.subarray(0, 1024), file.subarray(1024)]
    const { hostname, port } = new URL(em.url)
    const socket = connect(Number(port), hostname)
    socket.on('error', () => undefined)
    await new Promise((resolve) => socket.once('connect', resolve))
    // Part 0 whole, then part 1's head and the first 100 bytes of its body, pipelined; then the client goes away.
    socket.write(Buffer.concat([Buffer.from(head(0, a), 'latin1'), Buffer.from(a), Buffer.from(head(1024, b), 'latin1'), Buffer.from(b.subarray(0, sent))]))
    await pause(100)
    socket.destroy()
    await pause(1500)
    // A retry of part 1 on a new connection: stored (200), or already stored from the whole body (416), not
    // refused for ever as uploaded by another request (409).
    const retried = await putBytes(s, b.slice(), 1024, 2048)
    assert.ok(retried.status === (sent === 1024 ? 416 : 200), `${retried.status} ${retried.text}`)
  }))

test.run()
