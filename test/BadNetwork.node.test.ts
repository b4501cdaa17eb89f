/**
 * The library's `upload` over a bad network: a TCP proxy (test/helpers/faultyLink.ts) between the
 * client and the emulator cuts connections (a reset to both sides) at random points, stalls them (a dead
 * link: nothing passes, not even the client's FIN, so the server keeps waiting for the body), half-closes
 * them and throttles them to a slow link. Unlike the emulator's own faults, none of this runs server code:
 * the emulator sees what a server behind a real network would. The client reaches the emulator only through
 * the proxy: its `uploadUrl` and `apiUrl`, and the `session_endpoints` (the emulator's `uploadBaseUrl`), name
 * the proxy. Downloads and session checks go to the emulator directly. Seeds are printed on failure.
 */
import { Agent, fetch as undiciFetch } from 'undici'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { type Client, client } from '../src/Client.ts'
import type { RequestRecord } from '../src/emulator/Options.ts'
import type { Progress } from '../src/Progress.ts'
import type { RetryPolicy } from '../src/Retry.ts'
import { upload } from '../src/Upload.ts'
import { isRetryable, isUploadError, message } from '../src/UploadError.ts'
import { setStallMs } from '../src/body/stream.ts'
import { type FaultyLinkOptions, type LinkedEmulator, once, startLinkedEmulator } from './helpers/faultyLink.ts'
import { TOKEN, type EmulatorUrls, bytesOf, download, sameBytes, sessionStatus, sourceOf } from './helpers/upload.ts'
import { within } from './helpers/within.ts'

/** The emulator behind a faulty link, and a client that sees only the link. */
interface Linked extends LinkedEmulator, EmulatorUrls {
  readonly client: Client
}

const linked = async (partSize: number, link: Omit<FaultyLinkOptions, 'target'>): Promise<Linked> => {
  const box = await startLinkedEmulator({ minFileSize: 1, partSize }, link)
  // `emulator`: its own URLs (`direct`), where test/helpers/upload.ts's `download` and `sessionStatus` go, not the link.
  return { ...box, emulator: box.direct, client: client({ token: TOKEN, uploadUrl: box.uploadUrl, apiUrl: box.apiUrl }) }
}

const withLinked = (partSize: number, link: Omit<FaultyLinkOptions, 'target'>, run: (box: Linked) => Promise<void>) => async (): Promise<void> => {
  const box = await linked(partSize, link)
  try {
    await run(box)
  } finally {
    await box.close()
  }
}

/** The first byte where two arrays differ, -1 when equal (a length difference counts at the shorter one's end): the cut runs' outcome names it. */
const firstDifference = (a: Uint8Array, b: Uint8Array): number => {
  const at = a.findIndex((byte, i) => byte !== b[i])
  return at === -1 && a.length !== b.length ? Math.min(a.length, b.length) : at
}

/** Uploads `fileSize` seeded bytes through the link with a quick policy, and checks they were committed as they are. */
const uploadsIntact = async (box: Linked, fileSize: number, seed: number, fileName: string): Promise<void> => {
  const bytes = bytesOf(fileSize, seed)
  const result = await within(20_000, 'the upload', upload(box.client)(
    { source: sourceOf(bytes), folderId: '0', fileName, fileSize },
    { retry: { retries: 2, baseDelayMs: 5, maxDelayMs: 20, timeoutMs: 5000 } },
  )())
  assert.is(result._tag, 'Right', JSON.stringify(result))
  if (result._tag === 'Right') sameBytes(await download(box, result.right.id), bytes)
}

const count = (records: ReadonlyArray<RequestRecord>, method: string, status: number, path = /./): number =>
  records.filter((r) => r.method === method && r.status === status && path.test(r.path)).length

/** Unhandled rejections while `run` runs (Node ends the process on one, so each is a bug). */
const noUnhandled = async (run: () => Promise<void>): Promise<void> => {
  const unhandled: unknown[] = []
  const record = (reason: unknown): void => void unhandled.push(reason)
  process.on('unhandledRejection', record)
  try {
    await run()
    // A turn for a rejection of the last run's to be reported.
    await new Promise((resolve) => setTimeout(resolve, 20))
  } finally {
    process.off('unhandledRejection', record)
  }
  assert.equal(unhandled.map(String), [], 'unhandled rejections')
}

