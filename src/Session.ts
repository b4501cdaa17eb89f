/**
 * An upload session as plain data (it survives `JSON.stringify` and back, to be stored and resumed),
 * and the calls that create, read, list and abort one. Each call is a `TaskEither<UploadError, _>`.
 * See box-protocol.md §3.1–§3.7.
 */
import { Either as E, TaskEither as TE, pipe } from './fp.ts'
import * as t from './codecs.ts'
import type { Immutable } from './Readonly.ts'
import { type Chunker, type ChunkerOptions, chunker } from './Chunker.ts'
import { type Client, trust } from './Client.ts'
import { type HttpRequest, decode, discard, json, request } from './Http.ts'
import { type RetryPolicy, retryRequests } from './Retry.ts'
import { UploadPart, UploadParts } from './UploadPart.ts'
import { NonNegativeInteger, PositiveInteger, UploadSession } from './UploadSession.ts'
import { type UploadError, decodeError, invalidInput, shown } from './UploadError.ts'

// ---------------------------------------------------------------------------------------------
// model and codec

/** The absolute URLs of a session's operations. */
export const Endpoints = t.intersection([
  t.type({ uploadPart: t.string, commit: t.string, abort: t.string, listParts: t.string, status: t.string }),
  t.partial({ logEvent: t.string }),
])
export type Endpoints = Immutable<t.TypeOf<typeof Endpoints>>

/** The codec of a stored session: what `JSON.stringify(session)` writes and `fromJSON` reads back. */
export const Session = t.type({
  id: t.string,
  fileSize: PositiveInteger,
  partSize: PositiveInteger,
  totalParts: PositiveInteger,
  numPartsProcessed: NonNegativeInteger,
  /** `session_expires_at` as Box sent it (ISO 8601). */
  expiresAt: t.string,
  endpoints: Endpoints,
})
/**
 * A stored session: a session's data without `chunker()`, what `JSON.stringify(session)` writes, the `Session`
 * codec decodes, and `revive` and `fromJSON` turn back into a `Session`.
 */
// An interface, not a type alias, so that hovers and a user's emitted declarations name it instead of
// spelling out its fields (a `t.TypeOf` alias is expanded wherever inference carries it).
export interface StoredSession extends Immutable<t.TypeOf<typeof Session>> {}

/**
 * A session: its data, plus `chunker()` (not enumerable, so JSON, `structuredClone` and equality see plain
 * data; a spread or a clone drops it, and `revive` gives it back).
 */
export interface Session extends StoredSession {
  /** A chunker cutting the file into this session's parts: `chunker({ partSize, fileSize, ...options })`. */
  readonly chunker: {
    (options?: SessionChunkerOptions & { readonly shared?: false | undefined }): Chunker
    (options?: SessionChunkerOptions): Chunker<ArrayBufferLike>
  }
}

/** Options of `Session.chunker`: the chunker's, but the part and file sizes, which are the session's. */
export type SessionChunkerOptions = Omit<ChunkerOptions, 'partSize' | 'fileSize'>

/** Which session `getSession` reads: a session, or a stored id with its file size. */
export type SessionRef = StoredSession | { readonly id: string; readonly fileSize: number }

/** Options of `getSession`, `listParts` and `abortSession`, given with the client. */
export interface SessionRequestOptions {
  /** Ends the request (the result is `Aborted`). */
  readonly signal?: AbortSignal | undefined
}

/** Parts asked per list-parts page (Box's maximum). */
export const listPartsLimit = 1000

// ---------------------------------------------------------------------------------------------
// constructors

/** Attaches `chunker()` to session data (for example after a spread, which drops it). */
export const revive = (data: StoredSession): Session =>
  // defineProperty's defaults: not enumerable, writable or configurable.
  Object.defineProperty({ ...data }, 'chunker', {
    value: (options?: SessionChunkerOptions) => chunker({ ...options, partSize: data.partSize, fileSize: data.fileSize }),
  }) as Session

/**
 * Reads a stored session (`JSON.parse` of `JSON.stringify(session)`): `DecodeError` if it is not one,
 * `InvalidInput` if its sizes disagree (edited, or mixed with another session's): its parts would
 * be cut wrong, and the upload would fail late, blaming the source.
 */
export const fromJSON = (value: unknown): E.Either<UploadError, Session> =>
  pipe(
    value,
    decode(Session, 'stored session'),
    E.flatMap((s) =>
      s.totalParts === Math.ceil(s.fileSize / s.partSize)
        ? E.right(revive(s))
        : E.left(invalidInput(`The stored session's totalParts, partSize and fileSize disagree: it was changed, or mixed up with another.`)),
    ),
  )

/**
 * A session from Box's `upload_session` for a file of `fileSize` bytes; `total_parts` must be
 * `ceil(fileSize / part_size)`, else the error is `mismatch`'s (by default a `DecodeError`: Box's answer is wrong).
 */
