/**
 * Resuming an upload whose session outlived it (a crash, a closed tab, a kept session after an
 * error): list the parts Box holds (every page), read the source again from its first byte, send
 * only the missing parts, commit. The parts Box holds are hashed, not sent, and their SHA-1 must
 * equal Box's; the whole-file digest still sees every byte once, in file order (box-python-sdk#495).
 */
import { TaskEither as TE, pipe } from './fp.ts'
import type { BoxFile } from './BoxFile.ts'
import type { Client } from './Client.ts'
import { retryRequests } from './Retry.ts'
import { type Session, type StoredSession, deleteSession, fromJSON, readParts, readSession } from './Session.ts'
import { type UploadFailure, type UploadOptions, releasing, startable, transfer } from './Upload.ts'
import { type UploadError, hasStatus, invalidInput, shown } from './UploadError.ts'
import type { UploadPart } from './UploadPart.ts'
import { PositiveInteger } from './UploadSession.ts'

// ---------------------------------------------------------------------------------------------
// model

/** What to resume: a session (as stored: `JSON.parse(JSON.stringify(session))` is fine) or its id, and the source from its first byte. */
export interface ResumeInput {
  /**
   * A `Session`, its stored form (`JSON.parse` of it: still checked, as `fromJSON` does), or a session id (then
   * `fileSize` is needed too). A value typed `unknown` goes through `fromJSON` first.
   */
  readonly session: Session | StoredSession | string
  readonly source: ReadableStream<Uint8Array>
  /** The file size, required when `session` is an id. */
  readonly fileSize?: number | undefined
  /** The file's etag, for a new version: the commit fails with 412 if the file changed (`null` sends none). */
  readonly ifMatch?: string | null | undefined
}

// ---------------------------------------------------------------------------------------------
// operations

/**
 * Finishes an upload from its session. Fails with `DigestMismatch` when a part Box holds differs
 * from the source's bytes at that place. A failure once the parts are listed deletes the session
 * unless `keepSessionOnError`, as `upload` does (the error then carries it), or the session was given
 * by id: then it is always kept, and never carried (made with the caller's size, a resume from it
 * could fail again): resume by the id again. When the parts cannot be listed, the session is left as
 * it was (and carried in the error with `keepSessionOnError`, unless given by id); a listing's 404 is followed by
 * the session's DELETE, which finds it gone already (aborted: 404, the error; committed: 204, and resume goes on).
 * @example
 * resume(box)({ session: JSON.parse(localStorage.getItem('upload')!), source: file.stream() }, { onProgress })
 */
export const resume =
  (client: Client) =>
  (input: ResumeInput, options: UploadOptions = {}): TE.TaskEither<UploadFailure, BoxFile> => {
    // By id, the file size is only the caller's word for the session's: a wrong one must not cost the parts
    // Box holds, so any failure keeps the session. Nor is it carried in the error: built with that size, a
    // resume from it would fail again (and delete it); the id the caller has is the way back.
    const byId = typeof input.session === 'string'
    return pipe(
      startable(input, options),
      TE.flatMap(() => sessionOf(client, options)(input)),
      TE.flatMap((session) =>
        pipe(
          retryRequests(client, options.retry, { signal: options.signal })((signal): TE.TaskEither<UploadError, ReadonlyArray<UploadPart> | undefined> =>
            pipe(
              readParts(client, session, signal),
              // Gone (404): aborted, or committed by a commit whose answers the upload never got (see `Transfer.stored`).
              // Its DELETE tells which before the source is read: Box answers a committed session's 204 (protocol
              // gotcha 17, §13), and resume goes on; an aborted one's 404 (§13), which is then the error at once,
              // where reading a source of gigabytes to send a commit bound to fail took minutes. It deletes nothing
              // that was not gone: a session still open lists its parts (the DELETE has the listing's token and access).
              // In the attempt, so a DELETE without an answer (5xx, network) is retried, listing first.
              TE.orElse((error) => (hasStatus(error, 404) ? (deleteSession(client, session, signal) as TE.TaskEither<UploadError, undefined>) : TE.left(error))),
            )),
          releasing(input.source),
          TE.mapError((error): UploadFailure => (options.keepSessionOnError === true && !byId ? { ...error, session } : error)),
          TE.flatMap((stored) => transfer(client, options)({ session, source: input.source, stored, ifMatch: input.ifMatch, keep: byId })),
        ),
      ),
    )
  }

// ---------------------------------------------------------------------------------------------
// helpers

/** The session to resume: decoded from its stored form, or read from Box by id. */
const sessionOf =
  (client: Client, options: UploadOptions) =>
  (input: ResumeInput): TE.TaskEither<UploadError, Session> => {
    if (typeof input.session !== 'string') return TE.fromEither(fromJSON(input.session))
    const { session: id, fileSize } = input
    // The text of a stored session (JSON.parse forgotten) is no id, Box's being hex: taken for one, it was refused for
    // want of a fileSize, or sent percent-encoded in a GET that Box answers 400.
    if (/^\s*{/.test(id)) return TE.left(invalidInput('The session is JSON text, not an id: pass JSON.parse(text) of a stored session.'))
    // Checked whole here: Math.ceil in readSession's part count would let 2.5 or '2500' through to the chunker, after the requests.
    if (!PositiveInteger.is(fileSize)) return TE.left(invalidInput(`Resuming from a session id needs the fileSize the session was created with, got ${shown(fileSize)}.`))
    // A stored session that does not decode is bad input, which leaves the source alone; Box's refusal does not.
    return pipe(retryRequests(client, options.retry, { signal: options.signal })((signal) => readSession(client, { id, fileSize }, signal)), releasing(input.source))
  }