// ---------------------------------------------------------------------------------------------

const Cuts = suite('connections cut')

Cuts('should end every upload with its bytes committed, or a typed error with its session deleted, when connections are cut at random (48 seeded runs)', () =>
  noUnhandled(async () => {
    const partSize = 64 * 1024
    const outcomes: Record<string, number> = {}
    const failures: string[] = []
    for (let seed = 1; seed <= 48; seed++) {
      // Every connection is cut: half of them within their first 1500 bytes (a request line, headers, an
      // answer), half anywhere in a part and a bit (its body or what follows on the kept-alive connection).
      const box = await linked(partSize, {
        seed,
        plan: (_index, random) => ({ cut: { direction: random() < 0.5 ? 'up' : 'down', afterBytes: Math.floor(random() * (random() < 0.5 ? 1500 : 1.2 * partSize)) } }),
      })
      try {
        const fileSize = 600_000 + seed * 1009
        const bytes = bytesOf(fileSize, seed)
        let sessionId: string | undefined
        // Retries of 1 and of 5 in turn, so that both outcomes come up.
        const retry: RetryPolicy = { retries: seed % 2 === 0 ? 1 : 5, baseDelayMs: 5, maxDelayMs: 50, timeoutMs: 5000 }
        const result = await within(30_000, `seed ${seed}: the upload`, upload(box.client)(
          { source: sourceOf(bytes, { seed }), folderId: '0', fileName: `cut-${seed}.bin`, fileSize },
          { concurrency: 4, retry, onSession: (s) => { sessionId = s.id } },
        )())
        const commits = count(box.records, 'POST', 201, /\/commit$/)
        let outcome: string
        if (result._tag === 'Right') {
          const at = firstDifference(await download(box, result.right.id), bytes)
          outcome = at === -1 ? 'committed, same bytes' : `WRONG BYTES from byte ${at}`
        } else {
          const status = sessionId === undefined ? 'never learned' : String(await sessionStatus(box, sessionId))
          // A commit the server applied whose every answer was cut (and the one sent after its session was
          // gone, to fetch the file): the client cannot know; the error says the commit got no answer.
          const unseen = commits > 0 ? (result.left._tag === 'NetworkError' && result.left.method === 'POST' ? ', commit applied unseen' : ', COMMITTED BUT ' + result.left._tag) : ''
          outcome = !isUploadError(result.left) ? `UNTYPED ${String(result.left)}`
            : status === '200' ? `${result.left._tag}, SESSION LEFT OPEN`
            : `${result.left._tag}, session ${status === '404' ? 'deleted' : status}${unseen}`
        }
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1
        if (/[A-Z]{4}/.test(outcome)) failures.push(`seed ${seed}: ${outcome}; links: ${JSON.stringify(box.link.records().filter((r) => r.fired.length > 0))}`)
      } finally {
        await box.close()
      }
    }
    assert.equal(failures, [], JSON.stringify(outcomes))
    // Both outcomes came up, so the runs test something.
    assert.ok(outcomes['committed, same bytes'], JSON.stringify(outcomes))
    assert.ok(Object.keys(outcomes).some((o) => o.startsWith('NetworkError')), JSON.stringify(outcomes))
  }))

Cuts('should take a part whose answer was cut after the server stored it from the listing, sending it once', withLinked(256 * 1024, {
  // On every connection, the answer to its first PUT is cut before its first byte: the part is stored.
  plan: () => ({ cut: { direction: 'down', afterBytes: 0, after: 'PUT ' } }),
}, async (box) => {
  await uploadsIntact(box, 1_000_000, 2, 'answer-cut.bin')
  const cut = box.link.records().filter((r) => r.fired.some((f) => f.startsWith('cut down')))
  assert.ok(cut.length >= 1, 'an answer was cut')
  // Each of the 4 parts stored once, none sent again (no 416, no 409): each cut answer's part was found listed.
  assert.is(count(box.records, 'PUT', 200), 4)
  assert.equal(box.records.filter((r) => r.method === 'PUT' && r.status !== 200), [])
  assert.ok(count(box.records, 'GET', 200, /\/parts\?/) >= cut.length, 'a listing after each cut answer')
}))

