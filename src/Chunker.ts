/**
 * The chunker: re-cuts any stream of bytes into the parts of a Box upload session, each hashed
 * (SHA-1), and the whole file's SHA-1 for the commit.
 *
 * It is a readable/writable pair (use it with `pipeThrough`) rather than a `new TransformStream`,
 * because a `TransformStream` cannot wait for its reader in the middle of a chunk: a 1 GiB chunk
 * would turn into 128 queued 8 MiB parts. Here a part is only cut when the reader has room for it.
 */
import { partRange, slices } from './Cut.ts'
import { contentRange, type Part } from './Part.ts'
import { defaultSha1, toBase64, toHex, type FileHasher, type Sha1 } from './Sha1.ts'
import { type UploadError, aborted, hashError, invalidInput, isUploadError, shown, sizeMismatch } from './UploadError.ts'
import { PositiveInteger } from './UploadSession.ts'

// ---------------------------------------------------------------------------------------------
// model

/** Options of `chunker`. */
export interface ChunkerOptions {
  /** Bytes per part (the session's `part_size`). */
  readonly partSize: number
  /** Exact size of the file; a stream with more or fewer bytes fails. */
  readonly fileSize: number
  /** The SHA-1 implementation; defaults to the fastest this runtime has (`defaultSha1`). */
  readonly sha1?: Sha1 | undefined
  /**
   * How many parts may be cut ahead while the reader waits for one, asked at every cut (default and
   * cap: `sha1.depth`; at least 1). A consumer with few free slots left asks for fewer, so the parts
   * it holds plus those cut ahead stay within its budget.
   */
  readonly ahead?: (() => number) | undefined
  /**
   * Part buffers in shared memory where the SHA-1 implementation hashes them on other threads
   * (`sha1.shared`: Node and Bun), so no part moves between threads; meant for uploads, whose pace
   * the network sets: under Node one worker thread does both passes (~0.95 GB/s of parts, half the
   * default's hashing speed, for one thread less). The parts' bytes may then be views of a
   * `SharedArrayBuffer`, which `fetch` (Bun's excepted) and `crypto.subtle` refuse as they are: for consumers that
   * send them as streams (`upload` does). Default `false`.
   */
  readonly shared?: boolean | undefined
}

/** Options of a chunker whose parts are plain `ArrayBuffer` views (no `shared`, or `false`): what `fetch` and `crypto.subtle` take. */
export type PlainChunkerOptions = ChunkerOptions & { readonly shared?: false | undefined }

/**
 * Bytes in, parts out. `digest` is the whole file's SHA-1 (base64), resolved once the source has
 * ended with exactly `fileSize` bytes and every part is hashed; on failure the stream errors and
 * `digest` rejects with the same reason (an `UploadError` for the chunker's own failures).
 */
export type Chunker<Buffer extends ArrayBufferLike = ArrayBuffer> = TransformStream<Uint8Array, Part<Buffer>> & { readonly digest: Promise<string> }

/**
 * Makes a chunker from `Options`: without `shared` (or with `false`) its parts are plain
 * `ArrayBuffer` views; with `shared: true`, or a flag only known at run time, they may be shared memory.
 * Options in a variable typed `ChunkerOptions` count as the latter (their `shared` is a `boolean`):
 * type it `PlainChunkerOptions` for plain parts.
 */
export interface MakeChunker<Options> {
  (options: Options & { readonly shared?: false | undefined }): Chunker
  (options: Options): Chunker<ArrayBufferLike>
}

// ---------------------------------------------------------------------------------------------
// constructors

/**
 * Cuts a stream into parts of exactly `partSize` bytes (the last one shorter, never empty), in
 * order, each with its SHA-1, copying each byte once into a pooled part buffer (see `Part.release`).
 * One part is cut ahead of a busy reader (up to `sha1.depth` while it waits), so memory stays bounded.
 * @example
 * const c = chunker({ partSize: session.partSize, fileSize })
 * for await (const part of file.stream().pipeThrough(c)) await upload(part).then(part.release)
 * commit(await c.digest)
 */
