/**
 * `npx tsx src/emulator/main.ts`: runs the emulator on 127.0.0.1 (`PORT` env, default 0 = any free port), prints its
 * URLs and how to use them, and runs until SIGINT/SIGTERM. Configuration from the environment:
 * `BOX_TOKENS` (comma-separated), `BOX_MIN_FILE_SIZE`, `BOX_PART_SIZE`, `BOX_STORAGE` (memory|digest),
 * `BOX_PROCESSING_DELAY_MS`, `BOX_LATENCY_MS`.
 */
import { serve } from './node.ts'
import type { Storage } from './Options.ts'

/** Stops with one line on stderr and exit code 2: a setting this emulator cannot take. */
// Typed as a whole (not only its return), so that a call narrows like `throw` does.
const refuse: (message: string) => never = (message) => {
  process.stderr.write(`${message}\n`)
  return process.exit(2)
}

/** A whole number from the environment (plain digits: `20MB` or `1KiB` would read as NaN and be ignored, so they are refused). */
const env = (name: string): number | undefined => {
  const v = process.env[name]?.trim()
  if (v === undefined || v === '') return undefined
  return /^\d+$/.test(v) ? Number(v) : refuse(`${name} must be a whole number (plain digits, in bytes or ms), got ${JSON.stringify(v)}`)
}

const tokens = (process.env['BOX_TOKENS'] ?? 'dev-token').split(',').map((t) => t.trim()).filter(Boolean)
if (tokens.length === 0) refuse('BOX_TOKENS must name at least one token (comma-separated), or be unset for dev-token')
const minFileSize = env('BOX_MIN_FILE_SIZE')
const partSize = env('BOX_PART_SIZE')
const processingDelayMs = env('BOX_PROCESSING_DELAY_MS')
const latencyMs = env('BOX_LATENCY_MS')
const storageName = process.env['BOX_STORAGE'] || undefined
if (storageName !== undefined && storageName !== 'memory' && storageName !== 'digest') refuse(`BOX_STORAGE must be memory or digest, got ${JSON.stringify(storageName)}`)
const storage: Storage | undefined = storageName

const box = await serve({
  port: env('PORT') ?? 0,
  tokens,
  ...(minFileSize !== undefined ? { minFileSize } : {}),
  ...(partSize !== undefined ? { partSize } : {}),
  ...(processingDelayMs !== undefined ? { processingDelayMs } : {}),
  ...(storage ? { storage } : {}),
  ...(latencyMs !== undefined ? { faults: { latencyMs } } : {}),
  // A setting the emulator refuses (BOX_PART_SIZE=0, say), or a port in use: one line, not a stack trace.
}).catch((error: unknown) => refuse(error instanceof Error ? error.message : String(error)))

// The example below must work as printed: with a token this emulator takes (BOX_TOKENS' first: its own test
// tokens, as dev-token is), and a file_size its BOX_MIN_FILE_SIZE lets through.
const exampleSize = Math.max(20_000_000, minFileSize ?? 0)

console.log(`Box upload-session emulator
  upload API (like https://upload.box.com/api/2.0): ${box.url}
  API        (like https://api.box.com/2.0):        ${box.apiUrl}
  tokens: ${tokens.length} configured (default token: "dev-token" unless BOX_TOKENS is set)

Try it:
  curl -s -X POST ${box.url}/files/upload_sessions \\
    -H 'Authorization: Bearer ${tokens[0]}' -H 'Content-Type: application/json' \\
    -d '{"folder_id":"0","file_size":${exampleSize},"file_name":"big.bin"}'

Environment: PORT, BOX_TOKENS, BOX_MIN_FILE_SIZE, BOX_PART_SIZE, BOX_STORAGE (memory|digest),
BOX_PROCESSING_DELAY_MS, BOX_LATENCY_MS. Stop with Ctrl-C.`)

const stop = () => {
  void box.close().then(() => process.exit(0))
}
process.once('SIGINT', stop)
process.once('SIGTERM', stop)
