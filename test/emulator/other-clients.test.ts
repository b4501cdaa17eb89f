/**
 * The emulator as clients other than this project's drive it (h97): curl run exactly as Box's
 * developer documentation shows each request (protocol §3; the docs' curl samples), and a Python
 * developer's `http.client` session reproduced with node:http, every request on one kept-alive
 * connection. The curl test skips itself where curl is not installed.
 */
import { execFile, spawnSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { Agent, request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { type Json, type Session, TOKEN, assertSameBytes, download, randomFile, sha1Base64, sha1Hex, uniqueName, withEmulator } from '../helpers/box.ts'

const hasCurl = spawnSync('curl', ['--version'], { stdio: 'ignore' }).status === 0

interface Curled {
  readonly status: number
  readonly contentType: string
  readonly json: Json
  readonly text: string
  /** curl's `-v` trace: `> ` lines sent, `< ` lines received. */
  readonly trace: string
}

/** Runs curl with `args` (and `stdin`), as a user pasting Box's samples would, bounded to 10 s. */
const curl = (args: ReadonlyArray<string>, stdin?: Uint8Array): Promise<Curled> =>
  new Promise((resolve, reject) => {
    const child = execFile('curl', ['-sS', '-v', '-w', '\n%{http_code} %{content_type}', ...args], { timeout: 10_000, encoding: 'utf8', maxBuffer: 1 << 20 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`curl ${args.join(' ')}: ${error.message}\n${stderr}`))
        const cut = stdout.lastIndexOf('\n')
        const [status, contentType = ''] = stdout.slice(cut + 1).split(' ')
        const text = stdout.slice(0, cut)
        let json: Json
        try { json = text === '' ? undefined : JSON.parse(text) } catch { json = undefined }
        resolve({ status: Number(status), contentType, json, text, trace: stderr })
      })
    child.stdin?.end(stdin)
  })

// Over curl's 1 MiB threshold: curl sends `Expect: 100-continue` and, without a 100, waits 1 s.
const PART = 1536 * 1024

const whenCurl = hasCurl ? test : test.skip

whenCurl('should take a whole upload from curl as Box documents each request, answering Expect: 100-continue at once', () =>
  withEmulator({ minFileSize: 1, partSize: PART }, async (em) => {
    const dir = await mkdtemp(join(tmpdir(), 'box-curl-'))
    try {
      const file = randomFile(3 * PART + 1000)
      const auth = ['-H', `authorization: Bearer ${TOKEN}`]
      const created = await curl(['-X', 'POST', `${em.url}/files/upload_sessions`, ...auth, '-H', 'content-type: application/json',
        '-d', JSON.stringify({ folder_id: '0', file_size: file.length, file_name: uniqueName('curl') })])
      assert.is(created.status, 201, created.text)
      assert.is(created.contentType, 'application/json')
      const s = created.json as Session
      assert.is(s.total_parts, 4)
      // Three ways curl sends a part: --data-binary @file (the docs' way), -T file, and -T - (stdin, chunked).
      const ways: ReadonlyArray<(path: string, bytes: Uint8Array) => readonly [ReadonlyArray<string>, Uint8Array?]> = [
        (path) => [['-X', 'PUT', '--data-binary', `@${path}`]],
        (path) => [['-T', path]],
        (_, bytes) => [['-T', '-'], bytes],
        (path) => [['-X', 'PUT', '--data-binary', `@${path}`]],
      ]
      for (const [i, way] of ways.entries()) {
        const bytes = file.subarray(i * PART, Math.min(file.length, (i + 1) * PART))
        const path = join(dir, `part.${i}`)
        await writeFile(path, bytes)
        const [how, stdin] = way(path, bytes)
        const r = await curl([s.session_endpoints.upload_part, ...how, ...auth, '-H', `digest: sha=${sha1Base64(bytes)}`,
          '-H', `content-range: bytes ${i * PART}-${i * PART + bytes.length - 1}/${file.length}`, '-H', 'content-type: application/octet-stream'], stdin)
        assert.is(r.status, 200, r.text)
        assert.equal(r.json.part, { part_id: r.json.part.part_id, offset: i * PART, size: bytes.length, sha1: sha1Hex(bytes) })
        if (bytes.length > 1024 * 1024) {
          assert.match(r.trace, '> Expect: 100-continue')
          assert.match(r.trace, '< HTTP/1.1 100 Continue')
          // What curl says when it gave up waiting for the 100 (after 1 s) and sent the body anyway: no clock needed.
          assert.not.match(r.trace, 'Done waiting for 100-continue', `part ${i}: curl waited for a 100 Continue`)
        }
        if (stdin) assert.match(r.trace, '> Transfer-Encoding: chunked')
      }
      const listed = await curl(['-X', 'GET', s.session_endpoints.list_parts, ...auth])
      assert.is(listed.status, 200, listed.text)
      assert.is(listed.json.total_count, 4)
      const status = await curl(['-X', 'GET', s.session_endpoints.status, ...auth])
      assert.is(status.json.num_parts_processed, 4)
      const body = join(dir, 'commit.json')
      await writeFile(body, JSON.stringify({ parts: listed.json.entries }))
      const committed = await curl(['-X', 'POST', s.session_endpoints.commit, ...auth, '-H', `digest: sha=${sha1Base64(file)}`,
        '-H', 'content-type: application/json', '-d', `@${body}`])
      assert.is(committed.status, 201, committed.text)
      assert.is(committed.json.entries[0].sha1, sha1Hex(file))
      const aborted = await curl(['-X', 'DELETE', s.session_endpoints.abort, ...auth])
      assert.is(aborted.status, 204)
      assert.is(aborted.text, '')
      assertSameBytes((await download(em, committed.json.entries[0].id)).bytes, file)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }))

interface Answered {
  readonly status: number
  readonly json: Json
  /** The client's port of the connection the answer came on. */
  readonly port: number | undefined
}

/** One request through `agent`; `chunks` are written one by one, chunked when no Content-Length is given. */
const send = (agent: Agent, method: string, url: string, headers: Record<string, string>, chunks: ReadonlyArray<Uint8Array> = []): Promise<Answered> =>
  new Promise((resolve, reject) => {
    const req = request(url, { method, agent, headers: { Authorization: `Bearer ${TOKEN}`, ...headers } })
    req.setTimeout(5000, () => req.destroy(new Error(`${method} ${url}: no answer in 5 s`)))
    req.on('error', reject)
    req.on('response', (res) => {
      let text = ''
      res.on('data', (c: Buffer) => { text += c.toString() })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: text === '' ? undefined : JSON.parse(text), port: res.socket?.localPort }))
    })
    for (const c of chunks) req.write(c)
    req.end()
  })

