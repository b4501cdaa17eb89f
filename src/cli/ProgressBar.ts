/**
 * Progress of an upload as text: the live bar drawn on a terminal and the plain lines written
 * when the output is not one. Pure functions of a `Shown` value (the pipeline's `Progress` plus a
 * speed), so tests call them directly.
 */
import type { Progress } from '../Progress.ts'

// ---------------------------------------------------------------------------------------------
// model

/** What is shown: the pipeline's latest report (parts Box confirmed; bytes those, or more as parts are sent) and the recent speed. */
export interface Shown extends Progress {
  /** Recent speed in bytes per second, `undefined` until it is known. */
  readonly rate: number | undefined
}

/** Recent `(time, bytes)` samples, oldest first, to measure speed over a sliding window. */
export type Speed = ReadonlyArray<readonly [ms: number, bytes: number]>

// ---------------------------------------------------------------------------------------------
// operations

/** Adds a sample and forgets the ones older than `windowMs` (keeping at least one older point to measure from). */
export const sample = (windowMs: number) => (ms: number, bytes: number) => (speed: Speed): Speed => {
  const all = [...speed, [ms, bytes] as const]
  const firstInWindow = all.findIndex(([t]) => ms - t <= windowMs)
  return all.slice(Math.max(0, firstInWindow - 1))
}

/** Bytes per second over the samples, `undefined` with less than 100 ms of history. */
export const rate = (speed: Speed): number | undefined => {
  const first = speed[0]
  const last = speed[speed.length - 1]
  if (first === undefined || last === undefined || last[0] - first[0] < 100) return undefined
  return ((last[1] - first[1]) * 1000) / (last[0] - first[0])
}

/** Whole percent done, rounded down: 100 only when every byte is confirmed. */
export const percent = (p: Shown): number =>
  p.fileSize <= 0 ? 100 : Math.min(100, Math.floor((p.bytesUploaded * 100) / p.fileSize))

/** Seconds left at the current speed, `undefined` when unknown. */
export const eta = (p: Shown): number | undefined =>
  p.bytesUploaded >= p.fileSize ? 0 : p.rate === undefined || p.rate <= 0 ? undefined : (p.fileSize - p.bytesUploaded) / p.rate

/** `512 B`, `20.0 MB`, `1.07 GB` (decimal units, as Box and disk makers count). */
export const formatBytes = (n: number): string => {
  if (n < 1000) return `${n} B`
  const [value, unit] = n < 1e6 ? [n / 1e3, 'kB'] : n < 1e9 ? [n / 1e6, 'MB'] : n < 1e12 ? [n / 1e9, 'GB'] : [n / 1e12, 'TB']
  return `${value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0)} ${unit}`
}

/** `12.3 MB/s`, or `-- MB/s` while unknown. */
export const formatRate = (bytesPerSecond: number | undefined): string =>
  bytesPerSecond === undefined ? '-- MB/s' : `${formatBytes(Math.round(bytesPerSecond))}/s`

/** `0:07`, `12:34`, `1:02:03`, or `--:--` while unknown. */
export const formatDuration = (seconds: number | undefined): string => {
  if (seconds === undefined || !Number.isFinite(seconds)) return '--:--'
  const s = Math.ceil(seconds)
  const two = (n: number) => String(n).padStart(2, '0')
  return s >= 3600 ? `${Math.floor(s / 3600)}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}` : `${Math.floor(s / 60)}:${two(s % 60)}`
}

/** The facts after the bar: `42%  28.2 MB/67.1 MB  112 MB/s  ETA 0:01  parts 3/8`. */
const facts = (p: Shown): ReadonlyArray<string> => [
  `${String(percent(p)).padStart(3)}%`,
  `${formatBytes(p.bytesUploaded)}/${formatBytes(p.fileSize)}`,
  formatRate(p.rate),
  `ETA ${formatDuration(eta(p))}`,
  `parts ${p.partsUploaded}/${p.totalParts}`,
]

/**
 * One terminal line of at most `width` columns: a bar, then the facts. The bar shrinks first
 * and disappears on narrow terminals, then the facts from the last, whole (a number cut short would
 * mislead); the percent stays while it fits (a wider line would wrap, and every redraw would leave a
 * line behind).
 */
export const bar = (width: number) => (p: Shown): string => {
  const all = facts(p)
  const text = all.join('  ')
  const room = width - text.length - 4
  if (room < 10) {
    const fitting = all.map((_, n) => all.slice(0, n + 1).join('  ')).filter((line) => line.length <= width).pop()
    return fitting ?? [`${percent(p)}%`, `${percent(p)}`].find((short) => short.length <= width) ?? ''
  }
  const cells = Math.min(40, room)
  const full = Math.floor((cells * percent(p)) / 100)
  return `[${'█'.repeat(full)}${'░'.repeat(cells - full)}]  ${text}`
}

/** One plain line for logs: `progress  42%  28.2 MB/67.1 MB  112 MB/s  ETA 0:01  parts 3/8`. */
export const line = (p: Shown): string => `progress ${facts(p).join('  ')}`

/** Plain lines are written at 0%, at each new tenth, and at 100%: few enough for a log, regular enough to watch. */
export const isMilestone = (previous: Shown | undefined, next: Shown): boolean =>
  previous === undefined || Math.floor(percent(previous) / 10) !== Math.floor(percent(next) / 10)
