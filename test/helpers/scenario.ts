/**
 * One run of the fault-abort-resume property: an upload through a fault gate (test/helpers/gate.ts),
 * maybe aborted at a random moment, then, when its session was kept, a `resume` with faults (and
 * maybe an abort) of its own, then a fault-free `resume`. Returns the invariants it found broken, each
 * naming the README line it comes from, so an exploration can gather them all.
 */
import fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import { client } from '../../src/Client.ts'
import type { Progress } from '../../src/Progress.ts'
import { resume } from '../../src/Resume.ts'
import type { Session } from '../../src/Session.ts'
import { type UploadFailure, upload } from '../../src/Upload.ts'
import { isUploadError } from '../../src/UploadError.ts'
import type { BoxFile } from '../../src/BoxFile.ts'
import type { EmulatorOptions, PartFault, ScriptedFault } from '../../src/emulator/Options.ts'
import { type Gate, type GateFault, type GatePlan, type Target, gate, inProcess } from './gate.ts'
import { TOKEN, bytesOf, within } from './upload.ts'

export type AbortAt =
  | { readonly by: 'time'; readonly ms: number }
  | { readonly by: 'request'; readonly n: number; readonly later: boolean }
  | { readonly by: 'progress'; readonly n: number }

export interface PhasePlan {
  readonly plan: GatePlan | null | undefined
  readonly abort: AbortAt | null | undefined
  readonly chunks: ReadonlyArray<number>
  readonly concurrency: number
}

export interface Scenario {
  readonly partSize: number
  readonly fileSize: number
  readonly retries: number
  /** The retry policy's timeout of one attempt: short ones meet the gate's slow answers (a request Box may still be storing). */
  readonly timeoutMs: number
  readonly keep: boolean
  readonly upload: PhasePlan
  /** The resume of a kept session, with its own faults. */
  readonly resume: PhasePlan
  /** The resume is given the session, its JSON, or its id (then it always keeps the session, and carries none in its error). */
  readonly resumeBy: 'session' | 'json' | 'id'
  /** The first resume's keepSessionOnError (the fault-free one keeps it). */
  readonly resumeKeeps: boolean
  /** The emulator's `faults.latencyMs` (every answer, every phase). */
  readonly latencyMs: number
  /** The emulator's own faults (every phase): scripted part faults, 202s before a commit, processing time. */
  readonly server: { readonly script: ReadonlyArray<ScriptedFault>; readonly commitAccepted: number; readonly processingDelayMs: number; readonly slowMs: number } | null
}

export interface Outcome {
  /** Broken invariants. */
  readonly problems: ReadonlyArray<string>
  /** How the phases ended, for the exploration's tally. */
  readonly path: string
}

/** How the gate reaches the emulator: in-process, or over loopback (`serve`). */
export type Transport = (options: EmulatorOptions) => Promise<Target & { readonly close: () => Promise<void> }>

export const inProcessTransport: Transport = async (options) => ({ ...inProcess(options), close: async () => undefined })

const ALL: ReadonlyArray<GateFault> = ['rate_limit', 'unavailable_before', 'error_before', 'error_after', 'reset_before', 'reset_after', 'slow', 'accepted']

const SERVER: ReadonlyArray<PartFault> = ['rate_limit', 'unavailable_before', 'error_before', 'error_after', 'reset', 'slow']

const planArb = (longSlow: boolean): fc.Arbitrary<GatePlan | null> => fc.option(fc.record({
  seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  probability: fc.record({
    part: fc.constantFrom(0, 0.1, 0.3, 0.6),
    commit: fc.constantFrom(0, 0, 0.3, 0.6),
    create: fc.constantFrom(0, 0, 0.3),
    list: fc.constantFrom(0, 0.3),
    status: fc.constantFrom(0, 0.5),
  }),
  kinds: fc.subarray([...ALL], { minLength: 1 }),
  script: fc.array(fc.record({
    kind: fc.constantFrom('part' as const, 'commit' as const, 'create' as const, 'list' as const, 'delete' as const),
    n: fc.integer({ min: 1, max: 6 }),
    fault: fc.constantFrom(...ALL),
  }), { maxLength: 4 }),
  slowMs: longSlow ? fc.constantFrom(1, 5, 20, 1500) : fc.constantFrom(1, 5, 20),
}), { freq: 4 })

