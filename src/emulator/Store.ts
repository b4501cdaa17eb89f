/**
 * The emulator's state: upload sessions with their parts and the running whole-file SHA-1 of each,
 * what is kept of sessions that ended, and committed files. Plain mutable records owned by one
 * emulator instance; routes change them only in synchronous stretches (no `await` between a check
 * and the update it guards).
 */
import { toHex, type Sha1, type Sha1Factory } from './Sha1.ts'
import { users, type Users } from './Users.ts'

/** Bytes as the chunks they arrived in. */
export type Chunks = ReadonlyArray<Uint8Array>

/** A stored part, as Box describes it (`UploadPart`), plus when it was stored and (in 'memory' storage) its bytes. */
export interface StoredPart {
  readonly part_id: string
  readonly offset: number
  readonly size: number
  readonly sha1: string
  readonly storedAt: number
  readonly chunks?: Chunks
}

/**
 * The whole-file SHA-1 over the contiguous prefix of stored parts. Parts that arrive ahead of the
 * prefix wait in `pending` until the prefix reaches them (bounded by the client's concurrency), so
 * 'digest' storage never holds the file.
 */
export interface WholeHash {
  next: number
  readonly hasher: Sha1
  readonly pending: Map<number, { readonly chunks: Chunks; readonly length: number }>
  digest?: Uint8Array
}

/** An upload session. */
export interface Session {
  readonly id: string
  /** What its random faults are drawn with (Faults.sessionKey): its upload and its place among that upload's sessions. */
  readonly faultKey: number
  /** The user who created it (Users.ts), whatever token that user has now. */
  readonly user: number
  /** The file a new-version session updates (`POST /files/:id/upload_sessions`). */
  readonly fileId?: string
  readonly folderId: string
  /**
   * The name the file gets at the commit. A new-version session created without `file_name` has
   * none: the file keeps the name it has when committed (OAS: `file_name` is "the optional new name").
   */
  readonly fileName?: string
  readonly fileSize: number
  readonly partSize: number
  readonly totalParts: number
  readonly expiresAt: number
  /** Stored parts by index (`offset / partSize`). */
  readonly parts: Map<number, StoredPart>
  /**
   * Part indexes an upload holds while the emulator itself keeps it waiting (a `slow` fault): a new upload of one
   * is refused `409 conflict`. A body still arriving holds nothing (Parts.ts).
   */
  readonly busy: Set<number>
  /** Upload attempts per part index (for scripted and random faults). */
  readonly attempts: Map<number, number>
  readonly whole: WholeHash
  /** 202 answers still due from `faults.commitAccepted`. */
  commitAccepted: number
  /** Commit requests answered so far (the index into `faults.commitFaults`). */
  commits: number
  /**
   * `failed`: unrecoverable (`faults.uploadFailedAfterParts`), answered `410 upload_failed` except by `DELETE` and log; its parts are dropped.
   * `expired`: past its lifetime, answered `410 session_expired`; its parts' bytes are dropped.
   */
  state: 'open' | 'committed' | 'aborted' | 'failed' | 'expired'
  committedFileId?: string
}

/**
 * What is kept of a session that ended, in its place: what its answers need (a commit again gives
 * the file, with `commits` counting on for `faults.commitFaults`; any use of an expired one is 410),
 * not its parts, their bytes, its hasher or its fault counters, which a long-running emulator would
 * otherwise hold for every upload it ever saw (~3 KB of heap each, past the bytes). An aborted
 * session keeps nothing: Box answers it `404` as it does an unknown one.
 */
export type Ended =
  | { readonly state: 'committed'; readonly user: number; readonly committedFileId: string; commits: number }
  | { readonly state: 'expired'; readonly user: number }

/** A committed file (current version only). */
export interface StoredFile {
  readonly id: string
  name: string
  readonly folderId: string
  size: number
  sha1: string
  etag: number
  versionId: string
  /** The user who committed it first (Users.ts). */
  readonly owner: number
  readonly createdAt: number
  modifiedAt: number
  contentCreatedAt: string | null
  contentModifiedAt: string | null
  description: string
  /** The bytes, part by part ('memory' storage only). */
  content?: ReadonlyArray<Uint8Array>
}

