/**
 * Files past 4 GiB (2^32 bytes), where 32-bit arithmetic, `Content-Range` numbers and the hashers'
 * length counters would wrap: generated sources that hold no memory (test/helpers/generated.ts),
 * uploaded on Node's default path to an emulator in its own process that keeps only SHA-1s
 * (`storage: 'digest'`), the expected SHA-1 computed by `node:crypto` over the very bytes handed out.
 *
 * Each upload moves 4 GiB through both processes (~12-15 s on an idle 2-core machine, 40 s and more
 * when others load it), so CI runs one; the rest, with the figures they gave, run by hand:
 * `LARGE=all node --import tsx node_modules/uvu/bin.js test '^Large.node.test.ts$'`.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import * as E from 'fp-ts/lib/Either.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { BoxFile } from '../src/BoxFile.ts'
import { client } from '../src/Client.ts'
import type { Progress } from '../src/Progress.ts'
import { resume } from '../src/Resume.ts'
import { listParts } from '../src/Session.ts'
import { type UploadFailure, upload } from '../src/Upload.ts'
import { message } from '../src/UploadError.ts'
import { generated } from './helpers/generated.ts'
import { uniqueName } from './helpers/upload.ts'
import { within } from './helpers/within.ts'

const MiB = 1024 * 1024
const four = 2 ** 32
const byHand = process.env['LARGE'] === 'all'

/** An emulator in a process of its own (so that its SHA-1 passes get the other core), keeping only SHA-1s. */
interface Served {
  readonly url: string
  readonly apiUrl: string
  readonly close: () => Promise<void>
}

const serveDigests = async (partSize?: number): Promise<Served> => {
  const env = { ...process.env, PORT: '0', BOX_STORAGE: 'digest', BOX_MIN_FILE_SIZE: '1', ...(partSize ? { BOX_PART_SIZE: String(partSize) } : {}) }
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/emulator/main.ts'], { env, stdio: ['ignore', 'pipe', 'inherit'] })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  let out = ''
  const urls = await within(20_000, 'the emulator\'s start', new Promise<RegExpExecArray>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      out += text
      const found = /upload API \(like [^)]*\): (\S+)\n\s*API +\(like [^)]*\): +(\S+)/.exec(out)
      if (found) resolve(found)
    })
    child.once('exit', (code) => reject(new Error(`the emulator exited (${code}): ${out}`)))
  })).catch((error: unknown) => (child.kill('SIGKILL'), Promise.reject(error)))
  return { url: urls[1]!, apiUrl: urls[2]!, close: () => (child.kill('SIGTERM'), exited) }
}

const withDigests = (partSize: number | undefined, run: (served: Served) => Promise<void>) => async (): Promise<void> => {
  const served = await serveDigests(partSize)
  try {
    await run(served)
  } finally {
    await served.close()
  }
}

/** A client of `served` that records the `Content-Range` of every part it sends. */
const recording = (served: Served) => {
  const ranges: string[] = []
  const box = client({
    token: 'dev-token', uploadUrl: served.url, apiUrl: served.apiUrl,
    fetch: (input, init) => {
      const range = new Headers(init?.headers).get('content-range')
      if (range !== null) ranges.push(range)
      return fetch(input, init)
    },
  })
  return { box, ranges }
}

/** The file as the emulator's API gives it (its own SHA-1 of what it received). */
const fileAt = async (served: Served, id: string): Promise<{ readonly size: number; readonly sha1: string }> => {
  const response = await fetch(`${served.apiUrl}/files/${id}`, { headers: { Authorization: 'Bearer dev-token' } })
  assert.is(response.status, 200)
  return (await response.json()) as { size: number; sha1: string }
}

const committed = (result: E.Either<UploadFailure, BoxFile>): BoxFile => {
  if (E.isLeft(result)) assert.unreachable(message(result.left))
  return (result as E.Right<BoxFile>).right
}

