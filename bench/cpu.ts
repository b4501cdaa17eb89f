/**
 * CPU time of the upload benchmark's two processes, to show what bounds a run: this process (every
 * thread: main, hashing workers, V8's helpers) and the emulator's. The machine's cores are shared by
 * both, so CPU-seconds per GiB say how fast a run could go with every core busy.
 */
import { readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'

const GiB = 1024 ** 3

/** CPU seconds used so far by this process and by the emulator's, at a moment (ms). */
export interface CpuSample {
  readonly at: number
  readonly client: number
  readonly emulator: number
}

/** CPU seconds of another process, all threads, from `/proc` (Linux); NaN where it cannot be read. */
const cpuOfProcess = (pid: number): number => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // After the command name (which may hold spaces): state is field 3, utime 14 and stime 15, in
    // clock ticks of 1/100 s (USER_HZ on Linux).
    const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return Number.NaN
  }
}

/** A function that samples this process's CPU time and the emulator's (`emulatorPid`). */
export const cpuSampler = (emulatorPid: number | undefined) => (): CpuSample => {
  const own = process.cpuUsage()
  return {
    at: performance.now(),
    client: (own.user + own.system) / 1e6,
    emulator: emulatorPid === undefined ? Number.NaN : cpuOfProcess(emulatorPid),
  }
}

/** What a stretch that moved `bytes` cost: CPU seconds per GiB on each side, and how many cores were busy on average. */
export interface CpuUse {
  readonly client: number
  readonly emulator: number
  readonly busyCores: number
}

/** The CPU use between two samples of a stretch that moved `bytes`. */
export const cpuUse = (bytes: number, from: CpuSample, to: CpuSample): CpuUse => {
  const client = to.client - from.client
  const emulator = to.emulator - from.emulator
  return { client: client / (bytes / GiB), emulator: emulator / (bytes / GiB), busyCores: (client + emulator) / ((to.at - from.at) / 1000) }
}

/** This machine's cores (as Node sees them). */
export const cores = availableParallelism()

/** The throughput (MB/s) that `cores` fully busy would allow at this CPU cost per GiB. */
export const cpuBound = (use: CpuUse): number => (cores / (use.client + use.emulator)) * (GiB / 1e6)

/** E.g. `1.80 + 2.20 = 4.00 CPU-s per GiB, 1.70 cores busy on average; all 2 cores busy at this cost: 537 MB/s`. */
export const describeCpu = (use: CpuUse): string =>
  Number.isNaN(use.emulator)
    ? `${use.client.toFixed(2)} CPU-s per GiB in this process (the emulator's CPU time is read from /proc, which this system lacks)`
    : `${use.client.toFixed(2)} + ${use.emulator.toFixed(2)} = ${(use.client + use.emulator).toFixed(2)} CPU-s per GiB, ` +
      `${use.busyCores.toFixed(2)} cores busy on average; all ${cores} cores busy at this cost: ${cpuBound(use).toFixed(0)} MB/s`
