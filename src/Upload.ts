/**
 * A whole upload: create the session, cut the source into parts with `session.chunker()`, upload
 * up to `concurrency` parts at once with backpressure, commit with the whole-file digest; on any
 * failure or abort, delete the session unless the caller keeps it for `resume`.
 *
 * Memory: the parts in flight and the one the chunker fills or cut ahead: (concurrency + 1) × part
 * size at most, whatever the file size (the chunker's deeper cut-ahead is limited to free slots).
 * The whole-file SHA-1 is the chunker's: it sees every byte once, in file order, whatever the
 * order or retries of the part uploads (box-python-sdk#495).
 */
import { Either as E, TaskEither as TE, pipe } from './fp.ts'
import type { BoxFile } from './BoxFile.ts'
import type { Client } from './Client.ts'
import { type CommitAttributes, commit } from './Commit.ts'
import { parallelSink } from './ParallelSink.ts'
import type { Part } from './Part.ts'
import { matches, uploadPart } from './PartUpload.ts'
import { type OnProgress, progressCounter, tell } from './Progress.ts'
import { type RetryPolicy, retryRequests } from './Retry.ts'
import { type Session, createSession, createVersionSession, discardSession } from './Session.ts'
import { defaultSha1 } from './Sha1.ts'
import { abortedBy, sleep } from './Sleep.ts'
import { lockedSource, stoppable } from './Stoppable.ts'
import { type UploadError, invalidInput, isUploadError, shown, sizeMismatch, sourceError, thrown } from './UploadError.ts'
import type { UploadPart } from './UploadPart.ts'
import { NonNegativeInteger, PositiveInteger } from './UploadSession.ts'

// ---------------------------------------------------------------------------------------------
// model

/** Options of `upload`, `uploadVersion` and `resume`. */
export interface UploadOptions {
  /** Parts uploaded at once (default 4; Box recommends 3 to 5). */
  readonly concurrency?: number | undefined
  /** Stops reading the source, cancels requests and waits; the session is then deleted (unless kept) and the result is `Aborted`. */
  readonly signal?: AbortSignal | undefined
  /** Called at the start and after every part Box confirmed; never goes backwards; the last call covers the whole file. */
  readonly onProgress?: OnProgress | undefined
  /** Called once the session exists, before any part is sent (e.g. to store it for `resume`). */
  readonly onSession?: ((session: Session) => void) | undefined
  /** File attributes sent with the commit, e.g. `{ content_modified_at, description }`. */
  readonly attributes?: CommitAttributes | undefined
  /** Keep the session on failure (the error then carries it, for `resume`) instead of deleting it; a `resume` by id always keeps it, and carries none. */
  readonly keepSessionOnError?: boolean | undefined
  /** How every request is retried (default `defaultRetryPolicy`). */
  readonly retry?: RetryPolicy | undefined
  /** How long a commit answered 202 is retried, in ms (default 10 minutes). */
  readonly commitDeadlineMs?: number | undefined
}

/** A new file: its bytes, size, name and folder. */
export interface UploadInput {
  readonly source: ReadableStream<Uint8Array>
  readonly folderId: string
  readonly fileName: string
  readonly fileSize: number
}

/** A new version of a file, optionally renamed; `ifMatch` (its etag) makes the commit fail with 412 if the file changed. */
export interface UploadVersionInput {
  readonly source: ReadableStream<Uint8Array>
  readonly fileId: string
  readonly fileSize: number
  readonly fileName?: string | undefined
  /** `null` (`BoxFile.etag` of a file without one) sends none. */
  readonly ifMatch?: string | null | undefined
}

/** An upload's error; with `keepSessionOnError`, it carries the session to resume (not for a `resume` by id: see there). */
export type UploadFailure = UploadError & { readonly session?: Session }

/** Default number of parts in flight. */
export const defaultConcurrency = 4

// ---------------------------------------------------------------------------------------------
// operations

/**
 * Uploads a new file to a folder.
 * @example
 * const file = await upload(box)({ source: file.stream(), folderId: '0', fileName: file.name, fileSize: file.size }, { onProgress })()
 */
