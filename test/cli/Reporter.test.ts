/**
 * The progress display: the reporter with a fake terminal (what is drawn when), then the real bin
 * in a pseudo-terminal (`script` from util-linux) drawing its bar up to 100%.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { join } from 'node:path'
import { outputOf, reporter, type Output } from '../../src/cli/Reporter.ts'
import type { Progress } from '../../src/Progress.ts'
import { BIN, cleanEnv, start, tempDir, writeFileOf } from '../helpers/cli.ts'
import { startEmulator } from '../helpers/emulator.ts'

/** A fake output: what was written, and a clock the test moves. */
const fake = (tty: boolean) => {
  const written: Array<string> = []
  let now = 0
  const output: Output = { write: (text) => void written.push(text), tty, columns: () => 100, now: () => now }
  return { output, written, tick: (ms: number) => { now += ms } }
}

const at = (parts: number): Progress => ({ bytesUploaded: parts * 1_000_000, partsUploaded: parts, totalParts: 10, fileSize: 10_000_000 })

const Fake = suite('reporter')

Fake('should redraw one line in place on a terminal, at most every 100 ms, always at 100%, and end the line once', () => {
  const { output, written, tick } = fake(true)
  const r = reporter(output)
  r.onProgress(at(0))
  tick(50)
  r.onProgress(at(1)) // too soon: skipped
  tick(60)
  r.onProgress(at(2))
  tick(1)
  r.onProgress(at(10)) // 100% is always drawn
  r.finish()
  r.finish()
  assert.is(written.length, 4)
  assert.ok(written.slice(0, 3).every((w) => w.startsWith('\r[') && w.endsWith('\x1b[K')), JSON.stringify(written))
  assert.match(written[0] as string, '   0%  0 B/10.0 MB')
  assert.match(written[1] as string, '  20%  2.00 MB/10.0 MB  18.2 MB/s  ETA 0:01  parts 2/10')
  assert.match(written[2] as string, ' 100%  10.0 MB/10.0 MB')
  assert.is(written[3], '\n')
})

Fake('should write plain lines at 0%, each tenth and 100% off a terminal', () => {
  const { output, written, tick } = fake(false)
  const r = reporter(output)
  for (let parts = 0; parts <= 10; parts++) {
    r.onProgress({ ...at(parts), bytesUploaded: parts * 1_000_000 - (parts % 2) * 500_000 })
    tick(200)
  }
  r.finish()
  // 0%, 5%, 20%, 25%, 40%, …: a line when the tenth changes
  assert.equal(written.map((w) => w.slice(0, 13)), ['progress   0%', 'progress  20%', 'progress  40%', 'progress  60%', 'progress  80%', 'progress 100%'])
  assert.ok(written.every((w) => w.endsWith('\n') && !w.includes('\r')))
  assert.ok(written.at(-1)?.startsWith('progress 100%'))
})

Fake('should print a line above the bar on a terminal and draw the bar again under it, and between the plain lines off one', () => {
  const { output, written, tick } = fake(true)
  const r = reporter(output)
  r.print('before any bar')
  r.onProgress(at(2))
  tick(200)
  r.print('PUT /x 200 5 ms')
  r.finish()
  r.print('after the bar')
  assert.is(written[0], 'before any bar\n')
  // The bar's line is cleared, the line written in its place, and the bar drawn (as it was) on the next line.
  const drawn = (written[1] as string).slice(1)
  assert.is(written[2], `\rPUT /x 200 5 ms\x1b[K\n${drawn}`)
  assert.is(written[3], '\n')
  assert.is(written[4], 'after the bar\n')
  const plain = fake(false)
  const p = reporter(plain.output)
  p.onProgress(at(0))
  p.print('POST /s 201 3 ms')
  p.onProgress(at(1))
  assert.equal(plain.written.map((w) => w.slice(0, 13)), ['progress   0%', 'POST /s 201 3', 'progress  10%'])
})

