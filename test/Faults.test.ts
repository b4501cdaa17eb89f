import * as E from 'fp-ts/lib/Either.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { Session } from '../src/Session.ts'
import { upload } from '../src/Upload.ts'
import { isRetryable } from '../src/UploadError.ts'
import type { PartFault } from '../src/emulator/Options.ts'
import { bytesOf, commits, download, prng, sameBytes, sessionStatus, sourceOf, startBox, uniqueName, within } from './helpers/upload.ts'

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
        { source: sourceOf(bytes, { seed }), folderId: '0', fileName: uniqueName('fault'), fileSize },
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

Faults.run()