export const upload =
  (client: Client) =>
  (input: UploadInput, options: UploadOptions = {}): TE.TaskEither<UploadFailure, BoxFile> =>
    started(client, options, input, createSession(client))

/** Uploads a new version of a file. */
export const uploadVersion =
  (client: Client) =>
  (input: UploadVersionInput, options: UploadOptions = {}): TE.TaskEither<UploadFailure, BoxFile> =>
    started(client, options, input, createVersionSession(client), input.ifMatch)

/** What `transfer` needs: the session, the source from its first byte, and the parts Box already holds. */
export interface Transfer {
  readonly session: Session
  readonly source: ReadableStream<Uint8Array>
  /**
   * `undefined` when Box has no session to list parts of (404) but answers its DELETE (a resume after a commit
   * Box applied unseen): every part counts as Box's, as cut, and the commit, sent once more, gives the
   * file only if one of ours was applied and it has the source's size and SHA-1.
   */
  readonly stored: ReadonlyArray<UploadPart> | undefined
  readonly ifMatch?: string | null | undefined
  /** Keep the session on failure, not carried in the error (a resume by id: see there). */
  readonly keep?: boolean | undefined
}

/**
 * Sends the parts Box does not hold yet, checks those it does, commits; deletes the session on
 * failure unless kept. Shared by `upload`, `uploadVersion` and `resume`.
 */
export const transfer =
  (client: Client, options: UploadOptions) =>
  (job: Transfer): TE.TaskEither<UploadFailure, BoxFile> => {
    const { session } = job
    tell(options.onSession, session)
    return pipe(
      sendParts(client, options)(job),
      TE.flatMap((sent) =>
        commit(client, session)({
          ...sent,
          attributes: options.attributes,
          ifMatch: job.ifMatch,
          signal: options.signal,
          retry: options.retry,
          deadlineMs: options.commitDeadlineMs,
        }),
      ),
      TE.orElse(job.keep ? TE.left : cleanUp(client, options, session)),
    )
  }

// ---------------------------------------------------------------------------------------------
// helpers

/** Parts in offset order and the whole-file digest, ready to commit. */
interface Sent {
  readonly parts: ReadonlyArray<UploadPart>
  readonly digest: string
}

/**
 * The seam between streams and TaskEither: pipes the source through the chunker into the parallel
 * sink, and stops the source at once on an abort or a failed part.
 */
const sendParts =
  (client: Client, options: UploadOptions) =>
  (job: Transfer): TE.TaskEither<UploadError, Sent> =>
  async () => {
    const { signal } = options
    const { session } = job
    const source = stoppable(job.source)
    if (E.isLeft(source)) return source
    const { readable, stop } = source.right
    const confirmed: Array<UploadPart> = []
    const sink = parallelSink({ concurrency: options.concurrency ?? defaultConcurrency, signal })(partTask(client, options)(job, confirmed))
    // While the pipe waits for a part (so a slot is free), the chunker cuts no more parts ahead than
    // there are free slots: running + the awaited part + those ahead stay within concurrency + 1.
    // Parts may be in shared memory: they only ever go out as request bodies (`#partBody`).
    const chunker = session.chunker({ ahead: sink.free, shared: true })
    // The digest rejects when the chunker fails (the source erred or had too many bytes), and that
    // failure is reported through the pipe. The parts in flight are cancelled now: the pipe's abort
    // reaches the sink only once a part has ended (its write waits for a free slot).
    chunker.digest.catch(sink.cancel)
    const onAbort = (): void => stop(abortedBy(signal as AbortSignal))
    // An abort already made (from a progress call, or while the session was created) fires no listener.
    if (signal?.aborted) onAbort()
    signal?.addEventListener('abort', onAbort)
    try {
      await readable.pipeThrough(chunker).pipeTo(sink.writable, { signal })
    } catch (reason) {
      const error = signal?.aborted ? abortedBy(signal) : (sink.failure() ?? fromPipe(reason))
      stop(error)
      await sink.idle()
      // A turn, so that the source's cancel (set a turn after `stop`) has been called when the upload settles
      // (a Node file stream then closes its file, asynchronously).
      await sleep(0)()
      return E.left(error)
    } finally {
      signal?.removeEventListener('abort', onAbort)
    }
    // The pipe resolved, yet the chunker may have failed: workerd's pipeTo can resolve though its sink
    // failed (h87: 16 Resume tests fail there without this catch, e.g. a part of a huge size's DigestMismatch).
    let digest: string
    try {
      digest = await chunker.digest
    } catch (reason) {
      return E.left(fromPipe(reason))
    }
    if (confirmed.length !== session.totalParts) {
      return E.left(sizeMismatch(session.fileSize, confirmed.reduce((sum, part) => sum + part.size, 0), 'too_short'))
    }
    return E.right({ parts: confirmed, digest })
  }

