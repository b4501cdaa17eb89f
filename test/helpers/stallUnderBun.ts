/**
 * Run by Bun (test/BunBody.node.test.ts): one upload through the link at `argv[2]` (upload URL) whose first
 * part's body stalls, with the stall limit at 0.5 s, no retry and a 10 s timeout; prints the outcome as JSON.
 * `#partBody` resolves here by Bun's own conditions, as in a Bun user's project.
 */
import { client } from '../../src/Client.ts'
import { upload } from '../../src/Upload.ts'
import { message } from '../../src/UploadError.ts'
import { setStallMs } from '../../src/body/stream.ts'

const [uploadUrl = '', apiUrl = ''] = process.argv.slice(2)
setStallMs(500)
const fileSize = 16 * 1024 * 1024 + 1_000_003
const started = performance.now()
const result = await upload(client({ token: 'dev-token', uploadUrl, apiUrl }))(
  { source: new Blob([new Uint8Array(fileSize)]).stream(), folderId: '0', fileName: 'bun-stalled.bin', fileSize },
  { concurrency: 1, retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1, timeoutMs: 10_000 } },
)()
console.log(JSON.stringify({ tag: result._tag, message: result._tag === 'Left' ? message(result.left) : undefined, ms: Math.round(performance.now() - started) }))
