/**
 * What the tests of `box-upload <file>` against an emulator share (test/cli/): the token, the flags that
 * let small files through, the emulator a suite runs for all its tests or one a test runs alone, and the
 * interrupted uploads their tests start from.
 */
import * as assert from 'uvu/assert'
import type { Test } from 'uvu'
import { createHash } from 'node:crypto'
import { access } from 'node:fs/promises'
import { join } from 'node:path'
import type { RequestRecord } from '../../src/emulator/Options.ts'
import { startEmulator, type RunningEmulator } from './emulator.ts'
import { type Running, start, tempDir, until, writeFileOf } from './cli.ts'

export const TOKEN = 'cli-test-token-not-to-be-written'
export const small = ['--min-file-size', '1']
export const exists = (path: string) => access(path).then(() => true, () => false)

/** The bytes of file `id` downloaded from the emulator, as a SHA-1. */
export const downloaded = async (box: RunningEmulator, id: string, token = 'dev-token'): Promise<string> => {
  const response = await fetch(`${box.apiUrl}/files/${id}/content`, { headers: { Authorization: `Bearer ${token}` } })
  assert.is(response.status, 200)
  return createHash('sha1').update(new Uint8Array(await response.arrayBuffer())).digest('hex')
}

/**
 * One emulator (256 KiB parts, every answer 40 ms late, `TOKEN` and the public `dev-token`) and one temp directory
 * for all the tests of `suite`: started by its `before` hook, closed by its `after` one. The record of every answer
 * goes into `records()`, which the suite's file empties before each test. `box` and `dir` are filled in once the
 * suite starts; `remote()` are the flags of an upload to `box`, and `interrupted` starts one and stops it.
 */
export const runningEmulator = (suite: Test, records: () => Array<RequestRecord>) => {
  const box = {} as RunningEmulator
  const dir = {} as Awaited<ReturnType<typeof tempDir>>
  const remote = () => ['--upload-url', box.url, '--api-url', box.apiUrl, '--token', TOKEN, ...small]
  const partsStored = () => records().filter((r) => r.method === 'PUT' && r.status === 200).length

  /** Writes a 16-part file and starts uploading it, one part at a time; sends Ctrl-C (or `signal`) once `parts` are stored. */
  const interrupted = async (name: string, parts: number, seed: number, signal: NodeJS.Signals = 'SIGINT') => {
    const path = join(dir.path, name)
    const sha1 = await writeFileOf(path, 4 * 1024 * 1024, seed)
    const upload = start([path, ...remote(), '--concurrency', '1'])
    await until(() => partsStored() >= parts)
    upload.child.kill(signal)
    return { path, sha1, upload }
  }

  // Filled in here, in place: the tests hold `box` and `dir` from before the suite starts.
  suite.before(async () => {
    Object.assign(dir, await tempDir())
    Object.assign(box, await startEmulator({
      tokens: [TOKEN, 'dev-token'], minFileSize: 1, partSize: 256 * 1024,
      faults: { latencyMs: 40 },
      onRequest: (r) => void records().push(r),
    }))
  })
  suite.after(async () => {
    await box.close()
    await dir.remove()
  })
  return { box, dir, remote, partsStored, interrupted }
}

/** Ctrl-C, then Ctrl-C again each time stderr shows the next of `cues`; the run's end. */
export const ctrlCs = async (upload: Running, cues: ReadonlyArray<string>) => {
  upload.child.kill('SIGINT')
  for (const cue of cues) {
    await until(() => upload.stderr().includes(cue))
    upload.child.kill('SIGINT')
  }
  return upload.done
}

/** A 4 MiB file at `path` uploaded to `url` one part at a time, stopped with Ctrl-C once a part is stored (`seen`: the server's records). */
export const interruptedAt = async (url: string, seen: ReadonlyArray<RequestRecord>, path: string, seed: number) => {
  const sha1 = await writeFileOf(path, 4 * 1024 * 1024, seed)
  const args = ['--upload-url', url, '--token', TOKEN, ...small]
  const first = start([path, ...args, '--concurrency', '1'])
  await until(() => seen.some((r) => r.method === 'PUT' && r.status === 200))
  first.child.kill('SIGINT')
  assert.is((await first.done).code, 130)
  return { path, args, sha1 }
}

/** An emulator of its own for one test, its records, and a temp directory; both closed after `body`. */
export const alone = async (options: Parameters<typeof startEmulator>[0], body: (own: RunningEmulator, seen: Array<RequestRecord>, path: string) => Promise<void>) => {
  const seen: Array<RequestRecord> = []
  const own = await startEmulator({ tokens: [TOKEN], minFileSize: 1, partSize: 256 * 1024, ...options, onRequest: (r) => void seen.push(r) })
  const temp = await tempDir()
  try {
    await body(own, seen, temp.path)
  } finally {
    await own.close()
    await temp.remove()
  }
}
