import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { bar, eta, formatBytes, formatDuration, formatRate, isMilestone, line, percent, rate, sample } from '../../src/cli/ProgressBar.ts'
import type { Shown, Speed } from '../../src/cli/ProgressBar.ts'

const at = (bytesUploaded: number, extra: Partial<Shown> = {}): Shown =>
  ({ bytesUploaded, fileSize: 67_108_864, partsUploaded: Math.floor(bytesUploaded / 8_388_608), totalParts: 8, rate: 50_000_000, ...extra })

const Percent = suite('percent')

Percent('should round down so that 100% means every byte is confirmed', () => {
  assert.is(percent(at(0)), 0)
  assert.is(percent(at(33_554_432)), 50)
  assert.is(percent(at(67_108_863)), 99)
  assert.is(percent(at(67_108_864)), 100)
  assert.is(percent({ ...at(0), fileSize: 0 }), 100)
})

const Format = suite('format')

Format('should write byte counts in decimal units with three significant digits', () => {
  const table: ReadonlyArray<readonly [number, string]> = [
    [0, '0 B'], [999, '999 B'], [1000, '1.00 kB'], [20_000_000, '20.0 MB'], [67_108_864, '67.1 MB'],
    [999_999_999, '1000 MB'], [1_073_741_824, '1.07 GB'], [2e12, '2.00 TB'],
  ]
  for (const [n, text] of table) assert.is(formatBytes(n), text, String(n))
})

Format('should write rates and durations, with dashes while unknown', () => {
  assert.is(formatRate(undefined), '-- MB/s')
  assert.is(formatRate(112_400_000), '112 MB/s')
  assert.is(formatRate(5_550_000.4), '5.55 MB/s')
  const table: ReadonlyArray<readonly [number | undefined, string]> = [
    [undefined, '--:--'], [Infinity, '--:--'], [0, '0:00'], [0.2, '0:01'], [59, '0:59'], [61, '1:01'], [3600, '1:00:00'], [3723, '1:02:03'],
  ]
  for (const [s, text] of table) assert.is(formatDuration(s), text, String(s))
})

const Eta = suite('eta')

Eta('should divide what is left by the speed, and be 0 when done', () => {
  assert.is(eta(at(17_108_864, { rate: 10_000_000 })), 5)
  assert.is(eta(at(0, { rate: undefined })), undefined)
  assert.is(eta(at(0, { rate: 0 })), undefined)
  assert.is(eta(at(67_108_864, { rate: undefined })), 0)
})

const Speeds = suite('sample and rate')

Speeds('should measure bytes per second over a sliding window', () => {
  const add = sample(1000)
  let speed: Speed = []
  assert.is(rate(speed), undefined)
  speed = add(0, 0)(speed)
  speed = add(50, 1_000)(speed)
  assert.is(rate(speed), undefined, 'less than 100 ms of history')
  speed = add(500, 10_000)(speed)
  assert.is(rate(speed), 20_000)
  speed = add(2000, 100_000)(speed)
  speed = add(2500, 150_000)(speed)
  // keeps one point before the window (t=500) to measure from, forgets t=0 and t=50
  assert.equal(speed, [[500, 10_000], [2000, 100_000], [2500, 150_000]])
  assert.is(rate(speed), 70_000)
})

const Bar = suite('bar')

Bar('should draw a bar and every fact within the width', () => {
  const text = bar(100)(at(33_554_432, { partsUploaded: 4 }))
  assert.is(text, `[${'█'.repeat(20)}${'░'.repeat(20)}]   50%  33.6 MB/67.1 MB  50.0 MB/s  ETA 0:01  parts 4/8`)
  for (const width of [200, 100, 80, 60, 40, 20, 5]) {
    assert.ok(bar(width)(at(1_000_000)).length <= width, `width ${width}`)
  }
  assert.ok(bar(80)(at(67_108_864, { partsUploaded: 8 })).includes('100%'))
  assert.ok(bar(20)(at(33_554_432)).includes('50%'), 'the percent stays on narrow terminals')
})

