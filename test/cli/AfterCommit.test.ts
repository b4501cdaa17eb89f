/**
 * After the commit: the check of an earlier interrupted upload's session, and the download check, each bounded
 * and stopped by Ctrl-C; the file is committed, not checked.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { execFileSync } from 'node:child_process'
import { renameSync } from 'node:fs'
import { open, readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import type { RequestRecord } from '../../src/emulator/Options.ts'
import { startEmulator } from '../helpers/emulator.ts'
import { type Running, start, tempDir, until, writeFileOf } from '../helpers/cli.ts'
import { exists, interruptedAt, runningEmulator, small, TOKEN } from '../helpers/cliUploads.ts'
import { emulatorBehindProxy } from '../helpers/reverseProxy.ts'

const AfterCommit = suite('after the commit: the earlier upload\'s state, the download check')

let records: Array<RequestRecord> = []
const { box, dir } = runningEmulator(AfterCommit, () => records)
AfterCommit.before.each(() => { records = [] })

/**
 * An emulator behind a proxy that holds (never answers) `GET` of the session `held()` names, and what
 * the emulator saw; an earlier upload of a 4 MiB file `name` there interrupted once; then `body`.
 */
const behindProxy = async (
  name: string, seed: number,
  body: (args: ReadonlyArray<string>, path: string, statePath: string, earlier: string, holding: () => boolean) => Promise<void>,
) => {
  const seen: Array<RequestRecord> = []
  let held: string | undefined
  let holding = false
  const { front, uploadUrl, close } = await emulatorBehindProxy({ tokens: [TOKEN], minFileSize: 1, partSize: 256 * 1024, faults: { latencyMs: 40 }, onRequest: (r) => void seen.push(r) }, (request) => {
    if (held === undefined || request.method !== 'GET' || request.url !== `/api/2.0/files/upload_sessions/${held}`) return false
    holding = true
    return true
  })
  const temp = await tempDir()
  try {
    const { path, args } = await interruptedAt(uploadUrl, seen, join(temp.path, name), seed)
    const statePath = join(temp.path, `.box-upload-state.${name}.json`)
    held = (JSON.parse(await readFile(statePath, 'utf8')) as { session: { id: string } }).session.id
    await body([...args, '--api-url', `${front.origin}/2.0`], path, statePath, held, () => holding)
  } finally {
    await close()
    await temp.remove()
  }
}

/**
 * A 600 KiB file `name` uploaded with `--json` to an emulator of its own that puts a FIFO in the file's place once
 * it is committed: the check's second read of the file then lasts as the test likes. `body` gets the run, the
 * file's path, and whether the download (which comes with that read) has begun.
 */
const fifoAtCommit = async (name: string, seed: number, body: (upload: Running, path: string, downloading: () => boolean) => Promise<void>) => {
  const temp = await tempDir()
  const path = join(temp.path, name)
  const fifo = join(temp.path, 'fifo')
  let downloading = false
  const own = await startEmulator({
    tokens: [TOKEN], minFileSize: 1, partSize: 256 * 1024,
    onRequest: (r) => {
      if (r.method === 'POST' && r.path.endsWith('/commit') && r.status === 201) renameSync(fifo, path)
      if (r.method === 'GET' && r.path.endsWith('/content')) downloading = true
    },
  })
  try {
    await writeFileOf(path, 600 * 1024, seed)
    execFileSync('mkfifo', [fifo])
    await body(start([path, '--upload-url', own.url, '--api-url', own.apiUrl, '--token', TOKEN, '--json', ...small]), path, () => downloading)
  } finally {
    await own.close()
    await temp.remove()
  }
}

AfterCommit('should exit 130 and say the file is committed when Ctrl-C stops the download check', async () => {
  // An API host that takes the download request and never answers: the check is under way for as long as the test likes.
  let asked = false
  const hanging = createServer((request) => { if (request.url?.includes('/content')) asked = true })
  await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', () => resolve()))
  try {
    const port = (hanging.address() as AddressInfo).port
    const path = join(dir.path, 'check.bin')
    await writeFileOf(path, 600 * 1024, 35)
    const upload = start([path, '--upload-url', box.url, '--api-url', `http://127.0.0.1:${port}/2.0`, '--token', TOKEN, ...small])
    await until(() => asked)
    upload.child.kill('SIGINT')
    const ran = await upload.done
    assert.is(ran.code, 130, ran.stderr)
    assert.match(ran.stderr, 'Interrupted: stopping the download check…')
    assert.match(ran.stderr, /box-upload: uploaded as file \d+ \(committed\), then stopped: the download check did not end/)
    assert.not.match(ran.stderr, 'keeping its session')
    assert.not.ok(await exists(join(dir.path, '.box-upload-state.check.bin.json')), 'no state: nothing to resume')
  } finally {
    hanging.closeAllConnections()
    await new Promise((resolve) => hanging.close(resolve))
  }
})

AfterCommit('should give the check of an earlier upload\'s session 5 s at most, then keep its state', () => behindProxy('bounded.bin', 71, async (args, path, statePath, earlier, holding) => {
  const upload = start([path, ...args, '--json'], { timeoutMs: 30_000 })
  await until(holding, 15_000)
  const asked = Date.now()
  const ran = await upload.done
  const waited = Date.now() - asked
  assert.is(ran.code, 0, ran.stderr)
  assert.is((JSON.parse(ran.stdout) as { verified: boolean }).verified, true)
  assert.ok(waited >= 4500 && waited < 15_000, `the check was given its 5 s, no more (${waited} ms)`)
  assert.match(ran.stderr, `note: ${statePath} still holds the interrupted upload to `)
  assert.is((JSON.parse(await readFile(statePath, 'utf8')) as { session: { id: string } }).session.id, earlier, 'a session that could not be read stays resumable')
}))