export const chunker = ((options: ChunkerOptions): Chunker<ArrayBufferLike> => {
  const invalid = validate(options)
  return invalid === undefined ? cutting(options) : failed(invalid)
  // Without `shared`, every part buffer is a plain `ArrayBuffer` (`cutting` allocates no other kind).
}) as MakeChunker<ChunkerOptions>

// ---------------------------------------------------------------------------------------------
// helpers

const validate = ({ partSize, fileSize }: ChunkerOptions): UploadError | undefined =>
  !PositiveInteger.is(partSize) ? invalidInput(`partSize must be a positive integer, got ${shown(partSize)}`)
  : fileSize === 0 ? invalidInput('fileSize is 0: Box upload sessions need at least one byte; upload an empty file with a plain upload')
  : !PositiveInteger.is(fileSize) ? invalidInput(`fileSize must be a positive integer, got ${shown(fileSize)}`)
  : undefined

const tagOf = (chunk: unknown): string => Object.prototype.toString.call(chunk).slice(8, -1)

/**
 * A chunk's bytes, never copied: a `Uint8Array` (a `Buffer` too) as it is, any other view or an
 * `ArrayBuffer` (what Node 20's `FileHandle.readableWebStream()` yields) as a `Uint8Array` of the
 * same memory; anything else is not bytes. Tags, not `instanceof`, which fails across realms.
 */
const bytesIn = (chunk: unknown): Uint8Array | undefined =>
  !ArrayBuffer.isView(chunk) ? (tagOf(chunk) === 'ArrayBuffer' ? new Uint8Array(chunk as ArrayBuffer) : undefined)
  : tagOf(chunk) === 'Uint8Array' ? (chunk as Uint8Array)
  : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)

const describe = (chunk: unknown): string =>
  chunk === null ? 'null' : typeof chunk === 'object' ? tagOf(chunk) : typeof chunk

const noop = (): void => undefined

const copyPlain = (target: Uint8Array, at: number, source: Uint8Array): void => target.set(source, at)

/**
 * Bytes copied between two turns of the event loop (see `turn`). 1 MiB rather than 4: in A/B runs
 * of the benchmark's 1 GiB upload, 20 pairs back to back, 15 were faster, by 1.5% (median).
 */
const bytesPerTurn = 1024 * 1024

/**
 * What each chunk counts for besides its bytes, toward `bytesPerTurn`: a source of tiny chunks in
 * memory (a CSV written row by row: 32 MiB of 80-byte rows is 420,000 chunks, ~1.7 s of microtasks
 * at ~4 µs each) turns every ~1,000 chunks too, where its bytes alone would hold the loop for seconds.
 */
const chunkWeight = 1024

/**
 * A turn of the event loop, where the runtime has a cheap one (`setImmediate`: Node, Deno, Bun).
 * A source that answers every read at once (bytes in memory) keeps the pipe in microtasks, which
 * hold back the hashing threads' answers, the sockets and the rest of the app while parts are cut
 * ahead (60-90 ms at a time in an upload of 32 MiB parts); a turn every 1 MiB copied lets them in
 * (each chunk counting `chunkWeight` more: see there).
 * Browsers and workerd go without: their `setTimeout` is clamped to 4 ms once nested.
 */
const turn = (): Promise<void> | undefined => {
  const immediate = (globalThis as { readonly setImmediate?: (callback: () => void) => unknown }).setImmediate
  // setImmediate is the executor itself: at the next turn it calls resolve (with reject as its argument, a value nobody reads).
  return immediate === undefined ? undefined : new Promise<void>(immediate)
}


/** A call of the SHA-1 implementation; its failure (a rejection or a throw) is a `HashError`, not the source's fault. */
const hashing = <A>(call: () => Promise<A>): Promise<A> =>
  // Called now (an executor runs at once); a throw there rejects the promise, as a rejection it returns does.
  new Promise<A>((resolve) => resolve(call())).catch((cause: unknown) => Promise.reject(isUploadError(cause) ? cause : hashError(cause)))