const firstCommit = once()
Cuts('should take the file of a commit whose answer was cut after the server applied it', withLinked(256 * 1024, {
  // The first commit's answer is cut before its first byte: the commit is applied.
  plan: () => ({ cut: { direction: 'down', afterBytes: 0, after: '/commit ', onlyIf: firstCommit } }),
}, async (box) => {
  await uploadsIntact(box, 600_000, 5, 'commit-cut.bin')
  assert.ok(box.link.records().some((r) => r.fired.some((f) => f.startsWith('cut down'))), 'the commit\'s answer was cut')
  assert.is(count(box.records, 'POST', 201, /\/commit$/), 2, 'applied, then answered again with the file')
}))

// ---------------------------------------------------------------------------------------------

const Stalls = suite('connections stalled')

const stallRetry: RetryPolicy = { retries: 8, baseDelayMs: 100, maxDelayMs: 400, timeoutMs: 1500 }

/** A link where the first part's request stalls in `direction` after `afterBytes` (a dead link: nothing passes until `release()`). */
const stalledOnce = (direction: 'up' | 'down', afterBytes: number): Omit<FaultyLinkOptions, 'target'> => {
  const first = once()
  return { plan: () => ({ stall: { direction, afterBytes, after: 'PUT ', onlyIf: first } }) }
}

/** Calls `f` with each of the emulator's records as it is made (after each answer), before it is kept. */
const onAnswer = (box: Linked, f: (record: RequestRecord) => void): void => {
  const keep = box.records.push.bind(box.records)
  box.records.push = (...records) => { records.forEach(f); return keep(...records) }
}

Stalls('should end an attempt whose answer stalls (the part stored) at timeoutMs, take the part from the 416 that follows, and send the other parts meanwhile', withLinked(256 * 1024, stalledOnce('down', 0), async (box) => {
  const fileSize = 2_000_000
  const bytes = bytesOf(fileSize, 6)
  const progress: Array<Progress> = []
  let confirmedBefore416: number | undefined
  onAnswer(box, (r) => { if (r.status === 416) confirmedBefore416 ??= progress.at(-1)?.partsUploaded })
  const started = performance.now()
  const result = await within(20_000, 'the upload', upload(box.client)(
    { source: sourceOf(bytes), folderId: '0', fileName: 'answer-stalled.bin', fileSize },
    // A timeout long enough for the 7 other parts to go through first, even on a loaded machine.
    { concurrency: 4, retry: { ...stallRetry, timeoutMs: 4000 }, onProgress: (p) => void progress.push(p) },
  )())
  const took = performance.now() - started
  assert.is(result._tag, 'Right', JSON.stringify(result))
  if (result._tag === 'Right') sameBytes(await download(box, result.right.id), bytes)
  assert.ok(took >= 4000, `took ${took} ms`)
  // The stalled part held one slot of 4: the 7 other parts were confirmed before its retry.
  assert.is(confirmedBefore416, 7)
  assert.is(count(box.records, 'PUT', 416), 1)
}))

// A body still arriving holds no part at the emulator (README, its Errors' table): the retry of a try stalled on a
// dead link is taken at once, though the server still waits for the stalled body's bytes.
Stalls('should finish with the retry of a part whose body stalls on a dead link, the link still dead (the stalled request holds nothing)', withLinked(256 * 1024, stalledOnce('up', 20_000), async (box) => {
  const fileSize = 1_000_000
  const bytes = bytesOf(fileSize, 9)
  const result = await within(30_000, 'the upload', upload(box.client)(
    { source: sourceOf(bytes), folderId: '0', fileName: 'dead-link.bin', fileSize },
    { retry: { ...stallRetry, retries: 1 } },
  )())
  assert.is(result._tag, 'Right', JSON.stringify(result))
  if (result._tag === 'Right') sameBytes(await download(box, result.right.id), bytes)
  assert.ok(box.link.records().some((r) => r.fired.some((f) => f.startsWith('stall up'))), 'a body stalled')
  // The 4 parts stored once each, no retry refused: the stalled request, still open, is not answered yet.
  assert.equal([count(box.records, 'PUT', 200), box.records.filter((r) => r.method === 'PUT' && r.status !== 200)], [4, []])
}))