test("should serve a Python http.client session on one kept-alive connection: refused parts, header names in any case, a chunked part, Box's other SDKs' commit", () =>
  withEmulator({ minFileSize: 1, partSize: 64 * 1024 }, async (em) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    try {
      const file = randomFile(100_000)
      const [first, second] = [file.subarray(0, 65_536), file.subarray(65_536)]
      const range = (bytes: Uint8Array, offset: number) => `bytes ${offset}-${offset + bytes.length - 1}/${file.length}`
      const json = { 'Content-Type': 'application/json' }
      const created = await send(agent, 'POST', `${em.url}/files/upload_sessions`, json,
        [new TextEncoder().encode(JSON.stringify({ folder_id: '0', file_size: file.length, file_name: uniqueName('py') }))])
      assert.is(created.status, 201)
      const s = created.json as Session
      const length = (bytes: Uint8Array) => ({ 'Content-Length': String(bytes.length) })
      const answers = [
        // Refused before its body is read (a range off the part grid), then with a wrong digest: nothing stored.
        [await send(agent, 'PUT', s.session_endpoints.upload_part, { ...length(first), Digest: `sha=${sha1Base64(first)}`, 'Content-Range': range(first, 1) }, [first]), 416],
        [await send(agent, 'PUT', s.session_endpoints.upload_part, { ...length(first), Digest: `sha=${sha1Base64(second)}`, 'Content-Range': range(first, 0) }, [first]), 400],
        // `DIGEST: SHA=` (Box's legacy Python and Node SDKs send SHA=), in 4 KiB chunks with Transfer-Encoding: chunked.
        [await send(agent, 'PUT', s.session_endpoints.upload_part, { DIGEST: `SHA=${sha1Base64(first)}`, 'CONTENT-RANGE': range(first, 0) },
          Array.from({ length: 16 }, (_, k) => first.subarray(k * 4096, (k + 1) * 4096))), 200],
        [await send(agent, 'PUT', s.session_endpoints.upload_part, { ...length(second), digest: `sha-1=${sha1Base64(second)}`, 'content-range': range(second, 65_536) }, [second]), 200],
        // `fields=` (which Box's SDKs may add to GETs) changes nothing here.
        [await send(agent, 'GET', `${s.session_endpoints.status}?fields=id,num_parts_processed`, {}), 200],
      ] as const
      for (const [k, [answer, expected]] of answers.entries()) assert.is(answer.status, expected, `request ${k}: ${JSON.stringify(answer.json)}`)
      assert.is(answers[4][0].json.num_parts_processed, 2)
      const listed = await send(agent, 'GET', `${s.session_endpoints.list_parts}?limit=1000&offset=0&fields=part_id`, {})
      // The legacy Node SDK's commit: `attributes` always (empty without options), the parts as listed, `Digest: SHA=`.
      const commitBody = new TextEncoder().encode(JSON.stringify({ attributes: {}, parts: listed.json.entries }))
      const committed = await send(agent, 'POST', s.session_endpoints.commit, { ...json, Digest: `SHA=${sha1Base64(file)}` }, [commitBody])
      assert.is(committed.status, 201, JSON.stringify(committed.json))
      assert.is(committed.json.entries[0].size, file.length)
      const ports = new Set([created, ...answers.map(([a]) => a), listed, committed].map((a) => a.port))
      assert.is(ports.size, 1, `one connection served every request: ${[...ports].join(', ')}`)
      assertSameBytes((await download(em, committed.json.entries[0].id)).bytes, file)
    } finally {
      agent.destroy()
    }
  }))

test.run()
