/**
 * Bun sends a part's body as Node does (`#partBody`'s `bun` condition: src/body/stream.ts, 1 MiB views of
 * the part with a Content-Length, read as the socket takes them), not as bytes: no copy of each part out
 * of shared memory, and the stall check and the held timeout of a slow link work there too. Shown by Bun
 * itself (test/helpers/stallUnderBun.ts) uploading through a link that stalls the first part's body.
 */
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { once, startLinkedEmulator } from './helpers/faultyLink.ts'
import { ROOT } from './helpers/cli.ts'

const BunBody = suite('Bun: part bodies as streams')

BunBody('should end an attempt whose body stalls on a dead link at the stall limit under Bun (with bytes, only its timeoutMs would)', async () => {
  const first = once()
  const box = await startLinkedEmulator({ minFileSize: 1, partSize: 16 * 1024 * 1024 }, {
    plan: () => ({ stall: { direction: 'up', afterBytes: 1_000_000, after: 'PUT ', onlyIf: first } }),
  })
  try {
    const output = await new Promise<string>((resolve, reject) => {
      execFile(join(ROOT, 'node_modules/.bin/bun'), [join(ROOT, 'test/helpers/stallUnderBun.ts'), box.uploadUrl, box.direct.apiUrl],
        { cwd: ROOT, timeout: 40_000 }, (error, stdout, stderr) => (error ? reject(new Error(`${String(error)}\n${stderr}`)) : resolve(stdout)))
    })
    const outcome = JSON.parse(output.trim().split('\n').at(-1) ?? '{}') as { tag: string; message?: string; ms: number }
    assert.is(outcome.tag, 'Left', output)
    assert.match(outcome.message ?? '', `part 0 (bytes 0-${16 * 1024 * 1024 - 1}/${16 * 1024 * 1024 + 1_000_003}) stalled: the connection took under 1 MiB of it in 0.5 s`)
    assert.ok(outcome.ms < 10_000, `ended after ${outcome.ms} ms, not at the stall limit`)
    assert.ok(box.link.records().some((r) => r.fired.some((f) => f.startsWith('stall up'))), 'a body stalled')
  } finally {
    box.link.release()
    await box.close()
  }
})

BunBody.run()
