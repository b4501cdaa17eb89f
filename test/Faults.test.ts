import * as E from 'fp-ts/lib/Either.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { client } from '../src/Client.ts'
import { resume } from '../src/Resume.ts'
import type { Session } from '../src/Session.ts'
import { type UploadFailure, upload } from '../src/Upload.ts'
import { isRetryable } from '../src/UploadError.ts'
import { plan, sessionKey, uploadKey } from '../src/emulator/Faults.ts'
import type { PartFault, RequestRecord } from '../src/emulator/Options.ts'
import { TOKEN, bytesOf, commits, download, fastRetry, prng, rightOf, sameBytes, sessionStatus, sourceOf, startBox, within } from './helpers/upload.ts'
import { faultsByAttempt } from './helpers/faultRecords.ts'

const kinds: ReadonlyArray<PartFault> = ['rate_limit', 'unavailable_before', 'error_before', 'error_after', 'reset', 'slow']

/** Seeds of the runs: a fixed list, so a failure names the seed to replay. */
const seeds = Array.from({ length: 120 }, (_, i) => 1000 + i)

const Faults = suite('upload under seeded faults')

Faults(`should end every one of ${seeds.length} seeded runs with the source committed, or a typed error and the session deleted`, async () => {
  let committed = 0
  let failed = 0
  const seen = new Set<PartFault>()
  for (const seed of seeds) {
    const random = prng(seed)
    const partSize = 512 + Math.floor(random() * 1024)
    const fileSize = 1 + Math.floor(random() * partSize * 12)
    const concurrency = 1 + Math.floor(random() * 8)
    const probability = 0.1 + random() * 0.5
    // One run in four gets a policy the faults are likely to exceed.
    const retries = random() < 0.25 ? Math.floor(random() * 2) : 8
    const only = random() < 0.5 ? kinds : [kinds[seed % kinds.length]!]
    const box = await startBox({ partSize, faults: { seed, probability, kinds: only, slowMs: 3 } })
    const what = `seed ${seed} (partSize ${partSize}, fileSize ${fileSize}, concurrency ${concurrency}, p ${probability.toFixed(2)}, retries ${retries}, kinds ${only.join(',')})`
    try {
      const bytes = bytesOf(fileSize, seed)
      let session: Session | undefined
      const result = await within(15_000, what, upload(box.client)(
        // A name of the seed's own: the emulator keys a session's faults by its upload (folder, name, size), so a run replays.
        { source: sourceOf(bytes, { seed }), folderId: '0', fileName: `fault-${seed}.bin`, fileSize },
        { concurrency, retry: { retries, baseDelayMs: 1, maxDelayMs: 4, timeoutMs: 5000 }, onSession: (s) => { session = s } },
      )())
      for (const record of box.records) if (record.code !== undefined || record.status >= 500) seen.add(faultOf(record.status, record.code))
      if (E.isRight(result)) {
        committed++
        sameBytes(await download(box, result.right.id), bytes, what)
      } else {
        failed++
        assert.ok(isRetryable(result.left), `${what}: only faults beyond the policy may fail it, got ${JSON.stringify(result.left)}`)
        assert.is(commits(box).length, 0, `${what}: nothing committed`)
        assert.ok(session !== undefined, what)
        assert.is(await sessionStatus(box, session!.id), 404, `${what}: session deleted`)
      }
    } finally {
      await box.close()
    }
  }
  assert.ok(committed > seeds.length / 2, `${committed} committed`)
  assert.ok(failed > 0, 'some runs must exceed the retry policy')
  assert.ok(seen.size >= 3, `fault answers seen: ${[...seen].join(', ')}`)
})

/** A rough name for a fault answer, to check the runs met several kinds. */
const faultOf = (status: number, code: string | undefined): PartFault =>
  status === 429 ? 'rate_limit' : status === 503 ? 'unavailable_before' : code === 'internal_server_error' ? 'error_before' : 'reset'

/** The fault each part upload of the one session met, as `[part, attempt, fault]`. */
const partFaults = (records: ReadonlyArray<RequestRecord>, partSize: number) => faultsByAttempt(records, partSize).map(([, ...rest]) => rest)

