/**
 * Committing a session: `POST session_endpoints.commit` with every part in offset order and the
 * whole-file SHA-1 (box-protocol.md §3.6, §7). A `202 Accepted` means Box is still processing
 * parts: wait `Retry-After` (at most the policy's `maxRetryAfterMs`) and send the SAME commit
 * again, until an overall deadline (box-python-sdk#685, boxr#132: SDKs that crashed on the empty
 * 202 body or gave up).
 */
import { pipe } from 'fp-ts/lib/function.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { type BoxFile, Files } from './BoxFile.ts'
import type { Client } from './Client.ts'
import { discard, json, request, retryAfterMs, stripUrl } from './Http.ts'
import { type RetryPolicy, retryRequests, waitTooLong } from './Retry.ts'
import type { Session } from './Session.ts'
import { sleep } from './Sleep.ts'
import { type UploadError, decodeError, httpError } from './UploadError.ts'
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
  readonly attributes?: Readonly<Record<string, unknown>>
  /** The file's etag: Box answers 412 if the file changed since (new versions). */
  readonly ifMatch?: string
  /** Cancels the request in flight and the waits. */
  readonly signal?: AbortSignal
  /** How each request is retried (default `defaultRetryPolicy`). */
  readonly retry?: RetryPolicy
  /** How long 202 answers are waited out in all, in ms (default 10 minutes). */
  readonly deadlineMs?: number
}

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
  (client: Client, session: Session) =>
  (input: CommitInput): TE.TaskEither<UploadError, BoxFile> => {
    const deadline = Date.now() + (input.deadlineMs ?? defaultCommitDeadlineMs)
    const send = retryRequests(client, input.retry, { signal: input.signal })((signal) =>
      request(client)({
        method: 'POST',
        url: session.endpoints.commit,
        headers: input.ifMatch === undefined ? { Digest: `sha=${input.digest}` } : { Digest: `sha=${input.digest}`, 'If-Match': input.ifMatch },
        json: body(input),
        signal,
      }),
    )
    const go: TE.TaskEither<UploadError, BoxFile> = pipe(
      send,
      TE.flatMap((response) => (response.status === 202 ? later(response) : committed(response))),
    )
    const later = (response: Response): TE.TaskEither<UploadError, BoxFile> => {
      const wait = retryAfterMs(response.headers) ?? defaultAcceptedWaitMs
      // The same limit as every other Retry-After (Retry.ts): a longer wait is reported, not slept.
      if (Date.now() + wait > deadline || waitTooLong(input.retry)(wait)) return TE.left(stillProcessing(session, wait))
      return pipe(
        discard(response),
        TE.flatMap(() => sleep(wait, input.signal)),
        TE.flatMap(() => go),
      )
    }
    return go
  }

// ---------------------------------------------------------------------------------------------
// helpers

/** The commit body: parts in offset order (the original spec says they MUST be), and the attributes. */
const body = (input: CommitInput): unknown => ({
  parts: [...input.parts].sort((a, b) => a.offset - b.offset),
  ...(input.attributes === undefined ? {} : { attributes: input.attributes }),
})

/** The 201's `Files` collection, reduced to its one file. */
const committed = (response: Response): TE.TaskEither<UploadError, BoxFile> =>
  pipe(
    json(Files, 'committed file')(response),
    TE.flatMap((files) =>
      files.entries[0] === undefined
        ? TE.left(decodeError('committed file', [{ value: files, context: [{ key: 'entries', type: Files, actual: files.entries }], message: 'the Files collection has no entry' }]))
        : TE.right(files.entries[0]),
    ),
  )

/** Box still answered 202, and the wait it asked for (`wait` ms) passes the deadline or `maxRetryAfterMs`. */
const stillProcessing = (session: Session, wait: number): UploadError =>
  httpError({
    status: 202,
    method: 'POST',
    url: stripUrl(session.endpoints.commit),
    message: 'Box was still processing the parts and asked for a wait past the commit deadline or longer than maxRetryAfterMs; commit again later (the session is kept only with keepSessionOnError).',
    retryAfterMs: wait,
  })
