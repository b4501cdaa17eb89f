/**
 * `--verbose`'s lines (src/cli/ExchangeLog.ts): their format, then the fetch wrapper against loopback servers: an
 * error's code and request id read without taking the body from the library, the token masked wherever a server
 * echoes it, no query, and a request that got no answer, timed out or was aborted.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exchangeLine, exchangeLog } from '../../src/cli/ExchangeLog.ts'
import { closedPort, fixedServer } from '../helpers/fixedServer.ts'

const TOKEN = 'exchange-log-token-never-printed'
const AT = Date.parse('2026-11-30T18:00:01.005Z')

const Line = suite('exchangeLine')

Line('should say when, what, the outcome and the milliseconds, as the emulator\'s --log does', () => {
  const base = { at: AT, method: 'PUT', path: '/api/2.0/files/upload_sessions/AB', range: 'bytes 0-1023/5000', ms: 12 }
  const table: ReadonlyArray<readonly [Parameters<typeof exchangeLine>[0], string]> = [
    [{ ...base, outcome: { _tag: 'Answered', status: 200 } }, '2026-11-30T18:00:01.005Z PUT /api/2.0/files/upload_sessions/AB (bytes 0-1023/5000) 200 12 ms'],
    [{ ...base, outcome: { _tag: 'Answered', status: 500, code: 'internal_server_error', requestId: 'r1' } },
      '2026-11-30T18:00:01.005Z PUT /api/2.0/files/upload_sessions/AB (bytes 0-1023/5000) 500 internal_server_error request_id r1 12 ms'],
    [{ ...base, range: undefined, method: 'POST', outcome: { _tag: 'Answered', status: 502 } }, '2026-11-30T18:00:01.005Z POST /api/2.0/files/upload_sessions/AB 502 12 ms'],
    [{ ...base, outcome: { _tag: 'Failed', cause: 'fetch failed ECONNRESET' } }, '2026-11-30T18:00:01.005Z PUT /api/2.0/files/upload_sessions/AB (bytes 0-1023/5000) failed: fetch failed ECONNRESET 12 ms'],
    [{ ...base, outcome: { _tag: 'Aborted' } }, '2026-11-30T18:00:01.005Z PUT /api/2.0/files/upload_sessions/AB (bytes 0-1023/5000) aborted 12 ms'],
    // A server's line break would make two lines of one exchange.
    [{ ...base, outcome: { _tag: 'Answered', status: 400, code: 'bad\ncode' } }, '2026-11-30T18:00:01.005Z PUT /api/2.0/files/upload_sessions/AB (bytes 0-1023/5000) 400 bad code 12 ms'],
  ]
  for (const [exchange, line] of table) assert.is(exchangeLine(exchange), line)
})

const Log = suite('exchangeLog')

/** The lines written, and a `fetch` writing them with the global fetch. */
const logged = () => {
  const lines: Array<string> = []
  return { lines, fetch: exchangeLog(globalThis.fetch, (line) => void lines.push(line)) }
}

const bearer = { headers: { Authorization: `Bearer ${TOKEN}` } }

Log('should read an error\'s code and request id from a clone, leaving the body to the library, and nothing of a success\'s', async () => {
  const body = JSON.stringify({ type: 'error', status: 409, code: 'item_name_in_use', request_id: 'req-9', context_info: {} })
  const server = await fixedServer((request) => request.method === 'POST' ? { status: 409, headers: { 'content-type': 'application/json' }, body } : { status: 200, body: '{"id":"1"}' })
  try {
    const { lines, fetch } = logged()
    const refused = await fetch(`${server.origin}/api/2.0/files/upload_sessions?fields=id`, { ...bearer, method: 'POST', body: '{}' })
    assert.is(await refused.text(), body, 'the library still reads the whole body')
    const ok = await fetch(`${server.origin}/api/2.0/files/upload_sessions/S1`, { ...bearer, method: 'put', headers: { ...bearer.headers, 'Content-Range': 'bytes 0-1/2' }, body: 'ab' })
    assert.is(await ok.text(), '{"id":"1"}')
    assert.is(lines.length, 2)
    assert.match(lines[0] as string, /^\d{4}-\d\d-\d\dT[\d:.]+Z POST \/api\/2\.0\/files\/upload_sessions 409 item_name_in_use request_id req-9 \d+ ms$/)
    assert.match(lines[1] as string, /^\S+Z PUT \/api\/2\.0\/files\/upload_sessions\/S1 \(bytes 0-1\/2\) 200 \d+ ms$/)
  } finally {
    await server.close()
  }
})

