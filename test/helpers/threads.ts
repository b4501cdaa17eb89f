/**
 * Thread counts for tests run in a child process of their own (`runModule`), where nothing else
 * starts threads. Linux: threads are the entries of /proc/self/task.
 */
import { readdirSync } from 'node:fs'

/** Threads of this process now. */
export const threadCount = (): number => readdirSync('/proc/self/task').length

/** Waits until this process is back to `count` threads or `limitMs` passed; resolves to the ms waited. */
export const backTo = async (count: number, limitMs = 10_000): Promise<number> => {
  const started = Date.now()
  while (threadCount() > count && Date.now() - started < limitMs) await new Promise((resolve) => setTimeout(resolve, 20))
  return Date.now() - started
}