Fake('should move the bar on with the bytes sent between confirmed parts, never back, and keep parts and 100% for what Box confirmed', () => {
  const { output, written, tick } = fake(true)
  const r = reporter(output)
  r.onSending(5_000_000) // before the first report: nothing to add to yet
  const steps: ReadonlyArray<() => void> = [
    () => r.onProgress(at(0)),
    () => r.onSending(1_500_000),
    () => r.onSending(1_000_000), // less than shown (a part sent again from its start): nothing drawn
    () => r.onProgress(at(1)), // 1 MB confirmed, 1.5 MB shown: the bytes stay, the parts move
    () => r.onSending(500_000), // 1 MB + 0.5 MB: no more than shown
    () => r.onSending(20_000_000), // all sent, the last answer awaited: 99%
    () => r.onProgress(at(10)),
  ]
  for (const step of steps) {
    step()
    tick(200)
  }
  const facts = written.map((w) => w.replace(/^\r\[[█░]*\]\s+/, '').replace(/\x1b\[K$/, ''))
  assert.equal(facts.map((f) => f.split('  ').filter((x) => !x.includes('/s') && !x.startsWith('ETA')).join(' | ')), [
    '0% | 0 B/10.0 MB | parts 0/10',
    '15% | 1.50 MB/10.0 MB | parts 0/10',
    '15% | 1.50 MB/10.0 MB | parts 1/10',
    '99% | 10.00 MB/10.0 MB | parts 1/10',
    '100% | 10.0 MB/10.0 MB | parts 10/10',
  ])
})

Fake('should write plain milestone lines for bytes sent as for bytes confirmed off a terminal', () => {
  const { output, written, tick } = fake(false)
  const r = reporter(output)
  r.onProgress(at(0))
  for (const sent of [1_500_000, 3_200_000, 6_000_000]) {
    tick(200)
    r.onSending(sent)
  }
  tick(200)
  r.onProgress(at(10))
  assert.equal(written.map((w) => w.slice(0, 13)), ['progress   0%', 'progress  15%', 'progress  32%', 'progress  60%', 'progress 100%'])
  assert.match(written[2] as string, 'parts 0/10')
})

const Pty = suite('progress bar in a pseudo-terminal')

/**
 * The bin uploading a 3 MiB file (12 parts, one at a time: several redraws) to an emulator, in a pseudo-terminal
 * (`script`): what the terminal got. `shell` makes the shell line of the command's.
 */
const inTerminal = async (name: string, seed: number, flags: ReadonlyArray<string> = [], shell = (command: string) => command, env?: NodeJS.ProcessEnv) => {
  const dir = await tempDir()
  const box = await startEmulator({ minFileSize: 1, partSize: 256 * 1024, faults: { latencyMs: 40 } })
  try {
    const path = join(dir.path, name)
    await writeFileOf(path, 3 * 1024 * 1024, seed)
    const command = [process.execPath, BIN, path, '--min-file-size', '1', '--concurrency', '1', '--upload-url', box.url, '--api-url', box.apiUrl, ...flags]
      .map((arg) => `'${arg}'`).join(' ')
    return await start(['-qfec', shell(command), '/dev/null'], { command: ['script'], ...(env ? { env } : {}) }).done
  } finally {
    await box.close()
    await dir.remove()
  }
}

Pty('should draw the bar in place with its percent, bytes, speed, ETA and parts, ending at 100%', async () => {
  const ran = await inTerminal('tty.bin', 13)
  assert.is(ran.code, 0, ran.stdout)
  const frames = ran.stdout.split('\r').filter((frame) => frame.startsWith('['))
  assert.ok(frames.length >= 3, `several frames: ${JSON.stringify(frames)}`)
  const percents = frames.map((frame) => Number(/\]\s+(\d+)%/.exec(frame)?.[1]))
  assert.is(percents[0], 0)
  assert.is(percents.at(-1), 100)
  assert.ok(percents.some((p) => p > 0 && p < 100), `a percent between: ${percents.join(' ')}`)
  assert.ok(percents.every((p, i) => i === 0 || p >= (percents[i - 1] as number)), 'never backwards')
  assert.match(frames.at(-1) as string, /100%  3\.15 MB\/3\.15 MB  \S+ MB\/s  ETA 0:00  parts 12\/12/)
  assert.match(frames.at(-1) as string, `[${'█'.repeat(10)}`)
  assert.match(ran.stdout, 'Uploaded to the server at')
})

Pty('should print --verbose\'s lines above the bar, leaving no bar behind but the last', async () => {
  const ran = await inTerminal('verbose.bin', 15, ['--verbose'], (command) => `${command} >/dev/null`)
  assert.is(ran.code, 0, ran.stdout)
  // What the terminal shows of each line: what follows its last carriage return, the erases dropped.
  const shown = ran.stdout.replace(/\x1b\[K/g, '').split(/\r?\n/).map((line) => line.slice(line.lastIndexOf('\r') + 1))
  const bars = shown.filter((line) => line.startsWith('['))
  assert.is(bars.length, 1, JSON.stringify(shown))
  assert.match(bars[0] as string, '100%')
  assert.is(shown.filter((line) => / PUT \/api\/2\.0\/files\/upload_sessions\/\w+ \(bytes \d+-\d+\/3145728\) 200 \d+ ms$/.test(line)).length, 12, JSON.stringify(shown))
  assert.ok(shown.some((line) => / GET \/2\.0\/files\/\d+\/content 200 \d+ ms$/.test(line)), 'the download check')
})

Pty('should never draw past a very narrow terminal (3 columns): the line would wrap, leaving one per redraw', async () => {
  const ran = await inTerminal('narrow.bin', 14, [], (command) => `stty cols 3; ${command} >/dev/null`, cleanEnv({ COLUMNS: '3' }))
  assert.is(ran.code, 0, ran.stdout)
  // What follows each carriage return up to the erase: one frame of the bar.
  const frames = [...ran.stdout.matchAll(/\r([^\r\n]*?)\x1b\[K/g)].map((m) => m[1] as string)
  assert.ok(frames.length >= 2, JSON.stringify(ran.stdout))
  assert.ok(frames.every((frame) => frame.length <= 2), `at most 2 columns (the last one left free): ${JSON.stringify(frames)}`)
  assert.is(frames[0], '0%')
})

const Width = suite('outputOf')

Width('should take the terminal\'s width, else COLUMNS (a pseudo-terminal never sized), else 80', () => {
  const stream = (columns: number) => ({ isTTY: true, columns, write: () => true }) as unknown as NodeJS.WriteStream
  assert.is(outputOf(stream(120), { COLUMNS: '3' }).columns(), 120)
  assert.is(outputOf(stream(0), { COLUMNS: '3' }).columns(), 3)
  assert.is(outputOf(stream(0), { COLUMNS: ' 40 ' }).columns(), 40)
  for (const bad of [undefined, '', '0', 'wide', '-3', '1e3']) assert.is(outputOf(stream(0), { COLUMNS: bad }).columns(), 80, String(bad))
})

Fake.run()
Pty.run()
Width.run()
