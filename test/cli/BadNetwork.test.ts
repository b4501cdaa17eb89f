/**
 * `box-upload` as a child process over a bad network: the TCP proxy of test/helpers/faultyLink.ts between
 * the command and the emulator (`--upload-url` names the proxy; the download check, `--api-url`, goes to
 * the emulator directly). What the library's own tests (test/BadNetwork.node.test.ts) find holds for the
 * command, which runs the library with the default retry policy.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { join } from 'node:path'
import { startLinkedEmulator } from '../helpers/faultyLink.ts'
import { run, tempDir, writeFileOf } from '../helpers/cli.ts'

const Cli = suite('box-upload over a bad network')

let dir: Awaited<ReturnType<typeof tempDir>>
Cli.before(async () => { dir = await tempDir() })
Cli.after(() => dir.remove())

Cli('should upload and check the file when the answer to each connection\'s first part is cut after the part was stored', async () => {
  const box = await startLinkedEmulator({ minFileSize: 1, partSize: 256 * 1024 }, {
    plan: () => ({ cut: { direction: 'down', afterBytes: 0, after: 'PUT ' } }),
  })
  try {
    const path = join(dir.path, 'cut.bin')
    const sha1 = await writeFileOf(path, 1_500_000, 3)
    const ran = await run([path, '--upload-url', box.uploadUrl, '--api-url', box.direct.apiUrl, '--token', 'dev-token', '--min-file-size', '1'], { timeoutMs: 60_000 })
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

Cli.run()
