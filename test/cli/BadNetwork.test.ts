/**
 * `box-upload` as a child process over a bad network: the TCP proxy of test/helpers/faultyLink.ts between
 * the command and the emulator (`--upload-url` names the proxy; the download check, `--api-url`, goes to
 * the emulator directly). What the library's own tests (test/BadNetwork.node.test.ts) find holds for the
 * command, which runs the library with the default retry policy.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { join } from 'node:path'
import { type LinkedEmulator, startLinkedEmulator } from '../helpers/faultyLink.ts'
import { run, tempDir, writeFileOf } from '../helpers/cli.ts'

const Cli = suite('box-upload over a bad network')

let dir: Awaited<ReturnType<typeof tempDir>>
Cli.before(async () => { dir = await tempDir() })
Cli.after(() => dir.remove())

/** The command's flags for `box`: the upload through the link, the download check straight to the emulator. */
const through = (box: LinkedEmulator) => ['--upload-url', box.uploadUrl, '--api-url', box.direct.apiUrl, '--token', 'dev-token', '--min-file-size', '1']

Cli('should upload and check the file when the answer to each connection\'s first part is cut after the part was stored', async () => {
  const box = await startLinkedEmulator({ minFileSize: 1, partSize: 256 * 1024 }, {
    plan: () => ({ cut: { direction: 'down', afterBytes: 0, after: 'PUT ' } }),
  })
  try {
    const path = join(dir.path, 'cut.bin')
    const sha1 = await writeFileOf(path, 1_500_000, 3)
    const ran = await run([path, ...through(box)], { timeoutMs: 60_000 })
    assert.is(ran.code, 0, ran.stderr)
    assert.match(ran.stdout, `  SHA-1:    ${sha1} (confirmed by Box)\n`)
    assert.match(ran.stdout, `  check:    downloaded back: SHA-1 ${sha1} matches the local file\n`)
    assert.ok(box.link.records().some((r) => r.fired.some((f) => f.startsWith('cut down'))), 'an answer was cut')
    // Each of the 6 parts stored once: a cut answer's part was found in the listing, not sent again.
    assert.is(box.records.filter((r) => r.method === 'PUT' && r.status === 200).length, 6)
    assert.equal(box.records.filter((r) => r.method === 'PUT' && r.status !== 200), [])
  } finally {
    await box.close()
  }
})

Cli('should move its progress on while the parts are being sent on a slow link, before Box confirms any', async () => {
  // Two parts of 16 MiB at once on an 8 MiB/s link: ~4 s before the first is confirmed. Until now the lines
  // said 0% all that while (fetch reports no upload progress), then 50% and 100%.
  const partSize = 16 * 1024 * 1024
  const box = await startLinkedEmulator({ minFileSize: 1, partSize }, { bandwidth: partSize / 2 })
  try {
    const path = join(dir.path, 'slow.bin')
    const sha1 = await writeFileOf(path, 2 * partSize, 4)
    const ran = await run([path, ...through(box)], { timeoutMs: 60_000 })
    assert.is(ran.code, 0, ran.stderr)
    assert.match(ran.stdout, `  SHA-1:    ${sha1} (confirmed by Box)\n`)
    const lines = ran.stderr.split('\n').filter((l) => l.startsWith('progress'))
    const beforeAnyPart = lines.filter((l) => /^progress\s+[1-9]\d?%.*parts 0\/2$/.test(l))
    assert.ok(beforeAnyPart.length >= 2, `progress lines:\n${lines.join('\n')}`)
    assert.match(lines.at(-1) ?? '', /^progress 100%.*parts 2\/2$/)
    const percents = lines.map((l) => Number(/(\d+)%/.exec(l)?.[1]))
    assert.equal(percents, [...percents].sort((a, b) => a - b), 'never backwards')
  } finally {
    await box.close()
  }
})

Cli.run()