export const fromUploadSession = (fileSize: number, mismatch = wrongAnswer) => (wire: UploadSession): E.Either<UploadError, Session> => {
  const expected = Math.ceil(fileSize / wire.part_size)
  if (wire.total_parts !== expected) {
    return E.left(mismatch(wire.total_parts, `total_parts is ${wire.total_parts} but a file of ${fileSize} bytes in parts of ${wire.part_size} has ${expected}`))
  }
  const endpoints = wire.session_endpoints
  return E.right(revive({
    id: wire.id,
    fileSize,
    partSize: wire.part_size,
    totalParts: wire.total_parts,
    numPartsProcessed: wire.num_parts_processed,
    expiresAt: wire.session_expires_at,
    endpoints: {
      uploadPart: endpoints.upload_part,
      commit: endpoints.commit,
      abort: endpoints.abort,
      listParts: endpoints.list_parts,
      status: endpoints.status,
      ...(endpoints.log_event === undefined ? {} : { logEvent: endpoints.log_event }),
    },
  }))
}

// ---------------------------------------------------------------------------------------------
// operations

/**
 * Creates an upload session for a new file in a folder (`POST /files/upload_sessions`).
 * @example
 * pipe(createSession(box)({ folderId: '0', fileName: 'movie.mov', fileSize: 104857600 }), TE.map((s) => s.totalParts))
 */
export const createSession = (client: Client) =>
  (input: { readonly folderId: string; readonly fileName: string; readonly fileSize: number; readonly signal?: AbortSignal | undefined }): TE.TaskEither<UploadError, Session> =>
    pipe(
      TE.fromEither(validate(input.fileSize, { folderId: input.folderId, fileName: input.fileName })),
      TE.flatMap(() => open(client, input.fileSize, {
        method: 'POST',
        url: `${client.uploadUrl}/files/upload_sessions`,
        json: { folder_id: input.folderId, file_size: input.fileSize, file_name: input.fileName },
        signal: input.signal,
      }, true)),
    )

/** Creates an upload session for a new version of a file (`POST /files/{fileId}/upload_sessions`), optionally renaming it. */
export const createVersionSession = (client: Client) =>
  (input: { readonly fileId: string; readonly fileSize: number; readonly fileName?: string | undefined; readonly signal?: AbortSignal | undefined }): TE.TaskEither<UploadError, Session> =>
    pipe(
      TE.fromEither(validate(input.fileSize, { fileId: input.fileId, ...(input.fileName === undefined ? {} : { fileName: input.fileName }) })),
      TE.flatMap(() => open(client, input.fileSize, {
        method: 'POST',
        url: `${client.uploadUrl}/files/${encodeURIComponent(input.fileId)}/upload_sessions`,
        // Without a fileName, JSON leaves file_name out.
        json: { file_size: input.fileSize, file_name: input.fileName },
        signal: input.signal,
      }, true)),
    )

/**
 * Reads a session's current state (`GET` its status URL; for a bare id, `{uploadUrl}/files/upload_sessions/{id}`).
 * @example
 * pipe(getSession(box, { signal })({ id, fileSize }), TE.map((s) => s.numPartsProcessed))
 */
// The signal goes with the client, as for the other operations: beside the session it took `map`'s index
// (`refs.map(getSession(box))` rejected, from deep in Http, rather than resolving).
export const getSession = (client: Client, options?: SessionRequestOptions) => (ref: SessionRef): TE.TaskEither<UploadError, Session> =>
  readSession(client, ref, options?.signal)

/**
 * Every part Box stored for a session, in offset order: pages of 1000 until `offset + entries` reaches
 * `total_count` or `totalParts`, or passes 10000 (Box refuses a list offset past it), or an empty page
 * (Box may count expected parts, not stored ones). Each page that goes on has an entry, so there are at
 * most `totalParts` of them, whatever the server answers.
 */
export const listParts = (client: Client, options?: SessionRequestOptions) => (session: StoredSession): TE.TaskEither<UploadError, ReadonlyArray<UploadPart>> =>
  readParts(client, session, options?.signal)

/** Discards a session and its parts (`DELETE` its abort URL). */
export const abortSession = (client: Client, options?: SessionRequestOptions) => (session: StoredSession): TE.TaskEither<UploadError, void> =>
  deleteSession(client, session, options?.signal)

// The three above with the signal beside the data, for the library's own callers (not exported from index.ts),
// so that a browser bundle of upload and resume drops the public forms: calling those inside instead made it
// 29 bytes larger (bench/_sz2.mts). The public three sit side by side because a dropped statement between two
// kept ones costs bytes too (esbuild starts a new `var` after it).

/** `getSession(client, { signal })(ref)`. */
export const readSession = (client: Client, ref: SessionRef, signal?: AbortSignal): TE.TaskEither<UploadError, Session> =>
  // Here a total_parts mismatch means the stored file size is wrong, not that Box is: say so.
  open(client, ref.fileSize, { method: 'GET', url: statusUrl(client, ref), signal }, false, (_, why) => invalidInput(
    `Upload session ${ref.id} was not started for a file of ${ref.fileSize} bytes (${why}): resume with the file and size that started it.`,
  ))

