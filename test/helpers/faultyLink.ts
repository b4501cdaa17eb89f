/**
 * A bad network between a client and a server, at the TCP level, where no server code runs: a proxy
 * (node:net, 127.0.0.1, port 0) that forwards each connection's bytes to a port on 127.0.0.1 and may,
 * per connection, throttle them (bytes per second), stall them (stop forwarding, one direction or both,
 * the sockets kept open: TCP's own backpressure then holds the sender, as on a link that went dead),
 * cut them (destroy both sides, with a reset, after N bytes) or half-close them (a FIN to one side after
 * N bytes, the other direction going on). The emulator's own faults (429, 5xx, a reset in its code, slow
 * answers) are answers of a server; these are what a router, a NAT or a dying Wi-Fi do.
 *
 * Each connection gets a plan from the test's `plan(index, random)`, with a PRNG seeded from the seed
 * and the connection's number, so a seed names the same plans (connections may still be opened in
 * another order when timing differs). `up` is client to server (a request, a part's body), `down` server
 * to client (the answer). `close()` ends the proxy and every connection it holds.
 */
import { type AddressInfo, type Server, type Socket, connect, createServer } from 'node:net'
import { mulberry32 } from '../../src/emulator/Faults.ts'
import { serve } from '../../src/emulator/node.ts'
import type { EmulatorOptions, RequestRecord } from '../../src/emulator/Options.ts'

/** Which way bytes flow: `up` from the client to the server, `down` back. */
export type Direction = 'up' | 'down'

/** What happens to a connection once `afterBytes` bytes went in `direction` (counted from when `after` was first seen going up, if given). */
export interface Fault {
  readonly direction: Direction
  readonly afterBytes: number
  /**
   * Count from the moment this text (latin1, e.g. `'PUT '`) has gone up on the connection, not from its start:
   * `{ direction: 'down', afterBytes: 0, after: 'PUT ' }` lets a part's request through whole and cuts its answer.
   */
  readonly after?: string | undefined
  /** Asked when the fault is due: false lets this connection go on untouched (e.g. to fault only the first part sent). */
  readonly onlyIf?: (() => boolean) | undefined
}

/** What one connection meets. Faults not given do not happen. */
export interface LinkPlan {
  /** Bytes per second, each direction on its own. */
  readonly throttle?: number | undefined
  /** Destroy both sockets (a TCP reset to each side) once the fault's bytes went through. */
  readonly cut?: Fault | undefined
  /** Stop forwarding (in `direction`, or both with `both`) once the fault's bytes went through, the sockets open. */
  readonly stall?: (Fault & { readonly both?: boolean | undefined }) | undefined
  /** Send a FIN to the receiving side of `direction` once the fault's bytes went through; nothing more goes that way. */
  readonly halfClose?: Fault | undefined
}

/** What happened on one connection, for a failing test's message. */
export interface LinkRecord {
  readonly index: number
  readonly plan: LinkPlan
  /** Bytes forwarded each way. */
  readonly up: number
  readonly down: number
  /** The faults that fired, in order, e.g. `cut down@0`. */
  readonly fired: ReadonlyArray<string>
}

export interface FaultyLinkOptions {
  /** The port on 127.0.0.1 to forward to, read at each connection (so the server may start after the proxy). */
  readonly target: () => number
  /** Seeds the PRNG each connection's plan is drawn with. */
  readonly seed?: number | undefined
  /**
   * Bytes per second each way for all connections together, as one slow link (a plan's `throttle` limits
   * its connection on top of that).
   */
  readonly bandwidth?: number | undefined
  /** The plan of connection number `index` (0-based, in the order they were accepted); default none. */
  readonly plan?: ((index: number, random: () => number) => LinkPlan) | undefined
}

export interface FaultyLink {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string
  /** Every connection so far, with what it met. */
  readonly records: () => ReadonlyArray<LinkRecord>
  /** Connections currently open. */
  readonly open: () => number
  /** Lets every stalled direction go on (a link that came back). */
  readonly release: () => void
  readonly close: () => Promise<void>
}

type Kind = 'cut' | 'stall' | 'halfClose'
const kinds: ReadonlyArray<Kind> = ['cut', 'stall', 'halfClose']

