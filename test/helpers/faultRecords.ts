/**
 * The random faults an emulator injected, read back from its `onRequest` records: for testing that they depend
 * on the seed, the session, the part and the attempt, and not on the order part uploads arrive in.
 */
import type { RequestRecord } from '../../src/emulator/Options.ts'

/**
 * The fault each part upload met, as `[session, part, attempt, fault]` sorted in that order: `session` is the
 * index in `sessionIds` of the session its path names (records of other sessions left out), or 0 for every part
 * upload when no ids are given; `part` is its offset over `partSize`; `attempt` counts its records (a part's
 * answers come one after another).
 */
export const faultsByAttempt = (
  records: ReadonlyArray<RequestRecord>,
  partSize: number,
  sessionIds?: ReadonlyArray<string>,
): ReadonlyArray<readonly [number, number, number, string | null]> => {
  const attempts = new Map<string, number>()
  const out: Array<readonly [number, number, number, string | null]> = []
  for (const r of records) {
    if (r.method !== 'PUT' || r.range === undefined) continue
    const session = sessionIds === undefined ? 0 : sessionIds.findIndex((id) => r.path.endsWith(`/${id}`))
    if (session < 0) continue
    const part = Number(/^bytes (\d+)-/.exec(r.range)?.[1]) / partSize
    const attempt = (attempts.get(`${session} ${part}`) ?? 0) + 1
    attempts.set(`${session} ${part}`, attempt)
    out.push([session, part, attempt, r.fault ?? null])
  }
  return out.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2])
}