const abortArb: fc.Arbitrary<AbortAt | null> = fc.option(fc.oneof(
  fc.record({ by: fc.constant('time' as const), ms: fc.integer({ min: 0, max: 40 }) }),
  fc.record({ by: fc.constant('request' as const), n: fc.integer({ min: 1, max: 30 }), later: fc.boolean() }),
  fc.record({ by: fc.constant('progress' as const), n: fc.integer({ min: 1, max: 12 }) }),
), { freq: 2 })

/**
 * Scenarios with parts of `partSizes` bytes, up to `maxParts` of them; `longSlow` adds slow answers of
 * 1.5 s (the gate's and the emulator's), which an abort must cut short (slower runs: for exploring).
 */
export const scenarioArb = ({ partSizes = { min: 16, max: 300 }, maxParts = 10, longSlow = false } = {}): fc.Arbitrary<Scenario> =>
  fc.record({ partSize: fc.integer(partSizes), parts: fc.integer({ min: 1, max: maxParts }), delta: fc.oneof(fc.constantFrom(-1, 0, 1), fc.double({ min: 0, max: 1, noNaN: true })) })
    .chain(({ partSize, parts, delta }) => {
      const fileSize = Math.max(1, delta < 1 && delta > 0 ? Math.round((parts - delta) * partSize) : parts * partSize + delta)
      // Chunks of at least partSize / 4096 bytes (1 for the small parts): a 1 MiB part in 1-byte chunks is
      // millions of reads at ~4 µs each, past the 10 s a phase is given, which tests speed, not these invariants.
      const smallest = Math.max(1, partSize >> 12)
      const chunks = fc.array(fc.oneof(fc.constant(0), fc.integer({ min: smallest, max: partSize }), fc.integer({ min: partSize, max: 3 * partSize + 7 })), { minLength: 1, maxLength: 5 })
        .map((sizes) => (sizes.some((n) => n > 0) ? sizes : [...sizes, partSize]))
      const phase = fc.record({ plan: planArb(longSlow), abort: abortArb, chunks, concurrency: fc.integer({ min: 1, max: 8 }) })
      return fc.record({
        partSize: fc.constant(partSize),
        fileSize: fc.constant(fileSize),
        retries: fc.integer({ min: 0, max: 5 }),
        timeoutMs: fc.constantFrom(3000, 3000, 3000, 12),
        keep: fc.boolean(),
        upload: phase,
        resume: phase,
        resumeBy: fc.constantFrom('session' as const, 'json' as const, 'id' as const),
        resumeKeeps: fc.boolean(),
        latencyMs: fc.constantFrom(0, 0, 1, 3),
        server: fc.option(fc.record({
          script: fc.array(fc.record({ part: fc.integer({ min: 0, max: parts }), attempt: fc.integer({ min: 1, max: 3 }), fault: fc.constantFrom(...SERVER) }), { maxLength: 4 }),
          commitAccepted: fc.integer({ min: 0, max: 2 }),
          processingDelayMs: fc.constantFrom(0, 0, 5),
          // Past a short timeoutMs: the client gives up on a part Box then stores (a later try meets 409 or 416).
          slowMs: longSlow ? fc.constantFrom(5, 30, 1500) : fc.constantFrom(5, 30),
        }), { freq: 2 }),
      })
    })

/** How a source was read: its pulls (with `sent.length` then), and whether it was cancelled or read to its end. */
export interface Watched {
  readonly pulls: Array<number>
  cancelled: boolean
  ended: boolean
}

/** A pull-based source of `bytes` in chunks of the given sizes (cycled; 0 gives an empty chunk). */
export const chunked = (bytes: Uint8Array, sizes: ReadonlyArray<number>, now: () => number = () => 0): { readonly source: ReadableStream<Uint8Array>; readonly seen: Watched } => {
  let offset = 0
  let k = 0
  const seen: Watched = { pulls: [], cancelled: false, ended: false }
  const source = new ReadableStream<Uint8Array>({
    pull: (controller) => {
      seen.pulls.push(now())
      if (offset >= bytes.length) {
        seen.ended = true
        return controller.close()
      }
      const size = sizes[k++ % sizes.length]!
      controller.enqueue(bytes.slice(offset, offset + size))
      offset += size
    },
    cancel: () => { seen.cancelled = true },
  }, { highWaterMark: 0 })
  return { source, seen }
}