AfterCommit('should cut the check of an earlier upload\'s session short on Ctrl-C: committed, not checked, its state kept', () => behindProxy('cut-short.bin', 72, async (args, path, statePath, earlier, holding) => {
  const upload = start([path, ...args, '--json'], { timeoutMs: 30_000 })
  await until(holding, 15_000)
  const asked = Date.now()
  upload.child.kill('SIGINT')
  const ran = await upload.done
  const waited = Date.now() - asked
  assert.is(ran.code, 130, ran.stderr)
  assert.ok(waited < 4000, `stopped at once, not after the check's 5 s (${waited} ms)`)
  assert.match(ran.stderr, 'Interrupted: stopping the check of the earlier upload\'s state…')
  assert.match(ran.stderr, /box-upload: uploaded as file \d+ \(committed\), then stopped: the file was not checked/)
  assert.match((JSON.parse(ran.stdout) as { message: string }).message, 'then stopped: the file was not checked')
  assert.is((JSON.parse(await readFile(statePath, 'utf8')) as { session: { id: string } }).session.id, earlier)
}))

// README: "also during the check of an earlier upload's session that comes first; without a download check, the result
// is then printed as usual": here no --api-url, so nothing is left unchecked.
AfterCommit('should print the result as usual when Ctrl-C cuts the check of an earlier upload\'s session short and no download check follows', () => behindProxy('no-check.bin', 73, async (args, path, statePath, earlier, holding) => {
  const upload = start([path, ...args.slice(0, -2), '--json'], { timeoutMs: 30_000 })
  await until(holding, 15_000)
  upload.child.kill('SIGINT')
  const ran = await upload.done
  assert.is(ran.code, 0, ran.stderr)
  assert.match(ran.stderr, 'Interrupted: stopping the check of the earlier upload\'s state…')
  const result = JSON.parse(ran.stdout) as { ok: boolean; verified: boolean | null }
  assert.equal([result.ok, result.verified], [true, null])
  assert.is((JSON.parse(await readFile(statePath, 'utf8')) as { session: { id: string } }).session.id, earlier)
}))

// The local file is read again for the check, alongside the download: the first Ctrl-C stops that read too. Here
// the FIFO is fed a little at a time for as long as it is read: read to its end, it would never end.
AfterCommit('should stop reading the local file again on the first Ctrl-C during the download check: exit 130 at once, committed, not checked', () => fifoAtCommit('fed.bin', 79, async (upload, path, downloading) => {
  await until(downloading)
  // The check opens the FIFO to read it: opened to write as well, it is fed.
  const writer = await open(path, 'w')
  let feeding = true
  let fed = 0
  const feed = (async () => {
    while (feeding) {
      // Once the reader is gone: EPIPE.
      fed += (await writer.write(new Uint8Array(4096)).catch(() => ({ bytesWritten: 0 }))).bytesWritten
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  })()
  try {
    await until(() => fed > 0)
    const asked = Date.now()
    upload.child.kill('SIGINT')
    const ran = await upload.done
    const waited = Date.now() - asked
    assert.is(ran.code, 130, ran.stderr)
    assert.ok(waited < 3000, `stopped at once, not when the file's read ends (${waited} ms)`)
    assert.match(ran.stderr, 'Interrupted: stopping the download check…')
    assert.match((JSON.parse(ran.stdout) as { message: string }).message, /^uploaded as file \d+ \(committed\), then stopped: the download check did not end, so the file was not checked$/)
  } finally {
    feeding = false
    await feed
    await writer.close()
  }
}))

// A read that never ends (a hung network mount; here the FIFO, never fed) holds the check past two Ctrl-Cs.
AfterCommit('should exit at once on a third Ctrl-C during the download check, saying in the one JSON object that the file is committed but not checked', () => fifoAtCommit('unread.bin', 73, async (upload, _path, downloading) => {
  await until(downloading)
  upload.child.kill('SIGINT')
  await until(() => upload.stderr().includes('Interrupted: stopping the download check…'))
  upload.child.kill('SIGINT')
  await until(() => upload.stderr().includes('Interrupted again: still stopping the download check (Ctrl-C once more to exit at once)…'))
  // Ctrl-C until the run ends (a signal sent before the last was taken may merge with it).
  for (let i = 0; upload.child.exitCode === null && upload.child.signalCode === null && i < 100; i++) {
    upload.child.kill('SIGINT')
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  const ran = await upload.done
  // 130, or the end by SIGINT itself that a shell reports as 130 (not the test's kill when the run times out).
  assert.ok(ran.code === 130 || (ran.code === null && ran.signal === 'SIGINT'), `${ran.code} ${ran.signal} ${ran.stderr}`)
  const result = JSON.parse(ran.stdout) as { ok: boolean; exitCode: number; message: string; state?: string }
  assert.equal([result.ok, result.exitCode, result.state], [false, 130, undefined])
  assert.match(result.message, /^uploaded as file \d+ \(committed\), then interrupted three times: exited at once, the file not checked$/)
}))

AfterCommit.run()