/** `listParts(client, { signal })(session)`. */
export const readParts = (client: Client, session: StoredSession, signal?: AbortSignal): TE.TaskEither<UploadError, ReadonlyArray<UploadPart>> =>
  pipe(
    TE.fromEither(trust(client)(session.endpoints.listParts)),
    TE.flatMap(() => pages(client, session, signal)),
    TE.map(sortByOffset),
  )

/** `abortSession(client, { signal })(session)`. */
export const deleteSession = (client: Client, session: StoredSession, signal?: AbortSignal): TE.TaskEither<UploadError, void> =>
  deleteAt(client, session.endpoints.abort, signal)

/** Time allowed to the `DELETE` of a session after a failure, retries included. */
export const deleteTimeoutMs = 30_000

/**
 * Deletes a session after a failure (at its abort URL): retried like any request, within
 * `deleteTimeoutMs` in all. Never fails: the failure that led here is the one to report.
 */
export const discardSession = (client: Client, policy?: RetryPolicy) => (url: string): TE.TaskEither<never, void> =>
  TE.orElse(() => TE.right<never, void>(undefined))(retryRequests(client, policy, { signal: AbortSignal.timeout(deleteTimeoutMs) })((signal) => deleteAt(client, url, signal)))

// ---------------------------------------------------------------------------------------------
// helpers

/**
 * Reads a session from `req`'s answer. One just `created` but refused (endpoints on a host the token
 * must not go to, or a `total_parts` that does not fit the size) is deleted at the trusted upload
 * URL, since nobody else knows its id. A `total_parts` mismatch is `mismatch`'s (`fromUploadSession`'s default when not given).
 */
const open = (client: Client, fileSize: number, req: HttpRequest, created: boolean, mismatch?: typeof wrongAnswer): TE.TaskEither<UploadError, Session> =>
  pipe(
    request(client)(req),
    TE.flatMap(json(UploadSession, 'upload_session')),
    TE.flatMap((wire) =>
      pipe(
        // A session whose endpoints are on an untrusted host is refused now, rather than at its first part.
        TE.fromEither(pipe(fromUploadSession(fileSize, mismatch)(wire), E.tap((session) => E.traverseArray(trust(client))(Object.values(session.endpoints))))),
        // At the client's own upload URL: a session's status URL is also its abort URL.
        TE.tapError(() => (created ? discardSession(client)(statusUrl(client, { id: wire.id })) : TE.right(undefined))),
      ),
    ),
  )

const deleteAt = (client: Client, url: string, signal?: AbortSignal): TE.TaskEither<UploadError, void> =>
  pipe(request(client)({ method: 'DELETE', url, signal }), TE.flatMap(discard))

const validate = (fileSize: number, names: Readonly<Record<string, string>>): E.Either<UploadError, void> => {
  if (!PositiveInteger.is(fileSize)) {
    return E.left(invalidInput(`fileSize must be a positive integer, got ${shown(fileSize)}: Box's chunked upload needs a non-empty file of known size.`))
  }
  const empty = Object.entries(names).find(([, value]) => typeof value !== 'string' || value === '')
  return empty === undefined ? E.right(undefined) : E.left(invalidInput(`${empty[0]} must be a non-empty string.`))
}

const statusUrl = (client: Client, ref: Session | { readonly id: string }): string =>
  'endpoints' in ref ? ref.endpoints.status : `${client.uploadUrl}/files/upload_sessions/${encodeURIComponent(ref.id)}`

/** A `total_parts` (`value`) that does not fit the file and part sizes, as Box's answer being wrong. */
const wrongAnswer = (value: number, message: string): UploadError =>
  decodeError('upload_session', [{
    value,
    // Without the answer as `actual`: it could hold the token (an error masks it only when `json` builds it).
    context: [{ key: '', type: UploadSession }, { key: 'total_parts', type: PositiveInteger, actual: value }],
    message,
  }])

/** The pages from `offset` on, after the `parts` of those before. */
const pages = (client: Client, session: StoredSession, signal: AbortSignal | undefined, offset = 0, parts: ReadonlyArray<UploadPart> = []): TE.TaskEither<UploadError, ReadonlyArray<UploadPart>> => {
  const url = new URL(session.endpoints.listParts)
  url.searchParams.set('offset', `${offset}`)
  url.searchParams.set('limit', `${listPartsLimit}`)
  return pipe(
    request(client)({ method: 'GET', url: url.href, signal }),
    TE.flatMap(json(UploadParts, 'list of parts')),
    TE.flatMap((answer) => {
      const all = [...parts, ...answer.entries]
      const next = offset + answer.entries.length
      // A session has totalParts parts at most: a total_count above it (a server counting on) is not followed.
      // Nor an offset past 10000, which Box refuses (400): parts stored beyond are met again when sent (416, taken).
      const done = answer.entries.length === 0 || next >= Math.min(answer.total_count, session.totalParts) || next > 1e4
      return done ? TE.right(all) : pages(client, session, signal, next, all)
    }),
  )
}

/** Parts by offset, one per offset (a page boundary moving under concurrent uploads may repeat one). */
const sortByOffset = (parts: ReadonlyArray<UploadPart>): ReadonlyArray<UploadPart> =>
  [...new Map(parts.map((part) => [part.offset, part])).values()].sort((a, b) => a.offset - b.offset)