const statusOf = async (g: Gate, id: string): Promise<number> => {
  const response = await g.direct(`${g.base}/api/2.0/files/upload_sessions/${id}`, { headers: { authorization: `Bearer ${TOKEN}` } })
  await response.arrayBuffer()
  return response.status
}

const contentOf = async (g: Gate, id: string): Promise<Uint8Array> => {
  const response = await g.direct(`${g.base}/2.0/files/${id}/content`, { headers: { authorization: `Bearer ${TOKEN}` } })
  return new Uint8Array(await response.arrayBuffer())
}

const same = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i])

/** The offsets of the parts the emulator holds for a session. */
const storedOffsets = async (g: Gate, session: Session): Promise<ReadonlyArray<number>> => {
  const response = await g.direct(`${g.base}/api/2.0/files/upload_sessions/${session.id}/parts?limit=1000`, { headers: { authorization: `Bearer ${TOKEN}` } })
  const body = (await response.json()) as { entries?: ReadonlyArray<{ offset: number }> }
  return (body.entries ?? []).map((e) => e.offset)
}

/** Commits the emulator applied or answered again with the file (whatever the gate answered), among `records`. */
const applied = (records: Gate['records']): number => records.filter((r) => r.method === 'POST' && r.path.endsWith('/commit') && r.status === 201).length

/** Runs one phase: arms its abort, runs the task within `ms`, returns the result and what happened. */
const runPhase = async (
  g: Gate, name: string, phase: PhasePlan, ms: number, bytes: Uint8Array,
  task: (signal: AbortSignal, onProgress: (p: Progress) => void, source: ReadableStream<Uint8Array>) => Promise<E.Either<UploadFailure, BoxFile>>,
): Promise<{ result: E.Either<UploadFailure, BoxFile> | 'timeout'; abortedAt: number | undefined; progress: Array<Progress>; seen: Watched; settledMs: number | undefined; leftover: number; late: ReadonlyArray<string>; recordsBefore: number }> => {
  const controller = new AbortController()
  let abortTime = 0
  const { source, seen } = chunked(bytes, phase.chunks, () => (controller.signal.aborted ? 1 : 0))
  let abortedAt: number | undefined
  const abort = (): void => {
    if (abortedAt !== undefined) return
    abortedAt = g.sent.length
    abortTime = Date.now()
    controller.abort('property abort')
  }
  const progress: Array<Progress> = []
  let timer: ReturnType<typeof setTimeout> | undefined
  g.phase(name, phase.plan)
  const leftover = g.inFlight()
  const recordsBefore = g.records.length
  const at = phase.abort
  if (at?.by === 'time') timer = setTimeout(abort, at.ms)
  if (at?.by === 'request') g.onRequest = (n) => { if (n === at.n) { if (at.later) setTimeout(abort, 0); else abort() } }
  const onProgress = (p: Progress): void => {
    progress.push(p)
    if (at?.by === 'progress' && progress.length === at.n) abort()
  }
  try {
    const result = await within(ms, name, task(controller.signal, onProgress, source)).catch((): 'timeout' => 'timeout')
    const settledMs = abortedAt === undefined ? undefined : Date.now() - abortTime
    const settledAt = g.sent.length
    await new Promise((resolve) => setTimeout(resolve, 15))
    const late = g.sent.slice(settledAt).map((r) => `${r.method} ${r.kind}`)
    return { result, abortedAt, progress, seen, settledMs, leftover, late, recordsBefore }
  } finally {
    clearTimeout(timer)
    g.onRequest = undefined
  }
}

export interface RunOptions {
  readonly transport?: Transport
  /** Bound of each phase (default 10 s; 120 s when a plan has slow answers of a second or more: `longSlow`). */
  readonly ms?: number
}

