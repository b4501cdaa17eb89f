/**
 * A fault gate for property tests: a `fetch` in front of an in-process emulator that injects faults
 * chosen by the test, per phase (an upload, then a `resume` with faults of its own, then a fault-free
 * one), and logs every request the client hands it. The emulator's own `faults` are fixed when it is
 * made, so a session could not meet other faults in a later `resume`; here the plan can be swapped
 * between phases. The faults mirror the emulator's (README "Faults"): a part upload answered 429, 503
 * or 500 without being stored, 500 after being stored, a reset before or after being stored, a slow
 * answer; a commit answered 202, 500 before or after being applied, or reset after being applied; and
 * a 500 or reset on the other requests. Web APIs only.
 */
import { emulator } from '../../src/emulator/Handler.ts'
import type { EmulatorOptions, RequestRecord } from '../../src/emulator/Options.ts'
import { prng } from './upload.ts'

/** What a request may meet. `*_after`: the emulator handled it, the answer is then replaced. */
export type GateFault =
  | 'rate_limit' | 'unavailable_before' | 'error_before' | 'error_after' | 'reset_before' | 'reset_after' | 'slow' | 'accepted'

/** Which kind of request a fault hits. */
export type RequestKind = 'create' | 'part' | 'list' | 'status' | 'commit' | 'delete' | 'other'

/** The faults of one phase: a seeded draw per request of each kind, and scripted faults by request number of that kind. */
export interface GatePlan {
  readonly seed: number
  /** Chance of a fault per request of that kind (absent: none). */
  readonly probability: Partial<Record<RequestKind, number>>
  /** The faults drawn from, per kind (those that make no sense for a kind are skipped: `accepted` is only for commits). */
  readonly kinds: ReadonlyArray<GateFault>
  /** The n-th (1-based) request of a kind in this phase gets that fault, before any draw. */
  readonly script?: ReadonlyArray<{ readonly kind: RequestKind; readonly n: number; readonly fault: GateFault }>
  readonly slowMs?: number
}

/** A request as the client handed it over. */
export interface Logged {
  readonly phase: string
  readonly method: string
  readonly url: string
  readonly kind: RequestKind
  readonly fault?: GateFault
  /** A part's first byte (from its `Content-Range`). */
  readonly offset?: number
}

export interface Gate {
  readonly fetch: typeof fetch
  /** Every request the client handed over, in order. */
  readonly sent: Array<Logged>
  /** The emulator's own records (what it answered, before the gate replaced an answer). */
  readonly records: Array<RequestRecord>
  /** Starts a phase with its faults (`undefined`: none). */
  readonly phase: (name: string, plan?: GatePlan | null) => void
  /** Called with each request's 1-based number in the phase, before it is handled (e.g. to abort there). */
  onRequest: ((n: number, logged: Logged) => void) | undefined
  /** The emulator's fetch, fault-free (to check results). */
  readonly direct: typeof fetch
  /** The most part uploads in flight at once in this phase (handed over, not yet settled). */
  readonly maxInFlight: () => number
  /** Part uploads in flight now. */
  readonly inFlight: () => number
  /** The emulator's origin (`…/api/2.0` is the upload URL, `…/2.0` the API's). */
  readonly base: string
}

export const kindOf = (method: string, url: string): RequestKind => {
  const path = new URL(url).pathname
  if (method === 'POST' && /\/upload_sessions$/.test(path)) return 'create'
  if (method === 'PUT') return 'part'
  if (method === 'GET' && path.endsWith('/parts')) return 'list'
  if (method === 'POST' && path.endsWith('/commit')) return 'commit'
  if (method === 'DELETE') return 'delete'
  if (method === 'GET') return 'status'
  return 'other'
}

const applies = (fault: GateFault, kind: RequestKind): boolean => fault !== 'accepted' || kind === 'commit'

const boxError = (status: number, code: string, retryAfter = false): Response =>
  new Response(JSON.stringify({ type: 'error', status, code, message: `gate: ${code}`, request_id: 'gate' }), {
    status,
    headers: { 'content-type': 'application/json', ...(retryAfter ? { 'retry-after': '0' } : {}) },
  })

const delay = (ms: number, signal: AbortSignal | null | undefined): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted === true) return reject(signal.reason)
    const timer = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve() }, ms)
    const onAbort = (): void => { clearTimeout(timer); reject(signal!.reason) }
    signal?.addEventListener('abort', onAbort, { once: true })
  })

