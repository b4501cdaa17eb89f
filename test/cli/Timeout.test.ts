/**
 * `box-upload --timeout`: the time one try of a request may take reaches the library, for a new upload and a
 * resumed one. A proxy in front of the emulator holds some requests for `HOLD_MS` before passing them on: a
 * try given 0.3 s is cut off and sent again meanwhile (the held one, passed on later, changes nothing), and one
 * given 3 s waits for the held answer.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { join } from 'node:path'
import type { RequestRecord } from '../../src/emulator/Options.ts'
import { run, tempDir, writeFileOf } from '../helpers/cli.ts'
import { TOKEN, interruptedAt, small } from '../helpers/cliUploads.ts'
import { type Seen, emulatorBehindProxy } from '../helpers/reverseProxy.ts'

const Timeout = suite('--timeout')

/** How long the proxy holds a request: well past a 0.3 s try and the first backoff after it (under 0.5 s), with room for a loaded machine; under the 3 s try. */
const HOLD_MS = 2000

/** Least time seen from a 0.3 s try's arrival at the proxy to the next try's (see `sentAgainAfter`). */
const TRIED_MS = 100

let dir: Awaited<ReturnType<typeof tempDir>>
Timeout.before(async () => { dir = await tempDir() })
Timeout.after(() => dir.remove())

/** A request the proxy saw: when it came, and whether it was held. */
type Came = Seen & { readonly at: number; readonly held: boolean }

/**
 * An emulator (256 KiB parts, every answer 40 ms late) behind a proxy that holds the requests `held` picks, each
 * for `HOLD_MS` (or until `release()`), then passes them on; `came` are the requests the proxy saw, with their times.
 */
const holding = async (held: (request: Seen, came: ReadonlyArray<Came>) => boolean) => {
  const records: Array<RequestRecord> = []
  const came: Array<Came> = []
  const releases: Array<() => Promise<void>> = []
  const timers: Array<ReturnType<typeof setTimeout>> = []
  const { behind, uploadUrl, close } = await emulatorBehindProxy({
    tokens: [TOKEN], minFileSize: 1, partSize: 256 * 1024, faults: { latencyMs: 40 }, onRequest: (r) => void records.push(r),
  }, (request, _response, forward) => {
    const hold = held(request, came)
    came.push({ ...request, at: Date.now(), held: hold })
    if (!hold) return false
    let forwarded: Promise<void> | undefined
    const release = () => (forwarded ??= forward())
    releases.push(release)
    timers.push(setTimeout(release, HOLD_MS))
    return true
  })
  /** Passes every held request on now (those not passed on yet), and resolves once their answers are back. */
  const release = async () => {
    timers.forEach(clearTimeout)
    await Promise.all(releases.map((r) => r()))
  }
  return {
    uploadUrl, apiUrl: behind.apiUrl, records, came, release,
    close: async () => {
      await release()
      await close()
    },
  }
}

/**
 * How long after each held request the same one came again (NaN: it did not). Once a 0.3 s try timed out, that is
 * 0.3 s plus the backoff (under 0.5 s): under `HOLD_MS`. It may be a little under 0.3 s, as the try's clock starts
 * before its request reaches the proxy (more so in a process just started: a first connection, fetch's first use).
 */
const sentAgainAfter = (came: ReadonlyArray<Came>): ReadonlyArray<number> =>
  came.flatMap((first, i) => (first.held ? [(came.slice(i + 1).find((r) => r.method === first.method && r.url === first.url)?.at ?? NaN) - first.at] : []))

/** A request's path, without its query. */
const path = (url: string): string => url.replace(/\?.*/, '')

/** The statuses (or Box codes) the emulator answered the part uploads with, in the order it answered them. */
const partAnswers = (records: ReadonlyArray<RequestRecord>) => records.filter((r) => r.method === 'PUT').map((r) => r.code ?? r.status)

Timeout('should cut off a part upload after --timeout 0.3 and send it again, where --timeout 3 waits for its late answer', async () => {
  const file = join(dir.path, 'late.bin')
  const sha1 = await writeFileOf(file, 512 * 1024, 11)
  // The two at once, each against its own emulator: the longer one mostly waits for the held answer.
  await Promise.all(['0.3', '3'].map(async (seconds) => {
    const box = await holding((request, came) => request.method === 'PUT' && !came.some((r) => r.method === 'PUT'))
    try {
      const args = [file, '--upload-url', box.uploadUrl, '--api-url', box.apiUrl, '--token', TOKEN, ...small, '--concurrency', '1', '--timeout', seconds]
      const ran = await run(args, { timeoutMs: 20_000 })
      assert.is(ran.code, 0, ran.stderr)
      assert.match(ran.stdout, `  check:    downloaded back: SHA-1 ${sha1} matches the local file\n`)
      const puts = box.came.filter((r) => r.method === 'PUT')
      if (seconds === '0.3') {
        // Part 0 held, sent again (one part at a time: the next upload is part 0's) once its try timed out, then part 1.
        assert.is(puts.length, 3)
        assert.is(sentAgainAfter(box.came).length, 1)
        for (const again of sentAgainAfter(box.came)) assert.ok(again >= TRIED_MS && again < HOLD_MS, `sent again ${again} ms after the first try`)
        // Passed on at last, the held try stores nothing: its part is there (416), or the file committed (404).
        await box.release()
        const answers = partAnswers(box.records)
        assert.is(answers.filter((a) => a === 200).length, 2, `${answers}`)
        assert.ok(answers.length === 3 && answers.some((a) => a === 'range_overlaps_existing_part' || a === 'not_found'), `${answers}`)
      } else {
        assert.is(puts.length, 2)
        assert.ok(puts[1]!.at - puts[0]!.at >= HOLD_MS, 'part 1 went once part 0 was answered')
        assert.equal(partAnswers(box.records), [200, 200])
      }
    } finally {
      await box.close()
    }
  }))
})

// The resume's first look at its session (its status, box-upload's own check) and the library's listing of its parts.
Timeout('should give a resumed upload\'s tries the --timeout too', async () => {
  let armed = false
  const box = await holding((request, came) => armed && request.method === 'GET' && !came.some((r) => r.held && path(r.url) === path(request.url)))
  try {
    const { path: file, args, sha1 } = await interruptedAt(box.uploadUrl, box.records, join(dir.path, 'resumed.bin'), 12)
    armed = true
    const ran = await run([file, ...args, '--api-url', box.apiUrl, '--resume', '--timeout', '0.3'], { timeoutMs: 20_000 })
    assert.is(ran.code, 0, ran.stderr)
    assert.match(ran.stdout, '(resumed)')
    assert.match(ran.stdout, `  check:    downloaded back: SHA-1 ${sha1} matches the local file\n`)
    const held = box.came.filter((r) => r.held).map((r) => path(r.url).replace(/upload_sessions\/\w+/, 'upload_sessions/ID'))
    assert.equal(held, ['/api/2.0/files/upload_sessions/ID', '/api/2.0/files/upload_sessions/ID/parts'])
    for (const again of sentAgainAfter(box.came)) assert.ok(again >= TRIED_MS && again < HOLD_MS, `sent again ${again} ms after the first try`)
  } finally {
    await box.close()
  }
})

Timeout.run()
