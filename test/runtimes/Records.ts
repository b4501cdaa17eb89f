/**
 * Delivers an emulator's request records to a page or a Worker before the answers they describe.
 *
 * Tests read `onRequest` records synchronously right after a call settles. Across a process boundary that
 * only holds if each record is in the caller's hands before the answer to its request is: so the emulator is
 * put behind a proxy that holds every answer until the caller acknowledged all records that exist when the
 * answer arrives. The caller long-polls `records?from=N`; `N` (the count it already has) is its ack.
 * A held answer is let go after `ackTimeoutMs` anyway, so a caller that stopped polling cannot hang a test.
 *
 * The same channel carries a test's `clock` (a function over a variable the test moves): each poll sends its
 * value, and with a clock the proxy holds each REQUEST until a poll that arrived after it (`tick`), so the
 * emulator sees the time the test had set when it sent the request.
 */
import { createServer, request as forward, type IncomingMessage, type ServerResponse } from 'node:http'
import type { RequestRecord } from '../../src/emulator/Options.ts'

const ackTimeoutMs = 2000
const pollTimeoutMs = 1000

export interface Records {
  readonly push: (record: RequestRecord) => void
  /**
   * Answers a long poll: acks `from`, takes the caller's `clock`, then answers the records from `from` on as
   * soon as there is one, a tick is wanted, or after a while ([]).
   */
  readonly poll: (from: number, clock?: number) => Promise<ReadonlyArray<RequestRecord>>
  /** Resolves at the next poll that arrives after this call (or after the ack timeout): the caller's clock is fresh. */
  readonly tick: () => Promise<void>
  /** The caller's clock as last polled. */
  readonly now: () => number
  /** Resolves once the caller acked the first `count` records (or after the ack timeout). */
  readonly acked: (count: number) => Promise<void>
  /** Answers every waiting poll and lets every held answer go. */
  readonly close: () => void
  readonly count: () => number
}

/** A record log; `clock` is the caller's clock when it gave one. */
export const records = (clock?: number): Records => {
  const all: Array<RequestRecord> = []
  let now = clock ?? Date.now()
  let ticks: Array<() => void> = []
  let ack = 0
  let closed = false
  let pollers: Array<() => void> = []
  let holders: Array<{ readonly count: number; readonly release: () => void }> = []
  const wakePollers = (): void => {
    const woken = pollers
    pollers = []
    woken.forEach((wake) => wake())
  }
  const releaseHolders = (): void => {
    const [ready, waiting] = [holders.filter((h) => closed || h.count <= ack), holders.filter((h) => !closed && h.count > ack)]
    holders = waiting
    ready.forEach((h) => h.release())
  }
  return {
    push: (record) => {
      // CORS preflights exist only because the caller is a page on another origin; Node callers never see them.
      if (record.method === 'OPTIONS') return
      all.push(record)
      wakePollers()
    },
    poll: async (from, clock) => {
      if (clock !== undefined) now = clock
      const ticked = ticks
      ticks = []
      ticked.forEach((tick) => tick())
      ack = Math.max(ack, Math.min(from, all.length))
      releaseHolders()
      if (all.length <= from && !closed && ticks.length === 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, pollTimeoutMs)
          pollers.push(() => {
            clearTimeout(timer)
            resolve()
          })
        })
      }
      return all.slice(from)
    },
    tick: () =>
      closed
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, ackTimeoutMs)
            ticks.push(() => (clearTimeout(timer), resolve()))
            // The waiting poll answers now, so that the caller polls again with its clock.
            wakePollers()
          }),
    now: () => now,
    acked: (count) =>
      count <= ack || closed
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, ackTimeoutMs)
            holders.push({ count, release: () => (clearTimeout(timer), resolve()) })
          }),
    close: () => {
      closed = true
      wakePollers()
      releaseHolders()
      ticks.forEach((tick) => tick())
      ticks = []
    },
    count: () => all.length,
  }
}

export interface Proxy {
  readonly origin: string
  readonly close: () => Promise<void>
}

/**
 * A proxy to the emulator on 127.0.0.1 at `upstreamPort()` (known once the emulator, which needs the proxy's
 * URL for its `session_endpoints`, is started) that holds each answer until the records so far are acked, and
 * with `clocked` each request until the caller's clock is fresh.
 */
export const proxy = async (upstreamPort: () => number, log: Records, clocked = false): Promise<Proxy> => {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.pause()
    void (clocked ? log.tick() : Promise.resolve()).then(() => pass(req, res))
  })
  const pass = (req: IncomingMessage, res: ServerResponse): void => {
    const out = forward({ host: '127.0.0.1', port: upstreamPort(), method: req.method, path: req.url, headers: req.headers })
    req.pipe(out)
    req.on('error', () => out.destroy())
    // The caller gave up (an aborted fetch): so does the request to the emulator, as it would without the proxy.
    res.on('close', () => {
      if (!res.writableFinished) out.destroy()
    })
    out.on('response', (answer) => {
      void log.acked(log.count()).then(() => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      })
    })
    // The emulator reset the connection (a `reset` fault): reset ours too, after the record is delivered.
    out.on('error', () => void log.acked(log.count()).then(() => req.socket.destroy()))
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => {
      server.closeAllConnections()
      return new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