Stalls('should store nothing of a stalled body whose link comes back after its retry was stored and the file committed', withLinked(256 * 1024, stalledOnce('up', 20_000), async (box) => {
  const fileSize = 1_000_000
  const bytes = bytesOf(fileSize, 8)
  const result = await within(30_000, 'the upload', upload(box.client)(
    { source: sourceOf(bytes), folderId: '0', fileName: 'body-stalled.bin', fileSize },
    { retry: stallRetry },
  )())
  assert.is(result._tag, 'Right', JSON.stringify(result))
  // The link comes back: the stalled try's bytes queued meanwhile, and the end of the connection the client gave up
  // on, reach the emulator, which ends that request without storing anything.
  box.link.release()
  const deadline = Date.now() + 5000
  const ended = () => box.records.find((r) => r.method === 'PUT' && r.status !== 200)
  while (ended() === undefined && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
  // Its body came whole (the client had written it all into the link) to a session committed meanwhile: 404. Had the
  // connection's end come first: a reset (the client's RST) or Node's 400 (its FIN mid-body). Nothing stored, either way.
  assert.ok(ended() !== undefined && [0, 400, 404].includes(ended()!.status), JSON.stringify(box.records.filter((r) => r.method === 'PUT')))
  if (result._tag === 'Right') sameBytes(await download(box, result.right.id), bytes)
  assert.is(count(box.records, 'PUT', 200), 4)
}))

/** Runs `run` with the body's stall limit set to `ms` (a dead link is then noticed in `ms`, not a minute). */
const withStallMs = (ms: number, run: () => Promise<void>) => async (): Promise<void> => {
  const was = setStallMs(ms)
  try {
    await run()
  } finally {
    setStallMs(was)
  }
}

// Parts of 16 MiB: the sockets on either side of the proxy hold 4-6 MiB of a stalled body on loopback, and
// the stall is noticed only once they are full (until then the connection takes every chunk).
const bigPart = 16 * 1024 * 1024
// A timeout no run of these tests reaches: only the stall limit can end the stalled attempt in time.
const noTimeout: RetryPolicy = { ...stallRetry, timeoutMs: 120_000 }

Stalls('should end an attempt whose body stalls on a dead link at the stall limit, not timeoutMs, and commit the file with its retry, the link still dead', withStallMs(500, withLinked(bigPart, stalledOnce('up', 1_000_000), async (box) => {
  const fileSize = bigPart + 1_000_003
  const bytes = bytesOf(fileSize, 13)
  const result = await within(20_000, 'the upload', upload(box.client)(
    { source: sourceOf(bytes), folderId: '0', fileName: 'stalled-body.bin', fileSize },
    { concurrency: 2, retry: noTimeout },
  )())
  assert.is(result._tag, 'Right', JSON.stringify(result))
  if (result._tag === 'Right') sameBytes(await download(box, result.right.id), bytes)
  assert.ok(box.link.records().some((r) => r.fired.some((f) => f.startsWith('stall up'))), 'a body stalled')
  // As above: the retry was taken at once, the stalled request still open at the emulator.
  assert.equal([count(box.records, 'PUT', 200), box.records.filter((r) => r.method === 'PUT' && r.status !== 200)], [2, []])
})))

Stalls('should fail with a retryable NetworkError naming the stalled part when no retry is left, its session deleted', withStallMs(500, withLinked(bigPart, stalledOnce('up', 1_000_000), async (box) => {
  let sessionId: string | undefined
  const fileSize = bigPart + 1_000_003
  const result = await within(20_000, 'the upload', upload(box.client)(
    { source: sourceOf(bytesOf(fileSize, 14)), folderId: '0', fileName: 'stalled-body-final.bin', fileSize },
    { concurrency: 1, retry: { ...noTimeout, retries: 0 }, onSession: (s) => { sessionId = s.id } },
  )())
  assert.is(result._tag, 'Left', JSON.stringify(result))
  if (result._tag === 'Left') {
    assert.is(result.left._tag, 'NetworkError', JSON.stringify(result.left))
    assert.ok(isRetryable(result.left))
    assert.match(message(result.left), `part 0 (bytes 0-${bigPart - 1}/${fileSize}) stalled: the connection took under 1 MiB of it in 0.5 s`)
  }
  assert.is(await sessionStatus(box, sessionId ?? ''), 404)
})))

Stalls('should not take a slow but live link for a stalled body (each chunk within the limit, retries 0)', withStallMs(1000, withLinked(bigPart, { plan: () => ({ throttle: 4 * 1024 * 1024 }) }, async (box) => {
  // 4 MiB/s: a 1 MiB chunk every 1/4 s at most, a 4th of the limit, once the sockets are full (after 4-6 MiB).
  const fileSize = bigPart + 5
  const bytes = bytesOf(fileSize, 15)
  const result = await within(20_000, 'the upload', upload(box.client)(
    { source: sourceOf(bytes), folderId: '0', fileName: 'slow-live.bin', fileSize },
    { concurrency: 1, retry: { ...noTimeout, retries: 0 } },
  )())
  assert.is(result._tag, 'Right', JSON.stringify(result))
  if (result._tag === 'Right') sameBytes(await download(box, result.right.id), bytes)
})))

Stalls('should not time a part body queued behind another request in undici\'s pool (the tee pulls its first chunk at once)', withStallMs(300, async () => {
  // One connection for both parts: the second part's request waits for the first one's answer, held 5 × the limit.
  const box = await startLinkedEmulator({ minFileSize: 1, partSize: 1024 * 1024, faults: { script: [{ part: 0, fault: 'slow' }], slowMs: 1500 } }, {})
  const dispatcher = new Agent({ connections: 1 })
  try {
    const pooled = client({
      token: TOKEN,
      uploadUrl: box.uploadUrl,
      apiUrl: box.apiUrl,
      fetch: (url, init) => undiciFetch(String(url), { ...init, dispatcher } as object) as unknown as Promise<Response>,
    })
    const fileSize = 2 * 1024 * 1024
    const bytes = bytesOf(fileSize, 16)
    const result = await within(20_000, 'the upload', upload(pooled)(
      { source: sourceOf(bytes), folderId: '0', fileName: 'queued.bin', fileSize },
      { concurrency: 2, retry: { ...noTimeout, retries: 0 } },
    )())
    assert.is(result._tag, 'Right', JSON.stringify(result))
    assert.is(count(box.records, 'PUT', 200), 2)
  } finally {
    await dispatcher.close()
    await box.close()
  }
}))

// ---------------------------------------------------------------------------------------------

const Slow = suite('a slow link')

Slow('should finish through a 3 MB/s link with 1 MiB parts, progress monotonic, once per confirmed part', withLinked(1024 * 1024, { bandwidth: 3_000_000 }, async (box) => {
  const fileSize = 5 * 1024 * 1024 + 777
  const bytes = bytesOf(fileSize, 10)
  const progress: Array<Progress & { readonly at: number }> = []
  const started = performance.now()
  const result = await within(30_000, 'the upload', upload(box.client)(
    { source: sourceOf(bytes, { maxChunk: 65_536 }), folderId: '0', fileName: 'slow.bin', fileSize },
    { concurrency: 4, retry: { retries: 2, baseDelayMs: 10, maxDelayMs: 50, timeoutMs: 20_000 }, onProgress: (p) => void progress.push({ ...p, at: performance.now() - started }) },
  )())
  const took = performance.now() - started
  assert.is(result._tag, 'Right', JSON.stringify(result))
  if (result._tag === 'Right') sameBytes(await download(box, result.right.id), bytes)
  // The link's pace: 5.5 MB at 3 MB/s is 1.8 s at least.
  assert.ok(took >= 1700, `took ${took} ms`)
  const counts = progress.map((p) => p.bytesUploaded)
  assert.equal(counts, [...counts].sort((a, b) => a - b), 'never backwards')
  assert.is(counts.at(-1), fileSize)
  // Once at the start, then once per part: the parts in flight share the link and are confirmed together, so
  // nothing moves until the first of them is answered (the figures are in the README).
  assert.is(progress.length, 1 + 6)
  assert.is(progress[0]?.bytesUploaded, 0)
}))

Slow('should not cut off parts that take longer than timeoutMs to send on a slow but live link (4 parts of 16 MiB at once on a 16 MiB/s link, timeoutMs 2 s, no retries)', withLinked(bigPart, { bandwidth: bigPart }, async (box) => {
  // Each part gets a 4th of the link: ~4 s to send, twice timeoutMs. Cut off at 2 s, every try would meet the same.
  const fileSize = 4 * bigPart
  const bytes = bytesOf(fileSize, 17)
  const started = performance.now()
  const result = await within(30_000, 'the upload', upload(box.client)(
    { source: sourceOf(bytes), folderId: '0', fileName: 'slow-parts.bin', fileSize },
    { concurrency: 4, retry: { ...noTimeout, retries: 0, timeoutMs: 2000 } },
  )())
  const took = performance.now() - started
  assert.is(result._tag, 'Right', JSON.stringify(result))
  if (result._tag === 'Right') sameBytes(await download(box, result.right.id), bytes)
  // The link's pace: 64 MiB at 16 MiB/s, so the parts did take longer than timeoutMs.
  assert.ok(took >= 3900, `took ${took} ms`)
  assert.is(count(box.records, 'PUT', 200), 4)
  assert.is(box.records.filter((r) => r.method === 'PUT').length, 4, 'no part sent twice')
}))

Slow('should still end an attempt whose answer does not come, timeoutMs after its body was sent (not timeoutMs after it started)', withLinked(bigPart, {
  plan: () => ({ throttle: 4 * 1024 * 1024, stall: { direction: 'down', afterBytes: 0, after: 'PUT ' } }),
}, async (box) => {
  // A 16 MiB part at 4 MiB/s: 4 s to send, of which the loopback sockets on either side of the proxy can hide
  // 4-6 MiB (measured) and at most ~10 (Linux's default buffer limits): the body's end comes after 1.5 s at least.
  let sessionId: string | undefined
  const started = performance.now()
  const result = await within(30_000, 'the upload', upload(box.client)(
    { source: sourceOf(bytesOf(bigPart, 18)), folderId: '0', fileName: 'answer-lost.bin', fileSize: bigPart },
    { concurrency: 1, retry: { ...noTimeout, retries: 0, timeoutMs: 1000 }, onSession: (s) => { sessionId = s.id } },
  )())
  const took = performance.now() - started
  assert.is(result._tag, 'Left', JSON.stringify(result))
  if (result._tag === 'Left') assert.match(message(result.left), 'no answer within 1000 ms')
  // 1.5 s to send at least, then the 1 s the answer gets; cut off at timeoutMs from the start, it took ~1.5 s in all
  // (the session's creation and deletion included).
  assert.ok(took >= 2400, `took ${took} ms`)
  assert.ok(took < 15_000, `took ${took} ms`)
  box.link.release()
  assert.is(await sessionStatus(box, sessionId ?? ''), 404)
}))

// ---------------------------------------------------------------------------------------------

const HalfClosed = suite('connections half-closed')

HalfClosed('should take a part from the listing when the server\'s side is closed (a FIN to the client) before its answer', withLinked(256 * 1024, {
  plan: () => ({ halfClose: { direction: 'down', afterBytes: 0, after: 'PUT ' } }),
}, async (box) => {
  await uploadsIntact(box, 700_000, 11, 'half-closed.bin')
  assert.equal(box.records.filter((r) => r.method === 'PUT' && r.status !== 200), [], 'no part sent twice')
}))

HalfClosed('should fail with the server\'s 400 when a FIN reaches the server mid-body (it answers the short request; the session deleted)', withLinked(256 * 1024, {
  plan: () => ({ halfClose: { direction: 'up', afterBytes: 30_000, after: 'PUT ' } }),
}, async (box) => {
  let sessionId: string | undefined
  const fileSize = 700_000
  const result = await within(20_000, 'the upload', upload(box.client)(
    { source: sourceOf(bytesOf(fileSize, 12)), folderId: '0', fileName: 'half-closed-up.bin', fileSize },
    { retry: { retries: 2, baseDelayMs: 5, maxDelayMs: 20, timeoutMs: 5000 }, onSession: (s) => { sessionId = s.id } },
  )())
  // Node's http server, which the emulator mirrors, answers a body cut short by a FIN with 400 (HPE_INVALID_EOF_STATE):
  // an answer, which no retry may take for a network failure.
  assert.is(result._tag === 'Left' && result.left._tag === 'HttpError' ? `${result.left.status} ${result.left.code}` : JSON.stringify(result), '400 bad_request')
  assert.is(await sessionStatus(box, sessionId ?? ''), 404)
}))


Cuts.run()
Stalls.run()
Slow.run()
HalfClosed.run()