/** Starts the proxy; the caller must `close()` it. */
export const startFaultyLink = async (options: FaultyLinkOptions): Promise<FaultyLink> => {
  const sockets = new Set<Socket>()
  const records: Array<{ -readonly [K in keyof LinkRecord]: LinkRecord[K] } & { fired: string[] }> = []
  const stalled = new Set<() => void>()
  const seed = options.seed ?? 1
  // When the shared link is next free each way (performance.now() ms): a slice waits for its turn on it.
  const linkFree: Record<Direction, number> = { up: 0, down: 0 }
  const server: Server = createServer({ pauseOnConnect: true, allowHalfOpen: true }, (client) => {
    const index = records.length
    // One PRNG per connection, from the seed and its number: a plan does not depend on how many draws others made.
    const plan = options.plan?.(index, mulberry32((seed * 7919 + index * 104_729) >>> 0 || 1)) ?? {}
    const record = { index, plan, up: 0, down: 0, fired: [] as string[] }
    records.push(record)
    const server = connect({ port: options.target(), host: '127.0.0.1', allowHalfOpen: true })
    for (const socket of [client, server]) {
      sockets.add(socket)
      socket.once('close', () => sockets.delete(socket))
      // A reset from either side ends both, as the kernel's would on one connection.
      socket.on('error', () => { client.destroy(); server.destroy() })
    }
    client.once('close', () => server.destroy())
    server.once('close', () => client.destroy())
    // Where each fault's `after` text was seen: the offset its end has going up, and the bytes gone down by then.
    const seenAfter = new Map<string, Readonly<Record<Direction, number>>>()
    let received = 0
    let tail = ''
    const pumps = { up: pump(client, server, 'up'), down: pump(server, client, 'down') }
    server.once('connect', () => client.resume())

    /** Forwards `from`'s bytes to `to` (and its FIN, once they are through), applying the plan's faults in `direction`. */
    function pump(from: Socket, to: Socket, direction: Direction) {
      const queue: Buffer[] = []
      let stopped = false
      let busy = false
      let ended = false
      from.on('data', (chunk: Buffer) => {
        if (direction === 'up') watch(chunk)
        queue.push(chunk)
        from.pause()
        void drain()
      })
      from.once('end', () => { ended = true; void drain() })
      const drain = async (): Promise<void> => {
        if (busy) return
        busy = true
        try {
          while (queue.length > 0 && !stopped && !to.destroyed) {
            const chunk = queue[0] as Buffer
            const due = budget(direction)
            if (due !== undefined && due.bytes < chunk.length) {
              // Forward what fits before the fault, then let it fire.
              if (due.bytes > 0) await send(to, chunk.subarray(0, due.bytes), direction)
              queue[0] = chunk.subarray(due.bytes)
              fire(due.kind)
              continue
            }
            queue.shift()
            await send(to, chunk, direction)
          }
        } finally {
          busy = false
        }
        if (stopped || to.destroyed) return
        if (queue.length === 0 && ended) to.end()
        else if (queue.length === 0) from.resume()
      }
      return {
        stop: () => { stopped = true; from.pause() },
        go: () => { if (stopped) { stopped = false; void drain() } },
        // Nothing more goes this way: a FIN to the receiver, whatever else comes is dropped.
        finish: () => { stopped = true; queue.length = 0; to.end(); from.removeAllListeners('data'); from.on('data', () => undefined); from.resume() },
      }
    }

    /** Bytes that may go in `direction` before the first fault due there, and which; undefined when none is due. */
    function budget(direction: Direction): { bytes: number; kind: Kind } | undefined {
      let first: { bytes: number; kind: Kind } | undefined
      for (const kind of kinds) {
        const fault = plan[kind]
        if (fault === undefined || fault.direction !== direction || record.fired.some((f) => f.startsWith(kind))) continue
        const start = fault.after === undefined ? 0 : seenAfter.get(fault.after)?.[direction]
        if (start === undefined) continue
        const bytes = Math.max(0, start + fault.afterBytes - record[direction])
        if (first === undefined || bytes < first.bytes) first = { bytes, kind }
      }
      return first
    }

    function fire(kind: Kind): void {
      const fault = plan[kind] as Fault & { readonly both?: boolean }
      if (fault.onlyIf?.() === false) return void record.fired.push(`${kind} skipped`)
      record.fired.push(`${kind} ${fault.direction}@${record[fault.direction]}`)
      if (kind === 'cut') {
        reset(client)
        reset(server)
      } else if (kind === 'stall') {
        const which = fault.both ? [pumps.up, pumps.down] : [pumps[fault.direction]]
        for (const p of which) p.stop()
        const release = (): void => { stalled.delete(release); for (const p of which) p.go() }
        stalled.add(release)
      } else {
        pumps[fault.direction].finish()
      }
    }

    /** Writes `bytes` on, at the plan's and the link's rates, waiting for the receiver to take them (backpressure). */
    async function send(to: Socket, bytes: Buffer, direction: Direction): Promise<void> {
      const rate = plan.throttle
      const shared = options.bandwidth
      // Slices of ~1/20 s at the slower rate, so a throttled link sends steadily rather than in bursts.
      const slowest = Math.min(rate ?? Infinity, shared ?? Infinity)
      const slice = slowest === Infinity ? bytes.length : Math.max(1, Math.floor(slowest / 20))
      for (let at = 0; at < bytes.length && !to.destroyed; at += slice) {
        const piece = bytes.subarray(at, at + slice)
        const startedAt = performance.now()
        if (shared !== undefined) {
          const turn = Math.max(startedAt, linkFree[direction])
          linkFree[direction] = turn + (piece.length / shared) * 1000
          await pause(linkFree[direction] - performance.now())
        }
        record[direction] += piece.length
        if (!to.write(piece)) await drained(to)
        if (rate !== undefined) await pause((piece.length / rate) * 1000 - (performance.now() - startedAt))
      }
    }

    /** Notes where each fault's `after` text first ends in the bytes going up. */
    function watch(chunk: Buffer): void {
      const text = tail + chunk.toString('latin1')
      for (const kind of kinds) {
        const after = plan[kind]?.after
        if (after === undefined || seenAfter.has(after)) continue
        const at = text.indexOf(after)
        if (at >= 0) seenAfter.set(after, { up: received - tail.length + at + after.length, down: record.down })
      }
      received += chunk.length
      tail = text.slice(-16)
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    records: () => records.map((r) => ({ ...r, fired: [...r.fired] })),
    open: () => sockets.size / 2,
    release: () => { for (const release of [...stalled]) release() },
    close: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy()
      server.close(() => resolve())
    }),
  }
}

