/**
 * A browser user whose tab went away mid-upload, played for real: the README's browser recipe (the block after
 * `<!-- recipe: browser-resume -->`) runs as written in headless Chromium (Debian's, driven by playwright-core),
 * bundled by esbuild from src/ with test/fixtures/resume-page.ts around it, from a page server on 127.0.0.1; the
 * emulator (the Node adapter on 127.0.0.1, answering CORS) is Box. The page uploads 20 MiB in 40 parts; the test
 * reloads it or closes the tab mid-upload, and has the next page resume from `localStorage`: what the emulator held,
 * what was sent again, the progress, the committed bytes; another file picked, an expired session, a tab closed
 * during the commit. Chromium's network emulation throttles what the page sends, so that parts are in flight, half
 * sent, when the page goes. Skipped where Chromium is not installed (`/usr/bin/chromium`, or CHROMIUM_PATH).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { build } from 'esbuild'
import type { BrowserContext, CDPSession, Page } from 'playwright-core'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { EmulatorOptions, RequestRecord } from '../src/emulator/Options.ts'
import { serve } from '../src/emulator/node.ts'
import type { Job, Outcome, PageEvent } from './fixtures/resume-page.ts'
import { sha1Hex } from './helpers/box.ts'
import { bytesOf, sameBytes } from './helpers/upload.ts'
import { within } from './helpers/within.ts'

const root = resolve(import.meta.dirname, '..')
const chromium = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium'
const MiB = 1024 * 1024
const partSize = MiB / 2
/** 20 MiB less a little: 40 parts, the last one short. */
const fileSize = 20 * MiB - 1000
const totalParts = 40
const token = 'dev-token'
/** What the page may send per second while it is to be stopped mid-upload: 4 MiB/s, parts of 512 KiB 4 at a time. */
const throttle = 4 * MiB
/** What it may send just before it goes: 1 KiB/s, so that a part being sent then is still half sent when the page goes. */
const crawl = 1024

/** The user's files: the one uploaded, another of the same size, and a small one. */
const files = { 'a.bin': bytesOf(fileSize, 1), 'b.bin': bytesOf(fileSize, 2), 'c.bin': bytesOf(3 * partSize + 7, 3) }
type FileName = keyof typeof files

interface Harness {
  readonly context: BrowserContext
  readonly origin: string
  /** Where the user's files are on disk, for `<input type=file>`. */
  readonly dir: string
  readonly close: () => Promise<void>
}

/** The README's recipe as a module whose `box-chunked-upload` is this repository's source. */
const recipe = (dir: string): string => {
  const code = /<!-- recipe: browser-resume -->\s*```ts\n([\s\S]*?)\n```/.exec(readFileSync(resolve(root, 'README.md'), 'utf8'))?.[1]
  if (code === undefined) throw new Error('the README has no block after <!-- recipe: browser-resume -->')
  const file = join(dir, 'recipe.ts')
  writeFileSync(file, code.replace(/'box-chunked-upload'/g, JSON.stringify(resolve(root, 'src/index.ts'))))
  return file
}