Bar('should stay within a very narrow width, down to none, keeping the percent while it fits', () => {
  for (let width = 0; width <= 12; width++) {
    for (const bytes of [0, 1_000_000, 33_554_432, 67_108_864]) {
      assert.ok(bar(width)(at(bytes)).length <= width, `width ${width}, ${bytes} bytes: ${JSON.stringify(bar(width)(at(bytes)))}`)
    }
  }
  const table: ReadonlyArray<readonly [number, number, string]> = [
    [4, 67_108_864, '100%'], [3, 33_554_432, '50%'], [2, 0, '0%'], [2, 33_554_432, '50'], [2, 67_108_864, ''], [0, 0, ''],
  ]
  for (const [width, bytes, text] of table) assert.is(bar(width)(at(bytes)), text, `width ${width}`)
})

Bar('should drop whole facts from the last on a narrow terminal, never cutting a number short', () => {
  const p = at(33_554_432, { partsUploaded: 4 })
  const table: ReadonlyArray<readonly [number, string]> = [
    [66, ' 50%  33.6 MB/67.1 MB  50.0 MB/s  ETA 0:01  parts 4/8'],
    [53, ' 50%  33.6 MB/67.1 MB  50.0 MB/s  ETA 0:01  parts 4/8'],
    [52, ' 50%  33.6 MB/67.1 MB  50.0 MB/s  ETA 0:01'],
    [42, ' 50%  33.6 MB/67.1 MB  50.0 MB/s  ETA 0:01'],
    [41, ' 50%  33.6 MB/67.1 MB  50.0 MB/s'],
    [21, ' 50%  33.6 MB/67.1 MB'],
    [20, ' 50%'],
    [4, ' 50%'],
  ]
  for (const [width, text] of table) assert.is(bar(width)(p), text, `width ${width}`)
})

Bar('should fill the bar in proportion', () => {
  const full = (p: Shown) => [...bar(100)(p)].filter((c) => c === '█').length
  assert.is(full(at(0)), 0)
  assert.is(full(at(67_108_864)), 40)
  assert.is(full(at(16_777_216)), 10)
  // Rounded down as the percent is: a cell fills once its whole share is there, and the bar is full only at 100%.
  assert.is(full(at(Math.ceil(67_108_864 * 0.99))), 39, '99%: not a full bar')
  assert.is(full(at(Math.ceil(67_108_864 * 0.42))), 16, '42% of 40 cells: 16.8')
})

const Line = suite('line and isMilestone')

Line('should write a plain line for logs', () => {
  assert.is(line(at(0, { rate: undefined })), 'progress   0%  0 B/67.1 MB  -- MB/s  ETA --:--  parts 0/8')
})

// Past 4 GiB (2^32 bytes) nothing wraps: a 5 GiB file in 32 MiB parts, 4 GiB + 32 MiB of it confirmed.
Line('should write the numbers of a file past 4 GiB', () => {
  const big = { bytesUploaded: 2 ** 32 + 2 ** 25, fileSize: 5 * 2 ** 30, partsUploaded: 129, totalParts: 160, rate: 300_000_000 }
  assert.is(line(big), 'progress  80%  4.33 GB/5.37 GB  300 MB/s  ETA 0:04  parts 129/160')
  assert.is(bar(120)(big), `[${'█'.repeat(32)}${'░'.repeat(8)}]   80%  4.33 GB/5.37 GB  300 MB/s  ETA 0:04  parts 129/160`)
  assert.is(line({ ...big, rate: 1_000_000 }), 'progress  80%  4.33 GB/5.37 GB  1.00 MB/s  ETA 17:21  parts 129/160')
})

Line('should mark 0%, each new tenth and 100% as milestones', () => {
  assert.ok(isMilestone(undefined, at(0)))
  assert.not.ok(isMilestone(at(0), at(6_000_000)))
  assert.ok(isMilestone(at(6_000_000), at(7_000_000)))
  assert.ok(isMilestone(at(67_000_000), at(67_108_864)))
  assert.not.ok(isMilestone(at(67_108_864), at(67_108_864)))
})

Percent.run()
Format.run()
Eta.run()
Speeds.run()
Bar.run()
Line.run()