/** What a gate stands in front of: a `fetch` reaching an emulator at `base`, and the records its `onRequest` fills. */
export interface Target {
  readonly base: string
  readonly fetch: typeof fetch
  readonly records: Array<RequestRecord>
}

/** An in-process emulator as a gate's target. */
export const inProcess = (options: EmulatorOptions): Target => {
  const records: Array<RequestRecord> = []
  const box = emulator({ ...options, onRequest: (record) => records.push(record) })
  return { base: 'http://box.test', fetch: box.fetch as typeof fetch, records }
}

/** A gate in front of `box`. */
export const gate = (box: Target): Gate => {
  const sent: Array<Logged> = []
  let name = ''
  let plan: GatePlan | null | undefined
  let random = prng(1)
  let counts = new Map<RequestKind, number>()
  let total = 0
  let inFlight = 0
  let maxInFlight = 0

  const choose = (kind: RequestKind, n: number): GateFault | undefined => {
    if (plan == null) return undefined
    const scripted = plan.script?.find((s) => s.kind === kind && s.n === n)
    if (scripted && applies(scripted.fault, kind)) return scripted.fault
    const p = plan.probability[kind] ?? 0
    if (p <= 0) return undefined
    const hit = random() < p
    const usable = plan.kinds.filter((k) => applies(k, kind))
    const pick = usable[Math.floor(random() * usable.length)]
    return hit ? pick : undefined
  }

  const handle = async (input: Request | string | URL, init: RequestInit | undefined, method: string, url: string, kind: RequestKind): Promise<Response> => {
    const signal = init?.signal ?? (input instanceof Request ? input.signal : undefined)
    const n = (counts.get(kind) ?? 0) + 1
    counts.set(kind, n)
    const fault = choose(kind, n)
    const range = /^bytes (\d+)-/.exec(new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined)).get('content-range') ?? '')
    const logged: Logged = { phase: name, method, url, kind, ...(fault ? { fault } : {}), ...(range ? { offset: Number(range[1]) } : {}) }
    sent.push(logged)
    self.onRequest?.(++total, logged)
    if (fault === undefined) return box.fetch(input, init)
    /** An answer made here: the body goes unread (cancelled), and an aborted request rejects as fetch does. */
    const answer = (response: Response): Response => {
      const body = init?.body
      if (body instanceof ReadableStream) void body.cancel().catch(() => undefined)
      if (signal?.aborted === true) throw signal.reason
      return response
    }
    switch (fault) {
      case 'rate_limit': return answer(boxError(429, 'rate_limit_exceeded', true))
      case 'unavailable_before': return answer(boxError(503, 'unavailable', true))
      case 'error_before': return answer(boxError(500, 'internal_server_error'))
      case 'accepted': return answer(new Response(null, { status: 202, headers: { 'retry-after': '0' } }))
      case 'reset_before': answer(new Response(null)); throw new TypeError('fetch failed (gate: reset before)')
      case 'slow': await delay(plan?.slowMs ?? 5, signal); return box.fetch(input, init)
      case 'error_after':
        await (await box.fetch(input, init)).arrayBuffer()
        return boxError(500, 'internal_server_error')
      case 'reset_after':
        await (await box.fetch(input, init)).arrayBuffer()
        throw new TypeError('fetch failed (gate: reset after)')
    }
  }

  const self: Gate = {
    sent,
    records: box.records,
    direct: box.fetch,
    base: box.base,
    onRequest: undefined,
    maxInFlight: () => maxInFlight,
    inFlight: () => inFlight,
    phase: (next, nextPlan) => {
      name = next
      plan = nextPlan
      random = prng(nextPlan?.seed ?? 1)
      counts = new Map()
      total = 0
      maxInFlight = inFlight
    },
    fetch: (async (input: Request | string | URL, init?: RequestInit): Promise<Response> => {
      const method = init?.method ?? (input instanceof Request ? input.method : 'GET')
      const url = input instanceof Request ? input.url : String(input)
      const kind = kindOf(method, url)
      if (kind !== 'part') return handle(input, init, method, url, kind)
      maxInFlight = Math.max(maxInFlight, ++inFlight)
      try {
        return await handle(input, init, method, url, kind)
      } finally {
        inFlight--
      }
    }) as typeof fetch,
  }
  return self
}