/** Uploads a generated file of `size` bytes; checks the committed file's size and SHA-1, the parts' ranges and the progress. */
const uploads = (size: number, partSize?: number) => withDigests(partSize, async (served) => {
  const file = generated(size, 3)
  const read = file.stream()
  const { box, ranges } = recording(served)
  const reports: Progress[] = []
  const started = performance.now()
  const result = await within(300_000, 'the upload', upload(box)(
    { source: read.source, folderId: '0', fileName: uniqueName('large'), fileSize: size },
    { onProgress: (p) => void reports.push(p) },
  )())
  const seconds = (performance.now() - started) / 1000
  const done = committed(result)
  const sha1 = read.sha1()
  assert.equal([done.size, done.sha1], [size, sha1])
  const kept = await fileAt(served, done.id)
  assert.equal([kept.size, kept.sha1], [size, sha1], 'the file as the emulator gives it')
  const each = partSize ?? 32 * MiB
  const parts = Math.ceil(size / each)
  const expected = Array.from({ length: parts }, (_, i) => `bytes ${i * each}-${Math.min(size, (i + 1) * each) - 1}/${size}`)
  // A part sent again (a retry) counts once.
  assert.equal([...new Set(ranges)].sort(), expected.sort())
  assert.equal(reports.at(-1), { bytesUploaded: size, partsUploaded: parts, totalParts: parts, fileSize: size })
  console.log(`    ${size} bytes in ${parts} parts: ${seconds.toFixed(1)} s, ${(size / seconds / 1e6).toFixed(0)} MB/s`)
})

const Large = suite('uploads past 4 GiB')

Large('should commit a file of 4 GiB + 5 bytes, its last part at byte 2^32, with its size and SHA-1', uploads(four + 5))

if (byHand) {
  Large('should commit a file 1 byte under 4 GiB', uploads(four - 1))
  // 24 MiB parts: the part of index 170 spans byte 2^32.
  Large('should commit a file whose part spans byte 2^32 (24 MiB parts)', uploads(four + 100 * MiB + 3, 24 * MiB))
}

const Resumed = suite('resume past 4 GiB')

if (byHand) {
  Resumed('should resume an upload stopped past byte 2^32: the parts listed there are skipped, the rest sent, the file right', withDigests(undefined, async (served) => {
    const size = four + 200 * MiB + 7
    const file = generated(size, 11)
    const { box, ranges } = recording(served)
    const stop = new AbortController()
    const stopped = await within(300_000, 'the upload', upload(box)(
      { source: file.stream().source, folderId: '0', fileName: uniqueName('large-resumed'), fileSize: size },
      { keepSessionOnError: true, signal: stop.signal, onProgress: (p) => { if (p.bytesUploaded > four + 64 * MiB) stop.abort(new Error('stopped past 2^32')) } },
    )())
    assert.ok(E.isLeft(stopped) && stopped.left._tag === 'Aborted' && stopped.left.session !== undefined, JSON.stringify(stopped).slice(0, 300))
    const session = (stopped as E.Left<UploadFailure>).left.session!
    const held = await listParts(box)(session)()
    assert.ok(E.isRight(held))
    const heldOffsets = new Set((held as E.Right<ReadonlyArray<{ offset: number }>>).right.map((p) => p.offset))
    assert.ok([...heldOffsets].some((offset) => offset >= four), `parts past 2^32 are held: ${[...heldOffsets].filter((o) => o >= four - 64 * MiB)}`)
    assert.ok(heldOffsets.size < session.totalParts, `some parts are missing: ${heldOffsets.size} of ${session.totalParts}`)

    ranges.length = 0
    const read = file.stream()
    const started = performance.now()
    const done = committed(await within(300_000, 'the resume', resume(box)({ session, source: read.source })()))
    const seconds = (performance.now() - started) / 1000
    assert.equal([done.size, done.sha1], [size, read.sha1()])
    const sent = ranges.map((range) => Number(/^bytes (\d+)-/.exec(range)![1]))
    assert.equal(sent.filter((offset) => heldOffsets.has(offset)), [], 'no part Box held is sent again')
    assert.is(new Set(sent).size + heldOffsets.size, session.totalParts, 'every missing part is sent once')
    console.log(`    resumed ${size} bytes, ${heldOffsets.size} of ${session.totalParts} parts held: ${seconds.toFixed(1)} s`)
  }))
}

Large.run()
Resumed.run()
