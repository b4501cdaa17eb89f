import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { BoxFile } from '../src/BoxFile.ts'
import { client } from '../src/Client.ts'
import { emulator } from '../src/emulator/index.ts'
import type { RequestRecord } from '../src/emulator/Options.ts'
import { resume } from '../src/Resume.ts'
import { type StoredSession, createSession } from '../src/Session.ts'
import { putParts, right } from './helpers/sessions.ts'
import { bytesOf, download, fastRetry, sameBytes, sourceOf, withBox, within } from './helpers/upload.ts'

const Killed = suite('resume after a killed process')

Killed('should commit the source after the uploading process was killed (SIGKILL) mid-upload', withBox({ partSize: 1024, faults: { latencyMs: 15 } }, async (box) => {
  const dir = mkdtempSync(join(tmpdir(), 'bcu-resume-'))
  const sessionFile = join(dir, 'session.json')
  const fileSize = 60 * 1024 + 7
  const seed = 42
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/upload-child.ts', box.emulator.url, box.emulator.apiUrl, String(fileSize), String(seed), sessionFile], { stdio: ['ignore', 'pipe', 'inherit'] })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => { output += String(chunk) })
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)))
  try {
    // Kill it once its session is stored and some, not all, parts are in.
    const stored = () => box.records.filter((r) => r.method === 'PUT' && r.status === 200).length
    const deadline = Date.now() + 20_000
    while (!(existsSync(sessionFile) && stored() >= 8)) {
      assert.ok(Date.now() < deadline, `child did not get going: ${output}`)
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    child.kill('SIGKILL')
    assert.is(await exited, 'SIGKILL')
    assert.is(output, '', 'killed before it finished')
    const partsBefore = stored()
    assert.ok(partsBefore < 61, `${partsBefore} parts stored before the kill`)

    const session: StoredSession = JSON.parse(readFileSync(sessionFile, 'utf8'))
    const bytes = bytesOf(fileSize, seed)
    const result = await within(20_000, 'resume', resume(box.client)({ session, source: sourceOf(bytes) }, { retry: fastRetry, concurrency: 4 })())
    assert.ok(E.isRight(result), JSON.stringify(result))
    if (E.isRight(result)) sameBytes(await download(box, result.right.id), bytes)
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  }
}))

// Box refuses a list-parts offset past 10000: a session of more parts (an emulator's small part size) lists
// what it can, and the parts beyond are met again when sent (416 with the stored part, taken).
const Many = suite('resume of a session with more parts than Box lists')

Many('should resume a session of 11050 parts, 11048 of them stored, paging the listing and sending only the parts it does not list', async () => {
  const records: RequestRecord[] = []
  const box = emulator({ minFileSize: 1, partSize: 16, faults: { retryAfterSeconds: 0 }, onRequest: (r) => void records.push(r) })
  const ranges: string[] = []
  const c = client({
    token: 'dev-token', uploadUrl: 'http://box.test/api/2.0', apiUrl: 'http://box.test/2.0',
    fetch: (input, init) => {
      const range = new Headers(init?.headers).get('content-range')
      if (range !== null) ranges.push(range)
      return box.fetch(input, init)
    },
  })
  const bytes = bytesOf(16 * 11_050, 7)
  const session = await right(createSession(c)({ folderId: '0', fileName: 'many-parts.bin', fileSize: bytes.length }))
  const missing = new Set([5, 11_040])
  await putParts(c, session, bytes, Array.from({ length: session.totalParts }, (_, i) => i).filter((i) => !missing.has(i)), 16)
  const [rangesBefore, recordsBefore] = [ranges.length, records.length]
  const result = await within(60_000, 'resume', resume(c)({ session, source: sourceOf(bytes) }, { retry: fastRetry, concurrency: 8 })())
  assert.ok(E.isRight(result), JSON.stringify(result).slice(0, 500))
  // Eleven pages of 1000, offsets 0 to 10000: the first 11,000 stored parts (every index to 11000 but 5).
  const resumed = records.slice(recordsBefore)
  const pages = resumed.filter((r) => r.method === 'GET' && r.path.includes('/parts'))
  assert.equal(pages.map((r) => new URL(r.path, 'http://x').searchParams.get('offset')), Array.from({ length: 11 }, (_, i) => String(i * 1000)))
  // Sent: the two missing parts (stored, 200) and the 48 stored parts past the listing (416 with the stored part, taken); none listed.
  const sent = ranges.slice(rangesBefore).map((range) => Number(/^bytes (\d+)-/.exec(range)![1]) / 16).sort((a, b) => a - b)
  assert.equal(sent, [5, ...Array.from({ length: 49 }, (_, i) => 11_001 + i)])
  const puts = resumed.filter((r) => r.method === 'PUT')
  assert.equal([puts.filter((r) => r.status === 200).length, puts.filter((r) => r.status === 416).length, puts.length], [2, 48, 50])
  const content = await box.fetch(new Request(`http://box.test/2.0/files/${(result as E.Right<BoxFile>).right.id}/content`, { headers: { Authorization: 'Bearer dev-token' } }))
  sameBytes(new Uint8Array(await content.arrayBuffer()), bytes)
})

Killed.run()
Many.run()