/**
 * Ends a socket with a TCP reset (RST), as a middlebox that drops a connection does. Not after its side was
 * shut down (a FIN passed on): libuv forbids mixing `uv_shutdown` with `uv_tcp_close_reset`, and Node 20 then
 * spun at 100% CPU after the test (2 runs in 6); such a socket is destroyed plainly.
 */
const reset = (socket: Socket): void => {
  if (socket.destroyed) return
  if (socket.writableEnded || socket.connecting) return void socket.destroy()
  socket.resetAndDestroy()
}

/** Until `socket` can take more, or is gone. */
const drained = (socket: Socket): Promise<void> => new Promise((resolve) => {
  const done = (): void => { socket.off('drain', done); socket.off('close', done); resolve() }
  socket.on('drain', done)
  socket.on('close', done)
})

const pause = (ms: number): Promise<void> => (ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve())

/** An `onlyIf` that holds the first time it is asked (a fault on the first connection that reaches it only). */
export const once = (): (() => boolean) => {
  let first = true
  return () => (first ? ((first = false), true) : false)
}

/** The emulator behind a faulty link: its client's URLs name the link, and so do its `session_endpoints`. */
export interface LinkedEmulator {
  readonly link: FaultyLink
  /** The upload and API bases through the link, for the client. */
  readonly uploadUrl: string
  readonly apiUrl: string
  /** The emulator's own URLs, for checks that must not cross the link (downloads, session status). */
  readonly direct: { readonly url: string; readonly apiUrl: string }
  /** The emulator's records, one per answer. */
  readonly records: Array<RequestRecord>
  readonly close: () => Promise<void>
}

/** Starts the link, then the emulator behind it (on 127.0.0.1, port 0); the caller must `close()` both. */
export const startLinkedEmulator = async (emulator: EmulatorOptions, link: Omit<FaultyLinkOptions, 'target'>): Promise<LinkedEmulator> => {
  let port = 0
  const proxy = await startFaultyLink({ ...link, target: () => port })
  const records: Array<RequestRecord> = []
  const served = await serve({ port: 0, ...emulator, uploadBaseUrl: `${proxy.url}/api/2.0`, onRequest: (r) => void records.push(r) })
  port = Number(new URL(served.url).port)
  return {
    link: proxy,
    uploadUrl: `${proxy.url}/api/2.0`,
    apiUrl: `${proxy.url}/2.0`,
    direct: served,
    records,
    close: async () => {
      await proxy.close()
      await served.close()
    },
  }
}
