/**
 * The CLI's interrupt handling, in child processes (a signal sent to this one would stop the tests).
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { runModule } from '../helpers/childModule.ts'

const Interrupts = suite('interrupts')

/** Runs `body` in a child with `interrupts` and a `pause(ms)` in scope; resolves to its stdout. */
const child = (body: string): Promise<string> =>
  runModule(`
    import { interrupts, COMMIT_GRACE_MS } from './src/cli/Interrupts.ts'
    const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
    ${body}
  `)

Interrupts('should ignore a later SIGTERM after a SIGTERM, even once disposed (the process is on its way out)', async () => {
  const out = await child(`
    const ctrlC = interrupts(() => undefined, true)
    process.kill(process.pid, 'SIGTERM')
    await pause(50)
    ctrlC.dispose()
    process.kill(process.pid, 'SIGTERM')
    await pause(50)
    console.log(JSON.stringify({ aborted: ctrlC.signal.aborted, count: ctrlC.count(), exitCode: ctrlC.exitCode() }))
  `)
  assert.equal(JSON.parse(out), { aborted: true, count: 1, exitCode: 143 })
})

// A supervisor repeats its SIGTERM (or a hangup follows it) while the upload still stops: neither is a second Ctrl-C.
Interrupts('should ignore a later SIGTERM or SIGHUP after a SIGTERM while it still listens: the session is never aborted by them', async () => {
  const out = await child(`
    const said = []
    const ctrlC = interrupts((text) => said.push(text), true)
    process.kill(process.pid, 'SIGTERM')
    await pause(50)
    for (const signal of ['SIGTERM', 'SIGHUP', 'SIGTERM']) {
      process.kill(process.pid, signal)
      await pause(50)
    }
    const second = await ctrlC.second(0)
    ctrlC.dispose()
    console.log(JSON.stringify({ count: ctrlC.count(), exitCode: ctrlC.exitCode(), second, said }))
  `)
  assert.equal(JSON.parse(out), {
    count: 1, exitCode: 143, second: false,
    said: ['Terminated (SIGTERM): stopping the upload and keeping its session (Ctrl-C again to abort the session instead)…'],
  })
})

Interrupts('should stop on SIGHUP as on SIGTERM (exit code 129), and note a hangup that comes after a Ctrl-C too', async () => {
  const out = await child(`
    const { hungUp } = await import('./src/cli/Interrupts.ts')
    const first = interrupts(() => undefined, true)
    process.kill(process.pid, 'SIGHUP')
    await pause(50)
    const byHangup = { aborted: first.signal.aborted, exitCode: first.exitCode(), hungUp: hungUp() }
    first.dispose()
    console.log(JSON.stringify(byHangup))
  `)
  assert.equal(JSON.parse(out), { aborted: true, exitCode: 129, hungUp: true })
  const later = await child(`
    const { hungUp } = await import('./src/cli/Interrupts.ts')
    const ctrlC = interrupts(() => undefined, true)
    process.kill(process.pid, 'SIGINT')
    await pause(50)
    const before = hungUp()
    process.kill(process.pid, 'SIGHUP')
    await pause(50)
    ctrlC.dispose()
    console.log(JSON.stringify({ before, after: hungUp(), exitCode: ctrlC.exitCode() }))
  `)
  assert.equal(JSON.parse(later), { before: false, after: true, exitCode: 130 })
})

Interrupts('should give a commit in flight time to finish on the first Ctrl-C, and stop at once on the second', async () => {
  const out = await child(`
    const said = []
    const ctrlC = interrupts((text) => said.push(text), true, 'the upload', () => true)
    process.kill(process.pid, 'SIGINT')
    await pause(100)
    const held = !ctrlC.signal.aborted
    process.kill(process.pid, 'SIGINT')
    await pause(50)
    ctrlC.dispose()
    console.log(JSON.stringify({ held, aborted: ctrlC.signal.aborted, count: ctrlC.count(), grace: COMMIT_GRACE_MS, said }))
  `)
  const result = JSON.parse(out) as { held: boolean; aborted: boolean; count: number; grace: number; said: string[] }
  assert.equal([result.held, result.aborted, result.count, result.grace], [true, true, 2, 5000])
  assert.match(result.said[0] ?? '', 'Interrupted: every part is uploaded, so the commit gets up to 5 s to finish before the upload stops (Ctrl-C again to abort the session instead)')
})

Interrupts('should stop at once when no commit is under way', async () => {
  const out = await child(`
    const ctrlC = interrupts(() => undefined, true, 'the upload', () => false)
    process.kill(process.pid, 'SIGINT')
    await pause(50)
    ctrlC.dispose()
    console.log(JSON.stringify({ aborted: ctrlC.signal.aborted, reason: String(ctrlC.signal.reason) }))
  `)
  assert.equal(JSON.parse(out), { aborted: true, reason: 'Error: interrupted (Ctrl-C)' })
})

Interrupts('should say what a second Ctrl-C does where no session is kept: still stopping, or cutting a commit\'s time short', async () => {
  // After each Ctrl-C, what was said and whether the task was stopped by then.
  const out = await child(`
    const said = []
    for (const [task, committing] of [['the download check', false], ['the upload', true]]) {
      const ctrlC = interrupts((text) => said.push(text), false, task, () => committing)
      for (const _ of [1, 2]) {
        process.kill(process.pid, 'SIGINT')
        await pause(50)
        said.push(ctrlC.signal.aborted ? 'stopped' : 'held')
      }
      ctrlC.dispose()
    }
    console.log(JSON.stringify(said))
  `)
  assert.equal(JSON.parse(out), [
    'Interrupted: stopping the download check…', 'stopped',
    'Interrupted again: still stopping the download check (Ctrl-C once more to exit at once)…', 'stopped',
    'Interrupted: every part is uploaded, so the commit gets up to 5 s to finish before the upload stops…', 'held',
    'Interrupted again: stopping the upload now, without waiting for the commit…', 'stopped',
  ])
})

Interrupts('should go on counting from the handler it takes over from: after a Ctrl-C in the commit\'s grace, the third of the run exits at once', async () => {
  const run = child(`
    const upload = interrupts(() => undefined, true, 'the upload', () => true)
    process.kill(process.pid, 'SIGINT')
    await pause(50)
    // The commit went through within the grace: the next stage takes over.
    upload.dispose()
    const said = []
    const check = interrupts((text) => said.push(text), false, 'the download check', undefined, () => console.log('left'), upload)
    const carried = { count: check.count(), aborted: check.signal.aborted, exitCode: check.exitCode() }
    process.kill(process.pid, 'SIGINT')
    await pause(50)
    console.log(JSON.stringify({ carried, second: { count: check.count(), aborted: check.signal.aborted, said } }))
    process.kill(process.pid, 'SIGINT')
    await pause(1000)
    console.log('still running')
  `)
  const failed = await run.then(() => undefined, (error: unknown) => String(error))
  assert.ok(failed !== undefined, 'the third Ctrl-C exits')
  assert.match(failed, 'exited with code 130')
  const out = failed.slice(failed.indexOf('stdout: ') + 8).trim().split('\n')
  assert.equal(JSON.parse(out[0] ?? ''), { carried: { count: 1, aborted: false, exitCode: 130 }, second: { count: 2, aborted: true, said: ['Interrupted again: stopping the download check…'] } })
  assert.equal(out.slice(1), ['left'])
})

Interrupts.run()