/** A `fetch` that holds each part upload 0-15 ms, as drawn from `seed`, so parts in flight arrive in another order. */
const jittered = (seed: number): typeof fetch => {
  const random = prng(seed)
  return async (input, init) => {
    if (init?.method === 'PUT') await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 16)))
    return fetch(input, init)
  }
}

const Order = suite('seeded faults, parts in flight')

// The emulator drew its faults in the order part uploads arrived: at concurrency 4 the same seed gave other
// faults from run to run, and a test of a client's retries passed or failed at random.
Order('should inject the same faults per part and attempt whatever order 4 parts in flight arrive in', async () => {
  const partSize = 1024
  const fileSize = 16 * partSize - 100
  const bytes = bytesOf(fileSize, 3)
  const run = async (jitter: number) => {
    const box = await startBox({ partSize, faults: { seed: 5, probability: 0.3, kinds, slowMs: 3 } })
    try {
      const uploader = client({ token: TOKEN, uploadUrl: box.emulator.url, apiUrl: box.emulator.apiUrl, fetch: jittered(jitter) })
      const result = await within(15_000, `jitter ${jitter}`, upload(uploader)(
        { source: sourceOf(bytes), folderId: '0', fileName: 'order.bin', fileSize },
        { concurrency: 4, retry: { retries: 8, baseDelayMs: 1, maxDelayMs: 4, timeoutMs: 5000 } },
      )())
      sameBytes(await download(box, rightOf(result).id), bytes, `jitter ${jitter}`)
      return { arrived: box.records.filter((r) => r.method === 'PUT').map((r) => r.range), faults: partFaults(box.records, partSize) }
    } finally {
      await box.close()
    }
  }
  const first = await run(1)
  assert.ok(first.faults.filter(([, , fault]) => fault !== null).length >= 3, `faults hit: ${JSON.stringify(first.faults)}`)
  for (const jitter of [2, 3]) {
    const other = await run(jitter)
    assert.not.equal(other.arrived, first.arrived, `jitter ${jitter}: the parts arrived in another order`)
    assert.equal(other.faults, first.faults, `jitter ${jitter}: the same faults per part and attempt`)
  }
})

// The emulator counts attempts per session and part: a resumed session goes on from its counts, so its
// parts meet the faults of their next attempts, not those of their first again.
Order('should draw a resumed session\'s faults from its own attempt counts, going on from the interrupted upload\'s', async () => {
  const partSize = 1024
  const fileSize = 12 * partSize - 100
  const bytes = bytesOf(fileSize, 4)
  const faults = { seed: 3, probability: 0.3, kinds: ['error_before', 'unavailable_before'] as PartFault[] }
  const box = await startBox({ partSize, faults })
  try {
    const interrupted = await within(15_000, 'upload', upload(box.client)(
      { source: sourceOf(bytes), folderId: '0', fileName: 'resumed.bin', fileSize },
      { concurrency: 1, retry: { ...fastRetry, retries: 0 }, keepSessionOnError: true },
    )())
    assert.ok(E.isLeft(interrupted) && interrupted.left.session !== undefined, `seed 3 fails a part at once: ${JSON.stringify(interrupted)}`)
    const before = partFaults(box.records, partSize)
    const resumed = await within(15_000, 'resume', resume(box.client)(
      { session: (interrupted as E.Left<UploadFailure>).left.session!, source: sourceOf(bytes) },
      { concurrency: 4, retry: fastRetry },
    )())
    sameBytes(await download(box, rightOf(resumed).id), bytes)
    const all = partFaults(box.records, partSize)
    const [failedPart] = before.at(-1)!
    assert.ok(all.some(([part, attempt]) => part === failedPart && attempt > 1), `part ${failedPart} was sent again by the resume`)
    const [drawn, session] = [plan(faults), sessionKey(uploadKey({ user: 1, folderId: '0', fileName: 'resumed.bin', fileSize }), 1)]
    assert.equal(all, all.map(([part, attempt]) => [part, attempt, drawn(session, part, attempt) ?? null]), 'the faults of resumed.bin\'s first session, by part and attempt')
  } finally {
    await box.close()
  }
})

Faults.run()
Order.run()