/** All state of one emulator. */
export interface Store {
  /** Who each accepted token stands for: `rotateToken` changes it. */
  readonly users: Users
  /** Open sessions, and failed ones until deleted or expired, by id. */
  readonly sessions: Map<string, Session>
  /** What is kept of committed and expired sessions, by id. */
  readonly ended: Map<string, Ended>
  readonly files: Map<string, StoredFile>
  /** When the earliest of `sessions` expires, or before (`Infinity`: none open): the next sweep is due then. */
  nextExpiry: number
  /**
   * Sessions created so far per upload (by `Faults.uploadKey`): a session's place among its upload's. One entry
   * per distinct upload, a few dozen bytes, kept for the emulator's life, as a repeat may come at any time.
   */
  readonly uploads: Map<number, number>
  nextFileId: number
  nextVersionId: number
}

/** An empty store, with a user for each of `tokens`. */
export const empty = (tokens: ReadonlyArray<string>): Store => ({ users: users(tokens), sessions: new Map(), ended: new Map(), files: new Map(), nextExpiry: Infinity, uploads: new Map(), nextFileId: 1_000_000_001, nextVersionId: 2_000_000_001 })

/** Whether a session record is a session still taking parts, not what is kept of one that ended. */
export const isLive = (s: Session | Ended): s is Session => 'parts' in s

/**
 * Ends a session: requests still working on it see its new state, and the store keeps `kept` in its
 * place (nothing for an aborted one), so the session, with its parts and hasher, is let go of once
 * they finish. Its parts are dropped at once, for those requests may take a while.
 */
export const end = (store: Store, s: Session, kept: Ended | undefined): void => {
  s.state = kept?.state ?? 'aborted'
  dropParts(s)
  store.sessions.delete(s.id)
  if (kept) store.ended.set(s.id, kept)
}

/** Drops a session's parts and any bytes waiting for the whole-file hash: nothing can use them any more. */
export const dropParts = (s: Session): void => {
  s.parts.clear()
  s.whole.pending.clear()
}

/** A new whole-file hash. */
export const wholeHash = (sha1: Sha1Factory): WholeHash => ({ next: 0, hasher: sha1(), pending: new Map() })

/** Feeds a validated part into the whole-file hash, then every waiting part the prefix now reaches. */
export const absorb = (whole: WholeHash, offset: number, chunks: Chunks, length: number): void => {
  if (offset !== whole.next) {
    whole.pending.set(offset, { chunks, length })
    return
  }
  for (const c of chunks) whole.hasher.update(c)
  whole.next += length
  for (let waiting = whole.pending.get(whole.next); waiting; waiting = whole.pending.get(whole.next)) {
    whole.pending.delete(whole.next)
    for (const c of waiting.chunks) whole.hasher.update(c)
    whole.next += waiting.length
  }
}

/** Whether a part at `offset` would wait in `pending` (so its bytes must be kept for a while). */
export const waits = (whole: WholeHash, offset: number): boolean => offset !== whole.next

/** The whole-file SHA-1 once the prefix covers `fileSize` bytes (computed once), else `undefined`. */
export const wholeDigest = (whole: WholeHash, fileSize: number): Uint8Array | undefined => {
  if (whole.next !== fileSize) return undefined
  whole.digest ??= whole.hasher.digest()
  return whole.digest
}

/** Random upper-case hex of `bytes` bytes (session ids: 16 bytes, part ids: 4). */
export const randomHex = (bytes: number): string => toHex(crypto.getRandomValues(new Uint8Array(bytes))).toUpperCase()

/**
 * A file of `user` in `folderId` whose name equals `name` (Box compares names case-insensitively).
 * Each user has a folder tree of its own: folder `"0"` is every user's own root, so another user's
 * file never clashes.
 */
export const fileNamed = (store: Store, user: number, folderId: string, name: string): StoredFile | undefined => {
  const wanted = name.toLowerCase()
  for (const f of store.files.values()) if (f.owner === user && f.folderId === folderId && f.name.toLowerCase() === wanted) return f
  return undefined
}

/** The file `id` if `user` owns it: another user's file is not found, as in Box. */
export const ownFile = (store: Store, user: number, id: string): StoredFile | undefined => {
  const f = store.files.get(id)
  return f?.owner === user ? f : undefined
}

/** Parts of a session in offset order. */
export const partsInOrder = (session: Session): ReadonlyArray<StoredPart> =>
  [...session.parts.values()].sort((a, b) => a.offset - b.offset)
