/**
 * Sending one part: `PUT session_endpoints.upload_part` with its bytes, `Content-Range` and
 * `Digest`, retried by the policy, and the part Box echoes checked against ours (box-protocol.md
 * §3.4). Parts are immutable on Box, so a failed attempt may still have stored the part: after a
 * 5xx or a connection reset the stored parts are listed before sending again (box-java-sdk#781),
 * and a `416 range_overlaps_existing_part` whose stored part is ours counts as success.
 */
import { Either as E, TaskEither as TE, pipe } from './fp.ts'
import { partBody } from '#partBody'
import type { Client } from './Client.ts'
import { json, request } from './Http.ts'
import type { Part } from './Part.ts'
import { type RetryPolicy, retryRequests } from './Retry.ts'
import { type StoredSession, readParts } from './Session.ts'
import { hexToBase64 } from './sha1/Sha1.ts'
import { type UploadError, digestMismatch, hasStatus, isRetryable } from './UploadError.ts'
import { UploadPart, UploadedPart } from './UploadPart.ts'

// ---------------------------------------------------------------------------------------------
// model

/** Options of `uploadPart`. */
export interface PartUploadOptions {
  /** Cancels the request in flight and the waits between tries. */
  readonly signal?: AbortSignal | undefined
  /** How the part is retried (default `defaultRetryPolicy`). */
  readonly retry?: RetryPolicy | undefined
}

// ---------------------------------------------------------------------------------------------
// operations

/**
 * Uploads one part and resolves to the part Box stored (to send back with the commit).
 * `DigestMismatch` when Box's echo has another offset, size or SHA-1 than the part sent.
 * @example
 * pipe(parts, TE.traverseSeqArray(uploadPart(box, session)))
 */
export const uploadPart =
  (client: Client, session: StoredSession, options: PartUploadOptions = {}) =>
  (part: Part<ArrayBufferLike>): TE.TaskEither<UploadError, UploadPart> =>
    // A 409 "being uploaded by another request" is retried too: that request is one of ours that got
    // no answer (reset, timeout) or an earlier upload's being resumed, still being stored by Box.
    retryRequests(client, options.retry, { signal: options.signal, retryable: (error) => isRetryable(error) || isConflict(error) })((signal) =>
      pipe(put(client, session)(part, signal, options.signal), TE.orElse(recover(client, session)(part, signal))),
    )

/** `Right(stored)` when Box's stored part is `part` (same offset, size and SHA-1), else `DigestMismatch`. */
export const matches =
  (part: Part<ArrayBufferLike>) =>
  (stored: UploadPart): E.Either<UploadError, UploadPart> =>
    stored.offset === part.offset && stored.size === part.size && stored.sha1.toLowerCase() === part.sha1Hex
      ? E.right(stored)
      : E.left(
          digestMismatch(
            `part ${part.index} (${part.contentRange}): Box holds offset ${stored.offset}, size ${stored.size}`,
            part.sha1,
            hexToBase64(stored.sha1),
          ),
        )

// ---------------------------------------------------------------------------------------------
// helpers

/** One `PUT` of the part, and the check of Box's echo. */
const put =
  (client: Client, session: StoredSession) =>
  (part: Part<ArrayBufferLike>, signal: AbortSignal, caller: AbortSignal | undefined): TE.TaskEither<UploadError, UploadPart> => {
    // The bytes themselves, except where the runtime's fetch streams a body without copying it
    // (Node and Bun, see src/body/stream.ts, whose signal also ends a stalled body): browsers refuse
    // streaming bodies over HTTP/1.1. Its body and signal go to the request as they are.
    const sent = partBody(part, signal, caller)
    return pipe(
      request(client)({
        ...sent,
        method: 'PUT',
        url: session.endpoints.uploadPart,
        headers: {
          ...sent.headers,
          'Content-Type': 'application/octet-stream',
          'Content-Range': part.contentRange,
          Digest: `sha=${part.sha1}`,
        },
      }),
      TE.flatMap(json(UploadedPart, 'uploaded part')),
      TE.flatMap(({ part: echoed }) => TE.fromEither(matches(part)(echoed))),
    )
  }

/** After a failed attempt: success if Box turns out to hold our part, else the attempt's error. */
const recover =
  (client: Client, session: StoredSession) =>
  (part: Part<ArrayBufferLike>, signal: AbortSignal) =>
  (error: UploadError): TE.TaskEither<UploadError, UploadPart> => {
    const conflicting = conflictingPart(error)
    if (conflicting !== undefined) return TE.fromEither(pipe(matches(part)(conflicting), E.mapLeft(() => error)))
    if (!(mayHaveStored(error) || isConflict(error)) || signal.aborted) return TE.left(error)
    return pipe(
      readParts(client, session, signal),
      TE.mapError(() => error),
      TE.flatMap((stored) => {
        const ours = stored.find((p) => p.offset === part.offset)
        return ours === undefined ? TE.left(error) : TE.fromEither(matches(part)(ours))
      }),
    )
  }

/** A failure after which Box may have stored the part anyway: any 5xx (507 included: the listing settles it), or no answer at all. */
const mayHaveStored = (error: UploadError): boolean => error._tag === 'NetworkError' || (error._tag === 'HttpError' && error.status >= 500)

/** Box refusing a part because another request is storing the same range. */
const isConflict = (error: UploadError): boolean => hasStatus(error, 409)

/** The stored part of a `416 range_overlaps_existing_part` (`context_info.conflicting_part`). */
const conflictingPart = (error: UploadError): UploadPart | undefined => {
  if (!hasStatus(error, 416) || error.code !== 'range_overlaps_existing_part') return undefined
  // Any value but null and undefined has properties to read (a string's `conflicting_part` is undefined).
  const decoded = UploadPart.decode((error.contextInfo as { conflicting_part?: unknown } | undefined)?.conflicting_part)
  return E.isLeft(decoded) ? undefined : decoded.right
}