Log('should never print the token: not from the URL (no query), nor a body or an exception echoing it', async () => {
  // A server echoing the token it was sent into its error's code and request id, raw and JSON-escaped.
  const server = await fixedServer((request) => ({
    status: 400, headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code: `bad_${String(request.headers.authorization)}`, request_id: encodeURIComponent(String(request.headers.authorization).slice('Bearer '.length)) }),
  }))
  try {
    const { lines, fetch } = logged()
    const answer = await fetch(`${server.origin}/files/${TOKEN}/content?access_token=${TOKEN}`, bearer)
    await answer.arrayBuffer()
    assert.is(lines.length, 1)
    assert.not.match(lines[0] as string, TOKEN)
    assert.not.match(lines[0] as string, encodeURIComponent(TOKEN).slice(0, 20))
    assert.match(lines[0] as string, / GET \/files\/\[token\]\/content 400 bad_Bearer \[token\] request_id \[token\] \d+ ms$/)
    // A fetch of the caller's whose exception quotes the token.
    const leaky = exchangeLog(() => Promise.reject(new Error(`refused ${TOKEN}`)), (line) => void lines.push(line))
    await leaky(`${server.origin}/x`, bearer).then(() => assert.unreachable('rejected'), () => undefined)
    assert.match(lines[1] as string, / GET \/x failed: refused \[token\] \d+ ms$/)
    // A token a URL spells otherwise (`+`, `/`, `=` percent-encoded, as in base64), echoed into the path and the request id.
    const encoded = 'exchange+log/token=never'
    const echoed = await fetch(`${server.origin}/files/${encodeURIComponent(encoded)}/content`, { headers: { Authorization: `Bearer ${encoded}` } })
    await echoed.arrayBuffer()
    assert.not.match(lines[2] as string, encodeURIComponent(encoded))
    assert.match(lines[2] as string, / GET \/files\/\[token\]\/content 400 bad_Bearer \[token\] request_id \[token\] \d+ ms$/)
  } finally {
    await server.close()
  }
})

Log('should say failed with the cause for no answer or a timeout, and aborted for the caller\'s abort', async () => {
  const { lines, fetch } = logged()
  const port = await closedPort()
  await fetch(`http://127.0.0.1:${port}/api/2.0/files/upload_sessions`, { ...bearer, method: 'POST' }).then(() => assert.unreachable('no server'), () => undefined)
  assert.match(lines[0] as string, /POST \/api\/2\.0\/files\/upload_sessions failed: fetch failed ECONNREFUSED \d+ ms$/)
  // A server that never answers: the library's attempt timeout, then a Ctrl-C's abort.
  const silent = createServer(() => undefined)
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/api/2.0/files/upload_sessions/S1/commit`
  try {
    for (const reason of [new DOMException('no answer within 50 ms', 'TimeoutError'), new Error('interrupted (Ctrl-C)')]) {
      const controller = new AbortController()
      setTimeout(() => controller.abort(reason), 50)
      await fetch(url, { ...bearer, method: 'POST', signal: controller.signal }).then(() => assert.unreachable('never answered'), () => undefined)
    }
    assert.match(lines[1] as string, /POST \/api\/2\.0\/files\/upload_sessions\/S1\/commit failed: no answer within 50 ms \d+ ms$/)
    assert.match(lines[2] as string, /POST \/api\/2\.0\/files\/upload_sessions\/S1\/commit aborted \d+ ms$/)
  } finally {
    silent.closeAllConnections()
    await new Promise((resolve) => silent.close(resolve))
  }
})

Line.run()
Log.run()
