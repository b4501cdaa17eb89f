/**
 * Committing a session: `POST session_endpoints.commit` with every part in offset order and the
 * whole-file SHA-1 (box-protocol.md §3.6, §7). A `202 Accepted` means Box is still processing
 * parts: wait `Retry-After` (at most the policy's `maxRetryAfterMs`) and send the SAME commit
 * again, until an overall deadline (box-python-sdk#685, boxr#132: SDKs that crashed on the empty
 * 202 body or gave up).
 *
 * A commit Box applied may still be answered 5xx, or not at all (a 5xx'd write may have persisted,
 * box-protocol.md §5). Retries send the same commit, which a committed session answers with the
 * file again; when the retries end with a 5xx or a network error, the session's status decides:
 * still open, the commit was not applied and the error stands; gone (404), one of our commits was
 * applied, and the same commit once more fetches the file, which must have our size and SHA-1.
 */
import { TaskEither as TE, pipe } from './fp.ts'
import { type BoxFile, Files } from './BoxFile.ts'
import { type Client, stripUrl } from './Client.ts'
import { discard, json, request, retryAfterMs } from './Http.ts'
import { type RetryPolicy, backoffMs, defaultMaxRetryAfterMs, defaultRetryPolicy, retryRequests, waitTooLong } from './Retry.ts'
import { type StoredSession, readSession } from './Session.ts'
import { hexToBase64 } from './sha1/Sha1.ts'
import { sleep } from './Sleep.ts'
import { type UploadError, decodeError, digestMismatch, hasStatus, httpError, mayHaveApplied } from './UploadError.ts'
import type { UploadPart } from './UploadPart.ts'

// ---------------------------------------------------------------------------------------------
// model

/** What a commit sends, and how long it may take. */
export interface CommitInput {
  /** Every part Box stored (any order: they are sorted by offset). */
  readonly parts: ReadonlyArray<UploadPart>
  /** SHA-1 of the whole file, base64. */
  readonly digest: string
  /** File attributes set with the commit, e.g. `{ content_modified_at, description }`. */
  readonly attributes?: CommitAttributes | undefined
  /** The file's etag: Box answers 412 if the file changed since (new versions). `null` (`BoxFile.etag` of a file without one) sends none. */
  readonly ifMatch?: string | null | undefined
  /** Cancels the request in flight and the waits. */
  readonly signal?: AbortSignal | undefined
  /** How each request is retried (default `defaultRetryPolicy`). */
  readonly retry?: RetryPolicy | undefined
  /** How long 202 answers are waited out in all, in ms (default 10 minutes). */
  readonly deadlineMs?: number | undefined
}

/**
 * Attributes Box sets on the file it commits: those its uploads take are typed, others pass as
 * given. Dates are RFC 3339 with an offset, as `new Date().toISOString()` writes them, or a `Date`,
 * which the JSON body writes so.
 */
export type CommitAttributes = Readonly<{
  // `| undefined`: a key left undefined is left out of the JSON body, so code under
  // exactOptionalPropertyTypes may pass what it has (an optional description, an `Option` made undefined).
  content_modified_at?: string | Date | undefined
  content_created_at?: string | Date | undefined
  description?: string | undefined
}> & Readonly<Record<string, unknown>>

/** A commit's answer: the file (201), or the wait in ms a 202 asked for. */
type Answer = BoxFile | number

/** Wait after a 202 without `Retry-After` (what Box's web uploader uses). */
const defaultAcceptedWaitMs = 3000

/** Default overall deadline for a commit answered 202. */
export const defaultCommitDeadlineMs = 10 * 60_000

// ---------------------------------------------------------------------------------------------
// operations

/**
 * Commits the session and resolves to the file Box created (or the new version of it).
 * @example
 * pipe(commit(box, session)({ parts, digest: await chunker.digest }), TE.map((file) => file.id))
 */
