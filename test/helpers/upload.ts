/**
 * What the upload pipeline's tests share: an emulator tuned for small, fast uploads, a client for
 * it, sources with random chunking, and reading back what Box committed. Web APIs only (no
 * `node:*`), so the test files using it run in every runtime.
 */
import * as E from 'fp-ts/lib/Either.js'
import * as assert from 'uvu/assert'
import { type Client, client } from '../../src/Client.ts'
import { mulberry32 } from '../../src/emulator/Faults.ts'
import type { EmulatorOptions, RequestRecord } from '../../src/emulator/Options.ts'
import type { Part } from '../../src/Part.ts'
import type { RetryPolicy } from '../../src/Retry.ts'
import { type RunningEmulator, startEmulator } from './emulator.ts'

export const TOKEN = 'dev-token'

/** Retries fast enough for tests: a few ms of backoff. */
export const fastRetry: RetryPolicy = { retries: 6, baseDelayMs: 2, maxDelayMs: 20, timeoutMs: 5000 }

/** An emulator for tests: any file size, small parts, `Retry-After: 0`, with its request records. */
export interface TestBox {
  readonly emulator: RunningEmulator
  readonly client: Client
  readonly records: Array<RequestRecord>
  /** Every request the client handed to `fetch`, when it did (the emulator's records say when requests ARRIVED). */
  readonly sent: Array<Sent>
  readonly close: () => Promise<void>
}

/** What `download` and `sessionStatus` read of a box: the emulator's own URLs (a `TestBox`, or an emulator behind a proxy). */
export interface EmulatorUrls {
  readonly emulator: Pick<RunningEmulator, 'url' | 'apiUrl'>
}

/** A request as the client's `fetch` saw it. */
export interface Sent {
  readonly method: string
  readonly url: string
  readonly at: number
}

/** A `fetch` that logs every call into `sent` (an injected capability, not a patched global). */
const logging = (sent: Array<Sent>): typeof fetch => (input, init) => {
  sent.push({ method: init?.method ?? 'GET', url: String(input), at: Date.now() })
  return fetch(input, init)
}

export const startBox = async (options: EmulatorOptions = {}): Promise<TestBox> => {
  const records: Array<RequestRecord> = []
  const sent: Array<Sent> = []
  const emulator = await startEmulator({
    minFileSize: 1,
    partSize: 1024,
    ...options,
    faults: { retryAfterSeconds: 0, ...options.faults },
    onRequest: (record) => records.push(record),
  })
  return {
    emulator,
    client: client({ token: TOKEN, uploadUrl: emulator.url, apiUrl: emulator.apiUrl, fetch: logging(sent) }),
    records,
    sent,
    close: emulator.close,
  }
}

/** A test body run against a fresh emulator, closed afterwards whatever happens. */
export const withBox = (options: EmulatorOptions, run: (box: TestBox) => Promise<void>) => async (): Promise<void> => {
  const box = await startBox(options)
  try {
    await run(box)
  } finally {
    await box.close()
  }
}

/** The emulator's seeded PRNG (mulberry32): the same seed gives the same bytes and chunkings. */
export const prng = mulberry32

/** `size` seeded random bytes. */
export const bytesOf = (size: number, seed = 1): Uint8Array<ArrayBuffer> => {
  const random = prng(seed)
  const out = new Uint8Array(size)
  for (let i = 0; i < size; i++) out[i] = Math.floor(random() * 256)
  return out
}

/** A pull-based stream of `bytes` in chunks of random sizes in [1, maxChunk] (a fresh copy each, like a network source). */
export const sourceOf = (bytes: Uint8Array, options: { readonly maxChunk?: number; readonly seed?: number; readonly onPull?: (offset: number) => void } = {}): ReadableStream<Uint8Array> => {
  const random = prng(options.seed ?? 7)
  const maxChunk = options.maxChunk ?? 700
  let offset = 0
  return new ReadableStream<Uint8Array>({
    pull: (controller) => {
      options.onPull?.(offset)
      if (offset >= bytes.length) return controller.close()
      const size = 1 + Math.floor(random() * maxChunk)
      controller.enqueue(bytes.slice(offset, offset + size))
      offset += size
    },
  }, { highWaterMark: 0 })
}

/** The bytes of a committed file, read back from the emulator. */
export const download = async (box: EmulatorUrls, fileId: string, token = TOKEN): Promise<Uint8Array> => {
  const response = await fetch(`${box.emulator.apiUrl}/files/${fileId}/content`, { headers: { Authorization: `Bearer ${token}` } })
  assert.is(response.status, 200, `download of file ${fileId}`)
  return new Uint8Array(await response.arrayBuffer())
}

/** Asserts two byte arrays are equal (without printing megabytes on failure). */
export const sameBytes = (actual: Uint8Array, expected: Uint8Array, what = 'bytes'): void => {
  assert.is(actual.length, expected.length, `${what}: length`)
  const first = actual.findIndex((byte, i) => byte !== expected[i])
  assert.is(first, -1, `${what}: first difference at byte ${first}`)
}

/** The value of a Right; fails the test with the Left otherwise. */
export const rightOf = <A>(result: E.Either<unknown, A>): A => {
  if (E.isLeft(result)) assert.unreachable(`expected success, got ${JSON.stringify(result.left)}`)
  return (result as E.Right<A>).right
}

/** The status of a session's status URL now (404 once deleted). */
export const sessionStatus = async (box: EmulatorUrls, sessionId: string): Promise<number> => {
  const response = await fetch(`${box.emulator.url}/files/upload_sessions/${sessionId}`, { headers: { Authorization: `Bearer ${TOKEN}` } })
  await response.arrayBuffer()
  return response.status
}

/** Records of commits that created a file. */
export const commits = (box: TestBox): ReadonlyArray<RequestRecord> =>
  box.records.filter((r) => r.method === 'POST' && r.path.endsWith('/commit') && r.status === 201)

let names = 0
/** A file name no other test of this run uses. */
export const uniqueName = (prefix = 'upload'): string => `${prefix}-${Date.now().toString(36)}-${++names}.bin`

/**
 * Waits (bounded, 2 s) until `check` holds. For the emulator's request records: outside Node they
 * travel from the runner and may come a moment after the answer they describe.
 */
export const eventually = async (check: () => boolean, ms = 2000): Promise<void> => {
  const end = Date.now() + ms
  while (!check() && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 5))
}

/** Waits (bounded) until the emulator recorded as many requests as the client sent. */
export const recorded = (box: TestBox): Promise<void> => eventually(() => box.records.length >= box.sent.length)

/** A part of `bytes` alone, for the body variants (which read its bytes, index and range). */
export const partOf = (bytes: Uint8Array<ArrayBufferLike>): Part<ArrayBufferLike> =>
  ({ index: 0, offset: 0, end: bytes.length - 1, size: bytes.length, bytes, sha1: '', sha1Hex: '', contentRange: `bytes 0-${bytes.length - 1}/${bytes.length}`, release: () => undefined })

export { within } from './within.ts'