/**
 * What the sink does with one part: a part Box already holds is only checked (its SHA-1 must
 * equal Box's), others are uploaded and counted; either way it joins `confirmed` and its buffer
 * goes back to the chunker.
 */
const partTask =
  (client: Client, options: UploadOptions) =>
  ({ session, stored }: Transfer, confirmed: Array<UploadPart>) => {
    // Only where a part of this session starts (a listing may hold anything), counted at the size a
    // part there has: one Box holds with another size fails its check, but must not push progress past the file.
    const held = new Map(stored?.filter(({ offset }) => offset % session.partSize === 0 && offset < session.fileSize).map((part) => [part.offset, part]))
    // With no session to list (see `Transfer.stored`), every part is counted as Box's from the start, as when all are listed.
    const count = progressCounter(
      session,
      options.onProgress,
      stored ? [...held.keys()].reduce((sum, offset) => sum + Math.min(session.partSize, session.fileSize - offset), 0) : session.fileSize,
      stored ? held.size : session.totalParts,
    )
    const send = (part: Part<ArrayBufferLike>, signal: AbortSignal): TE.TaskEither<UploadError, UploadPart> => {
      const already = stored ? held.get(part.offset) : { part_id: '', offset: part.offset, size: part.size, sha1: part.sha1Hex }
      return already !== undefined
        ? TE.fromEither(matches(part)(already))
        : pipe(
            uploadPart(client, session, { signal, retry: options.retry })(part),
            TE.map((uploaded) => (count(uploaded.size), uploaded)),
          )
    }
    return (part: Part<ArrayBufferLike>, signal: AbortSignal): TE.TaskEither<UploadError, void> =>
      pipe(
        send(part, signal),
        TE.map((uploaded) => {
          confirmed.push(uploaded)
          part.release()
        }),
      )
  }

/** After a failure: delete the session (even after an abort: the DELETE is the one request still sent), or keep it in the error. */
const cleanUp =
  (client: Client, options: UploadOptions, session: Session) =>
  (error: UploadError): TE.TaskEither<UploadFailure, BoxFile> =>
    options.keepSessionOnError === true
      ? TE.left({ ...error, session })
      : pipe(discardSession(client, options.retry)(session.endpoints.abort), TE.flatMap(() => TE.left(error)))

/** The pipe's rejection as an UploadError: the chunker's errors are UploadErrors already; anything else came from the source. */
const fromPipe = (reason: unknown): UploadError => (isUploadError(reason) ? reason : sourceError(reason))