export const commit =
  (client: Client, session: StoredSession) =>
  (input: CommitInput): TE.TaskEither<UploadError, BoxFile> => () => {
    // Each run has its own deadline and count of 202s, from when it starts.
    const deadline = Date.now() + (input.deadlineMs ?? defaultCommitDeadlineMs)
    const retried = retryRequests(client, input.retry, { signal: input.signal })
    let accepted = 0
    const go: TE.TaskEither<UploadError, BoxFile> = pipe(
      // The answer's body is read within the attempt, so its timeout and the caller's abort cover
      // it too: a 201 whose body stalls is a network error retried, not an upload that never ends.
      retried((signal) =>
        pipe(
          request(client)({
            method: 'POST',
            url: session.endpoints.commit,
            headers: { Digest: `sha=${input.digest}`, ...(input.ifMatch == null ? {} : { 'If-Match': input.ifMatch }) },
            // The body: parts in offset order (the original spec says they MUST be), and the attributes (left out of the JSON when undefined).
            json: { parts: [...input.parts].sort((a, b) => a.offset - b.offset), attributes: input.attributes },
            signal,
          }),
          TE.flatMap((response): TE.TaskEither<UploadError, Answer> =>
            response.status === 202
              // Without Box's own wait, the default one, cut to what the policy waits out (maxRetryAfterMs judges only Box's).
              ? pipe(discard(response), TE.map(() => retryAfterMs(response.headers) ?? Math.min(defaultAcceptedWaitMs, input.retry?.maxRetryAfterMs ?? defaultMaxRetryAfterMs)))
              : committed(response),
          ),
        ),
      ),
      // A 201 naming a file that is not ours (another size or SHA-1) is no commit of these bytes.
      TE.flatMap((answer) => (typeof answer === 'number' ? later(answer)
        : ours(session, input.digest)(answer) ? TE.right(answer)
        : TE.left(digestMismatch(`the file the commit answered (${answer.size} bytes; ${session.fileSize} sent)`, input.digest, hexToBase64(answer.sha1 ?? 'unknown'))))),
    )
    const later = (asked: number): TE.TaskEither<UploadError, BoxFile> =>
      // The same limit as every other Retry-After (Retry.ts): a longer wait is reported, not slept.
      // Not `>`: a deadline that is no number (NaN) is past, rather than never reached with no wait either.
      !(Date.now() + asked <= deadline) || waitTooLong(input.retry)(asked)
        ? TE.left(stillProcessing(session, asked))
        // At least a backoff draw (full jitter, its cap doubling with each 202), up to the deadline: a
        // Retry-After of 0 (or a date already past) would send the same commit as fast as it is answered.
        : pipe(sleep(Math.min(Math.max(asked, backoffMs(input.retry ?? defaultRetryPolicy)(accepted++)), deadline - Date.now()), input.signal), TE.flatMap(() => go))
    // After a commit that may have been applied, the session's status decides.
    const confirm = (error: UploadError): TE.TaskEither<UploadError, BoxFile> =>
      !mayHaveApplied(error)
        ? TE.left(error)
        : pipe(
            retried((signal) => readSession(client, session, signal)),
            // Still open: the commit was not applied, and its error stands.
            TE.flatMap(() => TE.left(error)),
            // Gone (404): one of our commits was applied, and the same commit fetches the file
            // (one that is not ours fails `go`'s own check).
            TE.orElse((met) => (hasStatus(met, 404) ? go : TE.left(met))),
            // Whatever the check met, the commit's own error is the one to report (or the caller's abort).
            TE.mapError((met) => (met._tag === 'Aborted' ? met : error)),
          )
    return pipe(go, TE.orElse(confirm))()
  }

// ---------------------------------------------------------------------------------------------
// helpers

/** What a 2xx that does not decode is called: the commit was applied, so whoever reads the error must look for the file before uploading again. */
const answerOfCommit = "commit's 2xx answer (look for the file before uploading again)"

/** The 201's `Files` collection, reduced to its one file. */
const committed = (response: Response): TE.TaskEither<UploadError, BoxFile> =>
  pipe(
    json(Files, answerOfCommit)(response),
    TE.flatMap((files) =>
      files.entries[0] === undefined
        ? TE.left(decodeError(answerOfCommit, [{ value: files, context: [{ key: 'entries', type: Files, actual: files.entries }], message: 'the Files collection has no entry' }]))
        : TE.right(files.entries[0]),
    ),
  )

/** Whether a file a commit answered is ours: the session's size and (when Box says) our SHA-1. */
const ours =
  (session: StoredSession, digest: string) =>
  (file: BoxFile): boolean =>
    // Compared as base64: a caller's digest that is no base64 is a mismatch, not an exception. Trimmed as
    // the header carrying it is (a digest from `openssl … | base64` ends with a line break).
    file.size === session.fileSize && (file.sha1 === undefined || hexToBase64(file.sha1) === digest.trim())

/** Box still answered 202, and the wait it asked for (`wait` ms) passes the deadline or `maxRetryAfterMs`. */
const stillProcessing = (session: StoredSession, wait: number): UploadError =>
  httpError({
    status: 202,
    method: 'POST',
    url: stripUrl(session.endpoints.commit),
    message: 'Box was still processing the parts, past the commit deadline or maxRetryAfterMs; commit again later (the session is kept only with keepSessionOnError).',
    retryAfterMs: wait,
  })