/** The page (the recipe and the fixture, bundled for the browser), its server, the files on disk, Chromium on a fresh profile. */
const open = async (): Promise<Harness> => {
  const dir = mkdtempSync(join(tmpdir(), 'box-resume-page-'))
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes)
  const entry = `import * as recipe from ${JSON.stringify(recipe(dir))}\nimport { install } from ${JSON.stringify(resolve(root, 'test/fixtures/resume-page.ts'))}\ninstall(recipe)\n`
  const bundled = await build({
    stdin: { contents: entry, resolveDir: root, loader: 'ts', sourcefile: 'page.ts' },
    bundle: true, write: false, platform: 'browser', format: 'esm', target: 'es2022', conditions: ['browser'], logLevel: 'warning',
  })
  const assets: Record<string, readonly [string, string | Uint8Array]> = {
    '/': ['text/html', '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><input type="file"><script type="module" src="/page.js"></script>'],
    '/page.js': ['text/javascript', bundled.outputFiles[0]!.text],
    ...Object.fromEntries(Object.entries(files).map(([name, bytes]) => [`/${name}`, ['application/octet-stream', bytes] as const])),
  }
  const server = createServer((req, res) => {
    const asset = assets[req.url ?? '']
    if (asset === undefined) return void res.writeHead(404).end()
    res.writeHead(200, { 'content-type': asset[0] }).end(asset[1])
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const { port } = server.address() as { readonly port: number }
  const { chromium: driver } = await import('playwright-core')
  const context = await driver.launchPersistentContext(join(dir, 'profile'), {
    executablePath: chromium,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
  return {
    context,
    origin: `http://127.0.0.1:${port}`,
    dir,
    close: async () => {
      await context.close()
      server.closeAllConnections()
      await new Promise<void>((done) => server.close(() => done()))
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Waits until `records` got no new entry for `idleMs`, at most `ms` in all. */
const quiet = async (records: ReadonlyArray<unknown>, idleMs: number, ms: number): Promise<void> => {
  const end = Date.now() + ms
  for (let seen = -1; seen !== records.length && Date.now() < end;) {
    seen = records.length
    await new Promise((resolve) => setTimeout(resolve, idleMs))
  }
}

/**
 * Once a throttled page went away mid-upload: its parts in flight die mid-body, and the emulator records each once it
 * sees its connection close, which on a loaded machine may come after the reload or the close is done. Waits until no
 * record came for half a second (after the first part recorded as cut, with `cut`, as a reload gives; after a closed
 * tab none was seen within 10 s once, under load), so that none is counted as sent by the next page.
 */
const cutOff = async (box: Box, cut = true): Promise<void> => {
  if (cut) await until(10_000, 'a part in flight when the page went, recorded as cut', () => puts(box.records).some((r) => r.status === 0 && r.code === 'connection_reset'))
  await quiet(box.records, 500, 10_000)
}

/** Resolves once `ready` holds, checked every 20 ms; fails after `ms`. */
const until = async (ms: number, what: string, ready: () => boolean): Promise<void> => {
  const deadline = Date.now() + ms
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`)
    await new Promise((done) => setTimeout(done, 20))
  }
}

/** A tab of the test's origin, what it reports collected in `events` (which a reload keeps). */
interface Tab {
  readonly page: Page
  readonly events: Array<PageEvent>
  /** Chromium's own limit on what the page sends, in bytes per second (`null`: none). */
  readonly throttle: (bytesPerSecond: number | null) => Promise<void>
  /** Part requests (PUT) the page sent that have no answer yet, as Chromium saw them since the first `throttle`. */
  readonly sending: () => number
  readonly reload: () => Promise<void>
}

const ready = (page: Page): Promise<unknown> => page.waitForFunction(() => window.resumePage !== undefined)

const newTab = async (h: Harness): Promise<Tab> => {
  const page = await h.context.newPage()
  const events: Array<PageEvent> = []
  await page.exposeFunction('report', (event: PageEvent) => void events.push(event))
  await page.goto(`${h.origin}/`)
  await ready(page)
  let cdp: CDPSession | undefined
  const unanswered = new Set<string>()
  return {
    page,
    events,
    throttle: async (bytesPerSecond) => {
      if (cdp === undefined) {
        cdp = await h.context.newCDPSession(page)
        cdp.on('Network.requestWillBeSent', (e) => void (e.request.method === 'PUT' && unanswered.add(e.requestId)))
        for (const ended of ['Network.responseReceived', 'Network.loadingFinished', 'Network.loadingFailed'] as const) cdp.on(ended, (e) => void unanswered.delete(e.requestId))
        await cdp.send('Network.enable')
      }
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: bytesPerSecond ?? -1 })
    },
    sending: () => unanswered.size,
    reload: async () => {
      await page.reload()
      await ready(page)
    },
  }
}

/**
 * Slows what the page sends to a crawl and waits until a part is being sent, so that the next reload cuts one
 * mid-body. At 4 MiB/s a part is sent in ~0.1 s and the page hashes the next one meanwhile: one or two parts are on
 * their way at a time (measured), and the old page keeps sending while the reload loads the new one, so they may
 * finish first (on a loaded machine the whole suite once had no part cut, and `cutOff` waited 10 s in vain). Parts
 * whose bodies were whole before the crawl are answered first (the records settle); a part then being sent stays
 * half sent for minutes.
 */
const sendingPart = async (tab: Tab, box: Box): Promise<void> => {
  await tab.throttle(crawl)
  await quiet(box.records, 300, 10_000)
  await until(10_000, 'a part being sent at a crawl', () => tab.sending() > 0)
}

interface Box {
  readonly url: string
  readonly apiUrl: string
  readonly records: Array<RequestRecord>
  readonly close: () => Promise<void>
}

const startBox = async (options: EmulatorOptions = {}): Promise<Box> => {
  const records: Array<RequestRecord> = []
  const served = await serve({ port: 0, partSize, ...options, onRequest: (record) => void (record.method !== 'OPTIONS' && records.push(record)) })
  return { url: served.url, apiUrl: served.apiUrl, records, close: served.close }
}

/** An emulator for one test, closed when it ends. */
const withBox = (options: EmulatorOptions, run: (box: Box) => Promise<void>) => async (): Promise<void> => {
  const box = await startBox(options)
  try {
    await run(box)
  } finally {
    await box.close()
  }
}

const authorized = { headers: { authorization: `Bearer ${token}` } }

interface Held {
  readonly offset: number
  readonly size: number
  readonly sha1: string
}

/** The parts the emulator holds for a session. */
const held = async (box: Box, id: string): Promise<ReadonlyArray<Held>> => {
  const answer = await fetch(`${box.url}/files/upload_sessions/${id}/parts?limit=1000`, authorized)
  assert.is(answer.status, 200, 'the session lists its parts')
  return ((await answer.json()) as { readonly entries: ReadonlyArray<Held> }).entries
}

/** Each part Box holds is whole and holds the source's bytes at its place. */
const wholeAndRight = (parts: ReadonlyArray<Held>, bytes: Uint8Array): void => {
  for (const { offset, size, sha1 } of parts) {
    assert.is(offset % partSize, 0, `part at ${offset} starts a part`)
    assert.is(size, Math.min(partSize, bytes.length - offset), `part at ${offset} is whole`)
    assert.is(sha1, sha1Hex(bytes.subarray(offset, offset + size)), `part at ${offset} holds the source's bytes`)
  }
}

const sessionId = async (page: Page): Promise<string> =>
  (JSON.parse((await page.evaluate(() => localStorage.getItem('upload'))) ?? 'null') as { readonly session: { readonly id: string } }).session.id

const stored = (page: Page): Promise<string | null> => page.evaluate(() => localStorage.getItem('upload'))

const jobOf = (box: Box, file: FileName | 'input'): Job =>
  ({ uploadUrl: box.url, apiUrl: box.apiUrl, file: file === 'input' ? 'input' : { url: `/${file}`, name: 'holiday.mov' } })

/** Starts the recipe's upload of `file` in the tab, and waits until Box confirmed `parts` parts. */
const uploadUntil = async (tab: Tab, box: Box, parts: number, file: FileName = 'a.bin'): Promise<void> => {
  await tab.page.evaluate((job) => void window.resumePage.start(job), jobOf(box, file))
  await until(30_000, `${parts} parts confirmed`, () => tab.events.some((e) => e.kind === 'progress' && e.partsUploaded >= parts))
}

/** Resumes in the tab with `file` (fetched, or the one picked in the input), bounded in time. */
const resumeWith = (tab: Tab, box: Box, file: FileName | 'input'): Promise<Outcome> =>
  within(60_000, 'resume', tab.page.evaluate((job) => window.resumePage.resume(job), jobOf(box, file)))

const puts = (records: ReadonlyArray<RequestRecord>): ReadonlyArray<RequestRecord> => records.filter((r) => r.method === 'PUT')
const commits = (records: ReadonlyArray<RequestRecord>): ReadonlyArray<RequestRecord> => records.filter((r) => r.method === 'POST' && r.path.endsWith('/commit'))
const progressOf = (events: ReadonlyArray<PageEvent>) => events.flatMap((e) => (e.kind === 'progress' ? [e] : []))

const download = async (box: Box, id: string): Promise<Uint8Array> =>
  new Uint8Array(await (await fetch(`${box.apiUrl}/files/${id}/content`, authorized)).arrayBuffer())

/**
 * The resume sent only the parts Box lacked, each stored at once (no 409 from a part the dead page left half sent),
 * its progress started from the parts Box held and ended at the whole file, and Box committed the source's bytes.
 */
const resumedRight = async (box: Box, outcome: Outcome, before: ReadonlyArray<Held>, from: number, events: ReadonlyArray<PageEvent>, bytes: Uint8Array): Promise<void> => {
  if (!outcome.ok) throw new Error(`resume failed: ${outcome.text}`)
  const sent = puts(box.records.slice(from))
  assert.equal(sent.map((r) => r.status), Array<number>(Math.ceil(bytes.length / partSize) - before.length).fill(200), 'only the missing parts were sent')
  const progress = progressOf(events)
  assert.equal(progress[0], { kind: 'progress', partsUploaded: before.length, bytesUploaded: before.reduce((sum, part) => sum + part.size, 0) }, 'progress starts from the parts Box held')
  assert.equal(progress.at(-1), { kind: 'progress', partsUploaded: Math.ceil(bytes.length / partSize), bytesUploaded: bytes.length })
  assert.is(outcome.sha1, sha1Hex(bytes))
  sameBytes(await download(box, outcome.id), bytes)
}

const Browser = suite('a browser tab reloaded or closed mid-upload, then resumed (Chromium)')
const installed = existsSync(chromium)
if (!installed) console.log(`BrowserResume: no Chromium at ${chromium}: skipped (apt-get install -y chromium)`)
const test = installed ? Browser : Browser.skip
let harness: Harness | undefined
Browser.before(async () => {
  if (installed) harness = await within(60_000, 'starting Chromium', open())
})
Browser.after(async () => {
  await harness?.close()
})
Browser.before.each(async () => {
  // Each test is a new visit of the same origin: nothing stored from the one before.
  for (const page of harness?.context.pages() ?? []) await page.close()
})

test('should resume after a reload mid-upload: the parts Box confirmed are not sent again, none is half stored', withBox({}, async (box) => {
  const tab = await newTab(harness!)
  await tab.throttle(throttle)
  await uploadUntil(tab, box, 10)
  const id = await sessionId(tab.page)
  await sendingPart(tab, box)
  await tab.reload()
  // The parts in flight died with the page mid-body: the emulator records each once it sees its connection close,
  // which on a loaded machine may come after the reload is done. Wait for it, so that none is counted as resent.
  await cutOff(box)
  const gone = box.records.length
  const before = await held(box, id)
  // What the page had sent: every part Box answered is held whole and right, and no more; none of those cut is held.
  assert.is(before.length, puts(box.records).filter((r) => r.status === 200).length)
  assert.ok(before.length >= 10 && before.length < totalParts, `${before.length} parts held`)
  wholeAndRight(before, files['a.bin'])
  assert.equal(await tab.page.evaluate(() => window.resumePage.unfinished()), { fileName: 'holiday.mov', fileSize })

  await tab.throttle(null)
  tab.events.length = 0
  const outcome = await resumeWith(tab, box, 'a.bin')
  await resumedRight(box, outcome, before, gone, tab.events, files['a.bin'])
  assert.is(commits(box.records).length, 1)
  assert.is(await stored(tab.page), null, 'the stored session is forgotten once the file is committed')
}))

test('should resume in a new tab after the tab was closed, with the file picked again; another file of the same size is refused first', withBox({}, async (box) => {
  const first = await newTab(harness!)
  await first.throttle(throttle)
  await uploadUntil(first, box, 10)
  const id = await sessionId(first.page)
  await first.page.close()
  await cutOff(box, false)
  const before = await held(box, id)
  wholeAndRight(before, files['a.bin'])

  const tab = await newTab(harness!)
  assert.equal(await tab.page.evaluate(() => window.resumePage.unfinished()), { fileName: 'holiday.mov', fileSize })
  const from = box.records.length
  await tab.page.setInputFiles('input[type=file]', join(harness!.dir, 'b.bin'))
  const wrong = await resumeWith(tab, box, 'input')
  assert.equal(wrong.ok ? wrong : { tag: wrong.tag, kept: wrong.kept }, { tag: 'DigestMismatch', kept: true })
  assert.match((wrong as { readonly text: string }).text, /part 0 \(bytes 0-524287\/20970520\): Box holds offset 0, size 524288/)
  assert.equal(puts(box.records.slice(from)), [], 'nothing of the other file was sent')
  assert.equal(commits(box.records), [], 'nothing was committed')
  assert.equal(await held(box, id), before, 'the session is as it was')
  assert.ok((await stored(tab.page)) !== null, 'the session stays stored for the right file')

  await tab.page.setInputFiles('input[type=file]', join(harness!.dir, 'a.bin'))
  tab.events.length = 0
  const outcome = await resumeWith(tab, box, 'input')
  await resumedRight(box, outcome, before, from, tab.events, files['a.bin'])
}))

let skew = 0
test('should refuse a session that expired while the tab was away, and forget it', withBox({ sessionTtlMs: 60_000, clock: () => Date.now() + skew }, async (box) => {
  skew = 0
  const tab = await newTab(harness!)
  await tab.throttle(throttle)
  await uploadUntil(tab, box, 4)
  await sendingPart(tab, box)
  await tab.reload()
  await cutOff(box)
  skew = 61_000
  const from = box.records.length
  await tab.throttle(null)
  const outcome = await resumeWith(tab, box, 'a.bin')
  assert.equal(outcome.ok ? outcome : { tag: outcome.tag, status: outcome.status, code: outcome.code }, { tag: 'HttpError', status: 410, code: 'session_expired' })
  assert.match((outcome as { readonly text: string }).text, /start a new upload/)
  assert.equal(box.records.slice(from).map((r) => `${r.method} ${r.status}`), ['GET 410'], 'only the listing, refused: no part, no commit')
  assert.is(await stored(tab.page), null, 'the dead session is forgotten')
}))

test('should commit on resume after the tab was closed while Box answered the commit 202, sending no part', withBox({ minFileSize: 1, faults: { commitAccepted: 1, retryAfterSeconds: 60 } }, async (box) => {
  const first = await newTab(harness!)
  const bytes = files['c.bin']
  await first.page.evaluate((job) => void window.resumePage.start(job), jobOf(box, 'c.bin'))
  await until(30_000, 'the commit answered 202', () => commits(box.records).some((r) => r.status === 202))
  const id = await sessionId(first.page)
  await first.page.close()
  const before = await held(box, id)
  assert.is(before.length, 4)

  const tab = await newTab(harness!)
  const from = box.records.length
  const outcome = await resumeWith(tab, box, 'c.bin')
  await resumedRight(box, outcome, before, from, tab.events, bytes)
  assert.equal(commits(box.records).map((r) => r.status), [202, 201])
}))

Browser.run()