/** A source that is locked or no web stream (`null`, a Node stream, `Bun.file()`), an `ifMatch` no header carries, or bad options, fail before any request (checked when the task runs). */
export const startable = ({ source, ifMatch }: { readonly source: ReadableStream<Uint8Array>; readonly ifMatch?: string | null | undefined }, options: UploadOptions): TE.TaskEither<UploadError, void> => async () => {
  // `locked` is a boolean on every ReadableStream, of any realm: absent, it is no stream at all.
  if ((source as ReadableStream<Uint8Array> | null)?.locked !== false) return E.left(lockedSource)
  const { concurrency, retry, commitDeadlineMs = 0 } = options
  if (concurrency !== undefined && !PositiveInteger.is(concurrency)) {
    return E.left(invalidInput(`concurrency must be a whole number of parts from 1 up, got ${shown(concurrency)}.`))
  }
  // A deadline that is no number (NaN, as `Number(process.env.X)` unset gives; text) would be no deadline at all,
  // and no wait either: commits sent as fast as Box answers 202.
  if (!isMs(commitDeadlineMs)) return E.left(invalidInput(`commitDeadlineMs must be ms from 0 up, got ${shown(commitDeadlineMs)}.`))
  if (retry !== undefined && !validPolicy(retry)) {
    return E.left(invalidInput('retry needs retries (a whole number from 0 up), baseDelayMs, maxDelayMs and maxRetryAfterMs from 0 up, and timeoutMs above 0.'))
  }
  // Attributes JSON cannot write (a BigInt, a cycle) would fail only the commit, once every part is sent;
  // so would an invalid Date, which JSON writes as null: its toISOString throws here.
  try {
    JSON.stringify(options.attributes, function (key, value: unknown) { return value === null && this[key] instanceof Date ? this[key].toISOString() : value })
  } catch (cause) {
    return E.left(invalidInput(`attributes cannot be sent as JSON: ${thrown(cause)}`))
  }
  // So would an etag no header can carry (RFC 9110 §5.5 takes tab and bytes 0x20-0xFF, DEL aside, which this lets
  // pass): pasted with curly quotes (“1”), or holding a line break. Not by Headers: workerd's takes more, and sends
  // it as UTF-8. `test` reads null and undefined as those words, which pass.
  if (/[^\t -\xff]/.test(ifMatch as string)) return E.left(invalidInput(`ifMatch cannot be sent as a header: ${shown(ifMatch)}`))
  // The hashing threads start while the session is created (or read): the first part then finds them ready.
  defaultSha1.shared?.warm?.()
  return E.right(undefined)
}

/** A time in ms: a number from 0 up, Infinity included (a wait past what a timer holds counts as that long). */
const isMs = (n: unknown): boolean => typeof n === 'number' && n >= 0

const validPolicy = (policy: RetryPolicy): boolean =>
  // A timeout of 0 would end every attempt at once.
  NonNegativeInteger.is(policy.retries) && policy.timeoutMs !== 0 &&
  [policy.baseDelayMs, policy.maxDelayMs, policy.maxRetryAfterMs ?? 0, policy.timeoutMs ?? 0].every(isMs)

/**
 * `upload` and `uploadVersion` once `create` names the session's kind: creates it, with the upload's retry
 * policy and signal, then sends the parts and commits (with `ifMatch`: `upload` gives none). An abort does not
 * cancel the creating request in flight: a session Box created must be known, so that it gets deleted (the
 * abort then ends the upload before any part goes out). If it fails, the source is cancelled, as after any
 * later failure: a file's stream then closes its file (else each refused upload kept one open).
 * Bad input (a size, a name, a token function that fails) sent nothing: the source stays the caller's.
 */
const started = <Input extends UploadInput | UploadVersionInput>(
  client: Client,
  options: UploadOptions,
  input: Input,
  create: (input: Input & { readonly signal: AbortSignal }) => TE.TaskEither<UploadError, Session>,
  ifMatch?: string | null,
): TE.TaskEither<UploadFailure, BoxFile> =>
  pipe(
    startable(input, options),
    TE.flatMap(() => pipe(retryRequests(client, options.retry, { signal: options.signal, detached: true })((signal) => create({ ...input, signal })), releasing(input.source))),
    TE.flatMap((session) => transfer(client, options)({ session, source: input.source, stored: [], ifMatch })),
  )

/**
 * On a failure before the parts (no session, or its parts not listed): the source is cancelled, not
 * read, unless the input was bad (then nothing was sent, and the source stays the caller's). Not
 * waited for: a cancel may settle late or never (a tee() branch, until the other one is cancelled too).
 */
export const releasing = (source: ReadableStream<Uint8Array>) =>
  TE.mapError((error: UploadError) => (error._tag === 'InvalidInput' || source.cancel(error).catch(() => undefined), error))