/** Runs a scenario and checks the README's invariants; the README line of each is quoted in its message. */
export const runScenario = async (s: Scenario, options: RunOptions = {}): Promise<Outcome> => {
  // Slow answers of 1.5 s (`longSlow`) on 30% of up to 60 parts' requests take a phase past 10 s with no fault of the client's.
  const slowest = Math.max(s.server?.slowMs ?? 0, s.upload.plan?.slowMs ?? 0, s.resume.plan?.slowMs ?? 0)
  const { transport = inProcessTransport, ms = slowest >= 1000 ? 120_000 : 10_000 } = options
  const problems: Array<string> = []
  const path: Array<string> = []
  const target = await transport({
    minFileSize: 1, partSize: s.partSize, processingDelayMs: s.server?.processingDelayMs ?? 0,
    faults: { latencyMs: s.latencyMs, retryAfterSeconds: 0, slowMs: s.server?.slowMs ?? 5, script: s.server?.script ?? [], commitAccepted: s.server?.commitAccepted ?? 0 },
  })
  const g = gate(target)
  const box = client({ token: TOKEN, uploadUrl: `${g.base}/api/2.0`, apiUrl: `${g.base}/2.0`, fetch: g.fetch })
  const bytes = bytesOf(s.fileSize, s.fileSize ^ s.partSize)
  const retry = { retries: s.retries, baseDelayMs: 1, maxDelayMs: 4, timeoutMs: s.timeoutMs }
  const allProgress: Array<{ readonly phase: string; readonly p: Progress }> = []
  let session: Session | undefined

  /** Checks common to every phase; returns whether the phase left a kept session to resume. */
  const check = async (name: string, phase: PhasePlan, run: Awaited<ReturnType<typeof runPhase>>, keep: boolean, carried = keep): Promise<boolean> => {
    const { result, abortedAt, progress, seen, settledMs, leftover, late } = run
    // README: "`concurrency: 4`, // parts in flight".
    if (g.maxInFlight() > phase.concurrency + leftover) problems.push(`${name}: ${g.maxInFlight()} part uploads in flight at once, concurrency ${phase.concurrency} (README: "parts in flight")`)
    if (late.length > 0) problems.push(`${name}: requests sent after the task settled: ${late.join(', ')}`)
    allProgress.push(...progress.map((p) => ({ phase: name, p })))
    const inPhase = g.sent.filter((r) => r.phase === name)
    if (result === 'timeout') {
      problems.push(`${name}: did not settle within ${ms} ms (README: "the result is \`Aborted\` with the signal's reason"; every task settles)`)
      path.push(`${name}:timeout`)
      return false
    }
    // README Abort: "sends nothing afterwards but the session's DELETE".
    if (abortedAt !== undefined) {
      const after = g.sent.slice(abortedAt).filter((r) => r.phase === name)
      const other = after.filter((r) => r.method !== 'DELETE' || keep)
      if (other.length > 0) problems.push(`${name}: after the abort it sent ${other.map((r) => `${r.method} ${r.kind}${r.fault ? `(${r.fault})` : ''}`).join(', ')} (README Abort: "sends nothing afterwards but the session's \`DELETE\`"${keep ? '; kept, not even that' : ''})`)
    }
    // README Progress: "never backwards".
    for (let i = 1; i < progress.length; i++) {
      if (progress[i]!.bytesUploaded < progress[i - 1]!.bytesUploaded || progress[i]!.partsUploaded < progress[i - 1]!.partsUploaded) {
        problems.push(`${name}: progress went backwards: ${JSON.stringify(progress.slice(i - 1, i + 1))} (README Progress: "never backwards")`)
        break
      }
    }
    if (progress.some((p) => p.bytesUploaded > p.fileSize || p.partsUploaded > p.totalParts)) problems.push(`${name}: progress past the file: ${JSON.stringify(progress.at(-1))}`)
    // README Abort: "Abort stops reading the source".
    const pulledAfter = seen.pulls.filter((x) => x === 1).length
    if (pulledAfter > 0) problems.push(`${name}: the source was pulled ${pulledAfter} times after the abort (README Abort: "stops reading the source")`)
    // README Abort: "cancels the requests in flight and the waits between tries" (the tests ask < 1 s); a session being created gets up to 5 s.
    const creating = abortedAt !== undefined && !g.sent.slice(0, abortedAt).some((r) => r.phase === name && r.kind !== 'create')
    // The task settles once the session's DELETE is answered (README: "within 30 s in all"): a slow one (1.5 s with `longSlow`) counts.
    const slowDelete = abortedAt !== undefined && g.sent.slice(abortedAt).some((r) => r.phase === name && r.kind === 'delete' && r.fault === 'slow')
    const allowed = (creating ? 5500 : 1000) + (slowDelete ? phase.plan?.slowMs ?? 0 : 0)
    if (settledMs !== undefined && settledMs > allowed) problems.push(`${name}: settled ${settledMs} ms after the abort${creating ? ' (while the session was created)' : ''} (README Abort: "cancels the requests in flight")`)
    if (E.isRight(result)) {
      path.push(`${name}:ok`)
      const content = await contentOf(g, result.right.id)
      // README Faults test line: "each ends with the committed bytes equal to the source".
      if (!same(content, bytes)) problems.push(`${name}: committed ${content.length} bytes that are not the source's ${bytes.length}`)
      // README Progress: "the last call is the whole file".
      const last = progress.at(-1)
      if (last === undefined || last.bytesUploaded !== s.fileSize || last.partsUploaded !== last.totalParts) problems.push(`${name}: the last progress call of a success is ${JSON.stringify(last)}, not the whole file (README Progress: "the last call is the whole file")`)
      return false
    }
    const error = result.left
    path.push(`${name}:${error._tag}${abortedAt !== undefined ? '(aborted)' : ''}`)
    // README Errors: "one closed union of plain objects tagged `_tag`"; isUploadError tells one.
    if (!isUploadError(error)) problems.push(`${name}: the error is no UploadError: ${String(error)}`)
    // README: "An \`upload\` or \`uploadVersion\` that fails has called its source's \`cancel\`", "and so has a \`resume\` whose session could not be read or its parts listed".
    if (!seen.cancelled && !seen.ended) problems.push(`${name}: failed (${error._tag}) without cancelling its source (README: "that fails has called its source's \`cancel\`")`)
    if (abortedAt !== undefined && error._tag !== 'Aborted') path.push('aborted-but-' + error._tag)
    // README Abort: "the result is \`Aborted\` with the signal's reason".
    if (error._tag === 'Aborted' && error.reason !== 'property abort') problems.push(`${name}: Aborted with reason ${JSON.stringify(error.reason)}, not the signal's`)
    if (error._tag === 'Aborted' && abortedAt === undefined) problems.push(`${name}: Aborted though nothing aborted it`)
    // Applied by any phase (a kept session whose commit Box applied unseen is resumed: README "A session whose parts Box no longer lists").
    const committed = applied(g.records) > 0
    const commitSent = inPhase.some((r) => r.kind === 'commit')
    if (committed) path.push(`${name}:failed-after-commit-applied`)
    // README: "nothing is committed" (a source that fails; the seeded runs: "the session deleted and nothing committed").
    if (applied(g.records.slice(run.recordsBefore)) > 0 && !commitSent) problems.push(`${name}: a file was committed though no commit was sent in this phase`)
    if (session === undefined) return false
    // README: a session whose parts Box no longer lists "is sent its DELETE before the source is read": that DELETE
    // asks a session gone already (here committed, or deleted by an earlier phase) which it was, and undoes nothing.
    const gone = g.records.slice(run.recordsBefore).some((r) => r.method === 'GET' && r.path.endsWith('/parts') && r.status === 404)
    if (!keep) {
      // README Abort: "On any failure the session is deleted unless `keepSessionOnError` (the `DELETE` is retried under the upload's retry policy …)".
      const deletes = inPhase.filter((r) => r.method === 'DELETE')
      // Whether a DELETE reached the emulator in this phase (a slow one may be cut by the attempt's timeout first).
      const reached = g.records.slice(run.recordsBefore).some((r) => r.method === 'DELETE' && r.status === 204)
      // README: "A \`resume\` that does not get the session's parts listed … leaves it as it was" (listed: its first progress call came).
      const listed = name === 'upload' || progress.length > 0
      if (!listed) {
        if (deletes.length > 0 && !gone) problems.push(`${name}: its parts were not listed, yet it sent a DELETE (README: "leaves it as it was")`)
        return deletes.length === 0 && !committed
      } else if (deletes.length === 0) problems.push(`${name}: failed (${error._tag}) without keepSessionOnError and sent no DELETE (README: "On any failure the session is deleted unless \`keepSessionOnError\`")`)
      else if (reached && !committed && (await statusOf(g, session.id)) !== 404) problems.push(`${name}: the session is still there after its DELETE`)
      else if (!reached && deletes.length < s.retries + 1) problems.push(`${name}: the DELETE was given up after ${deletes.length} tries, retries ${s.retries}`)
      if ((error as UploadFailure).session !== undefined) problems.push(`${name}: the error carries a session though it was not kept`)
      return false
    }
    // README: "`UploadFailure` = an `UploadError`, plus `session` when kept".
    // README: a resume by id: "Its error carries no session, even with \`keepSessionOnError\`".
    if (!carried && (error as UploadFailure).session !== undefined) problems.push(`${name}: resumed by id, yet the error carries a session (README: "Its error carries no session")`)
    if (carried && (error as UploadFailure).session === undefined) problems.push(`${name}: kept (keepSessionOnError) but the error (${error._tag}) carries no session (README: "\`UploadFailure\` = an \`UploadError\`, plus \`session\` when kept")`)
    if (inPhase.some((r) => r.method === 'DELETE') && !gone) problems.push(`${name}: kept, yet a DELETE was sent`)
    // README: a session Box no longer lists is resumed from the session or its JSON; "By id, the session cannot be read
    // either, and its 404 is the error at once": a committed one is not resumed by id.
    return !(committed && s.resumeBy === 'id')
  }

  try {
    const first = await runPhase(g, 'upload', s.upload, ms, bytes, (signal, onProgress, source) =>
      upload(box)(
        { source, folderId: '0', fileName: 'p.bin', fileSize: s.fileSize },
        { concurrency: s.upload.concurrency, retry, signal, onProgress, onSession: (x) => { session = x }, keepSessionOnError: s.keep },
      )())
    let kept = await check('upload', s.upload, first, s.keep)
    let phaseNo = 0
    for (const phase of [s.resume, { plan: undefined, abort: undefined, chunks: s.resume.chunks, concurrency: s.resume.concurrency }]) {
      if (!kept || session === undefined) break
      const name = phaseNo++ === 0 ? 'resume' : 'clean resume'
      const byId = s.resumeBy === 'id'
      const given = byId ? session.id : s.resumeBy === 'json' ? JSON.parse(JSON.stringify(session)) : session
      const keeps = name === 'clean resume' || s.resumeKeeps
      // The fault-free resume retries at least 3 times, waiting longer than the emulator's slow answers: it may meet a part the failed
      // phase still has in flight (README Retries: a part's 409 "being uploaded by another request" … "which a \`resume\` may meet").
      // Against slow answers of 1.5 s (`longSlow`), one retry per 20 ms of them: ~40 ms each, twice as long in all.
      const retries = Math.max(3, retry.retries, Math.ceil((s.server?.slowMs ?? 0) / 20))
      const policy = name === 'clean resume' ? { ...retry, retries, baseDelayMs: 40, maxDelayMs: 80, timeoutMs: 3000 } : retry
      const held = await storedOffsets(g, session)
      const run = await runPhase(g, name, phase, ms, bytes, (signal, onProgress, source) =>
        resume(box)({ session: given, source, ...(byId ? { fileSize: s.fileSize } : {}) }, { concurrency: phase.concurrency, retry: policy, signal, onProgress, keepSessionOnError: keeps })())
      if (name === 'clean resume' && run.result !== 'timeout' && E.isLeft(run.result)) {
        // README: a kept session is resumed: "later, same bytes from the start: only the missing parts are sent".
        problems.push(`clean resume: a fault-free resume of the kept session failed: ${JSON.stringify(run.result.left).slice(0, 300)}`)
      }
      // README: "hashes but does not send the parts Box holds".
      const resent = g.sent.filter((r) => r.phase === name && r.offset !== undefined && held.includes(r.offset))
      if (resent.length > 0) problems.push(`${name}: sent again parts Box held before it started, at ${resent.map((r) => r.offset).join(', ')} (README: "hashes but does not send the parts Box holds")`)
      kept = await check(name, phase, run, keeps || byId, keeps && !byId)
    }
    // README Progress: "once at the start (on resume, the parts already there) … never backwards": across phases too.
    for (let i = 1; i < allProgress.length; i++) {
      const [a, b] = [allProgress[i - 1]!, allProgress[i]!]
      if (a.phase !== b.phase && b.p.bytesUploaded < a.p.bytesUploaded) {
        problems.push(`progress went backwards from ${a.phase} (${a.p.bytesUploaded} B) to ${b.phase} (${b.p.bytesUploaded} B) (README Progress: "on resume, the parts already there")`)
      }
    }
  } catch (e) {
    problems.push(`threw: ${e instanceof Error ? e.stack : String(e)}`)
  } finally {
    await target.close()
  }
  return { problems, path: path.join(' > ') }
}