/** A chunker that failed before starting: both sides errored, `digest` rejected. */
const failed = (error: UploadError): Chunker<ArrayBufferLike> => {
  const digest = Promise.reject(error)
  digest.catch(noop)
  return {
    readable: new ReadableStream({ start: (controller) => controller.error(error) }),
    writable: new WritableStream({ start: (controller) => controller.error(error) }),
    digest,
  }
}

/** The working chunker; options already validated. */
const cutting = ({ partSize, fileSize, sha1 = defaultSha1, ahead: aheadLimit, shared }: ChunkerOptions): Chunker<ArrayBufferLike> => {
  const sharing = shared ? sha1.shared : undefined
  // Without `sharing`, `allocate` makes plain buffers only: what `sha1.file()` takes.
  const file: FileHasher<ArrayBufferLike> = sharing?.file() ?? (sha1.file() as FileHasher<ArrayBufferLike>)
  const bufferSize = Math.min(partSize, fileSize)
  const allocate = (): Uint8Array => sharing?.allocate(bufferSize) ?? new Uint8Array(bufferSize)
  const copy = sharing?.copy ?? copyPlain
  const cut = slices(partSize)
  const range = partRange(partSize, fileSize)
  const pool: Uint8Array[] = sharing?.pool?.(bufferSize) ?? []
  /** Parts cut and hashing, not yet handed to the reader, in order. */
  const ahead: Promise<Part<ArrayBufferLike>>[] = []
  let current: Uint8Array | undefined
  let filled = 0
  let seen = 0
  let index = 0
  let last: Promise<unknown> = Promise.resolve()
  let ended = false
  let failure: { readonly reason: unknown } | undefined
  /** The readable's controller, then the writable's (each stream's start runs as it is made). */
  const controllers: Array<ReadableStreamDefaultController<Part<ArrayBufferLike>> | WritableStreamDefaultController> = []
  let wakeWriter = noop
  /** Whether the reader waits for a part (it pulled and got none yet). */
  let hungry = false
  /** Whether a part is on its way to the reader (its hash pending). */
  let delivering = false

  let resolveDigest: (digest: string) => void = noop
  let rejectDigest: (reason: unknown) => void = noop
  const digest = new Promise<string>((resolve, reject) => ((resolveDigest = resolve), (rejectDigest = reject)))
  digest.catch(noop)

  const fail = (reason: unknown): void => {
    if (failure !== undefined) return
    failure = { reason }
    file.abandon?.()
    rejectDigest(reason)
    // Both sides: a reader that cancels must also stop the pipe into the writable, which would otherwise wait
    // on a stalled source (a network body) and never cancel it, where a TransformStream's pipe does.
    controllers.map((controller) => controller.error(reason))
    wakeWriter()
  }

  const releaser = (bytes: Uint8Array) => {
    let released = false
    return (): void => {
      if (released || bytes.buffer.byteLength !== bufferSize) return
      released = true
      pool.push(new Uint8Array(bytes.buffer))
    }
  }

  const cutPart = (buffer: Uint8Array, size: number): void => {
    const partRange = range(index++)
    const hashed = hashing(() => file.part(buffer.subarray(0, size)))
      .then(({ bytes, sha1 }): Part<ArrayBufferLike> => ({
        ...partRange,
        bytes,
        sha1: toBase64(sha1),
        sha1Hex: toHex(sha1),
        contentRange: contentRange(fileSize)(partRange),
        release: releaser(bytes),
      }))
    hashed.catch(fail)
    last = hashed
    ahead.push(hashed)
    deliver()
  }

  /**
   * Resolves once the next part may be cut: while the reader waits for a part, up to `depth` (or
   * the caller's `ahead()`, if lower) may be ahead (hashing on other threads overlaps the copy);
   * otherwise only when none is, so a slow reader holding `n` parts keeps `n + 1` part buffers
   * alive, not `n + depth`. An `ahead()` or a `sha1.depth` below 1 or that is no number (NaN) counts as 1: 0 or
   * NaN would never leave room while the reader waits, and both sides would wait for ever.
   */
  const depth = (): number => Math.max(1, Math.min(sha1.depth, aheadLimit ? aheadLimit() : sha1.depth)) || 1
  const room = (): Promise<void> | undefined =>
    ahead.length < (hungry ? depth() : 1) || failure !== undefined
      ? undefined
      : new Promise<void>((resolve) => (wakeWriter = resolve)).then(room)

  /** Bytes copied since the last turn of the event loop. */
  let sinceTurn = 0

  const write = async (written: unknown): Promise<void> => {
    const chunk = bytesIn(written)
    if (chunk === undefined) return fail(invalidInput(`the chunker takes bytes (an ArrayBuffer or a view of one, like Uint8Array), got ${describe(written)}`))
    if (seen + chunk.length > fileSize) return fail(sizeMismatch(fileSize, fileSize + 1, 'too_long'))
    sinceTurn += chunkWeight
    for (const slice of cut(filled, chunk.length)) {
      if (failure !== undefined) return
      current ??= pool.pop() ?? allocate()
      copy(current, filled, chunk.subarray(slice.start, slice.end))
      filled += slice.end - slice.start
      seen += slice.end - slice.start
      if (slice.completes || seen === fileSize) {
        cutPart(current, filled)
        current = undefined
        filled = 0
        await room()
      }
      sinceTurn += slice.end - slice.start
      if (sinceTurn >= bytesPerTurn) {
        sinceTurn = 0
        await turn()
      }
    }
  }

  const close = async (): Promise<void> => {
    if (seen < fileSize) return fail(sizeMismatch(fileSize, seen, seen === 0 ? 'empty' : 'too_short'))
    await last
    const whole = await hashing(() => file.digest())
    if (failure !== undefined) return
    ended = true
    resolveDigest(toBase64(whole))
    deliver()
  }

  /**
   * Hands the next part to a waiting reader, called from both sides: `pull` only records the demand
   * and returns, and the writer delivers when it cuts a part, so no `pull` stays pending on a source
   * that has stalled (nothing then holds up a cancel).
   */
  const deliver = (): void => {
    // The readable's start ran when it was made, before any pull or part.
    const controller = controllers[0] as ReadableStreamDefaultController<Part<ArrayBufferLike>>
    if (!hungry || delivering || failure !== undefined) return
    const next = ahead.shift()
    if (next === undefined) {
      if (ended) controller.close()
      return
    }
    delivering = true
    wakeWriter()
    void next.then((part) => {
      delivering = false
      hungry = false
      if (failure === undefined) controller.enqueue(part)
    }, noop)
  }

  // `write` takes the chunk (not the controller the stream passes after it); `close`, nothing.
  const guarded = (f: (chunk?: unknown) => Promise<void>) => (chunk?: unknown): Promise<void> =>
    f(chunk).then(
      () => (failure === undefined ? undefined : Promise.reject(failure.reason)),
      (error: unknown) => (fail(error), Promise.reject(error)),
    )

  const readable = new ReadableStream<Part<ArrayBufferLike>>(
    {
      start: (controller) => void controllers.push(controller),
      pull: () => {
        hungry = true
        wakeWriter()
        deliver()
      },
      // A reader cancelling with an error value (say a part's HttpError) keeps it as is; anything else is `Aborted`.
      cancel: (reason) => fail(isUploadError(reason) ? reason : aborted(reason)),
    },
    { highWaterMark: 0 },
  )
  const writable = new WritableStream<Uint8Array>(
    { start: (controller) => void controllers.push(controller), write: guarded(write), close: guarded(close), abort: fail },
    { highWaterMark: 1 },
  )
  return { readable, writable, digest }
}
