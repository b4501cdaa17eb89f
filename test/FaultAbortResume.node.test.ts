/**
 * Property runs (fast-check, fixed seed, printed on failure) that mix what the seeded fault runs
 * (Faults.test.ts) and the abort tests (Abort.test.ts) keep apart: random faults on every kind of
 * request (through test/helpers/gate.ts, so that a `resume` meets faults of its own) plus the
 * emulator's own scripted part faults, 202s and processing time; an abort at a random moment (a time,
 * the n-th request, the n-th progress call); when the session was kept, a `resume` (given the session,
 * its JSON or its id) with faults and maybe an abort of its own, then a fault-free `resume`; concurrency
 * 1 to 8; source chunks empty, smaller and larger than a part; sizes around part-size multiples.
 * test/helpers/scenario.ts checks, for every phase, the README's invariants (each problem quotes its
 * line): it settles; a success committed the source's bytes and its last progress call is the whole
 * file; a failure is a typed UploadError, cancelled its source, and either deleted the session (nothing
 * committed) or kept it in the error, and the fault-free resume then commits the source; after an
 * abort nothing is sent but the session's DELETE and the source is not read; progress never goes
 * backwards, across a resume too; no more parts in flight than `concurrency`; a resume does not send
 * parts Box held. Node-only by name: over loopback too, and parts of 1 MiB (shared memory, the SHA-1 worker).
 *
 * Explored with ~17,000 runs of other seeds (in-process; loopback; 1 MiB parts; up to 60 parts; attempts
 * timed out at 12 ms against slow answers; slow answers of 1.5 s that an abort must cut short, with
 * `scenarioArb({ longSlow: true })`): the two defects found are pinned by AbortRead.test.ts and
 * CommittedResume.test.ts, both mended. 18 more seeds on 2026-11-30 (~5,700 runs) found a third, a part
 * handed to fetch after the abort (FAR_SEED=778008), pinned by AbortHandOver.test.ts and mended, and a fourth, tiny
 * chunks from memory holding the event loop (FAR_SEED=779017), pinned by Chunker.test.ts and mended. Since both
 * mends, ~35,000 runs of other seeds found nothing: ~18,400 that day (wide mixes, up to 60 parts, `longSlow`), then
 * 30 seeds (780101-780130) of 400 in-process runs, 120 over loopback and 30 of 1 MiB parts each, and 11 with
 * `longSlow` and up to 60 parts (781001-781011), whose three failures were the scenario's own bounds (a slow DELETE
 * after an abort, a phase past 10 s, a fault-free resume retrying for less than a slow answer lasted): scenario.ts now
 * allows for them, and Abort.test.ts pins the first as the README states it. A run whose commit Box applied but the client never learned is
 * resumed like any kept session (from the session or its JSON; by id its read answers 404, README): the
 * fault-free resume must then give the file.
 */
import fc from 'fast-check'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { serve } from '../src/emulator/node.ts'
import type { RequestRecord } from '../src/emulator/Options.ts'
import { type Scenario, type Transport, runScenario, scenarioArb } from './helpers/scenario.ts'

// FAR_SEED=n explores another seed (the CI runs this one).
const SEED = Number(process.env['FAR_SEED'] ?? 20261129)

const loopback: Transport = async (options) => {
  const records: Array<RequestRecord> = []
  const box = await serve({ port: 0, ...options, onRequest: (record) => records.push(record) })
  return { base: box.url.replace(/\/api\/2\.0$/, ''), fetch: globalThis.fetch, records, close: box.close }
}

/** Runs `runs` scenarios; a failure names the seed, the scenario and every broken invariant. */
const property = (arb: fc.Arbitrary<Scenario>, runs: number, transport?: Transport) => async (): Promise<void> => {
  const tally = new Map<string, number>()
  await fc.assert(fc.asyncProperty(arb, async (scenario) => {
    const { problems, path } = await runScenario(scenario, transport ? { transport } : {})
    for (const step of path.split(' > ')) tally.set(step.replace(/\(.*$/, ''), (tally.get(step.replace(/\(.*$/, '')) ?? 0) + 1)
    assert.equal(problems, [], `${problems.join('\n')}\nscenario ${JSON.stringify(scenario)}\npath ${path}`)
  }), { seed: SEED, numRuns: runs, interruptAfterTimeLimit: 120_000, markInterruptAsFailure: true, includeErrorInReport: true })
    .catch((e: unknown) => { throw new Error(`fast-check seed ${SEED}: ${e instanceof Error ? e.message : String(e)}`) })
  // The runs must have met what they are for: aborts, failures, resumes and successes.
  for (const step of ['upload:ok', 'upload:Aborted', 'resume:ok']) assert.ok((tally.get(step) ?? 0) > 0, `no run ended ${step}: ${JSON.stringify([...tally])}`)
}

const FaultAbortResume = suite('faults, aborts and resumes, mixed (fast-check)')

FaultAbortResume(`should keep the README's invariants in 250 mixed runs in-process (fast-check seed ${SEED})`, property(scenarioArb(), 250))

FaultAbortResume(`should keep them in 50 runs over loopback (fast-check seed ${SEED})`, property(scenarioArb(), 50, loopback))

FaultAbortResume(`should keep them in 16 runs of 1 MiB parts, in shared memory (fast-check seed ${SEED})`, property(scenarioArb({ partSizes: { min: 1 << 20, max: (1 << 20) + 4096 }, maxParts: 3 }), 16))

FaultAbortResume.run()
