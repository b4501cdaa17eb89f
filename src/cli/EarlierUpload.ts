/**
 * An earlier interrupted upload of the same file, whose state file a new upload found (and left in
 * place: it is that upload's way back): what becomes of it once the new upload is committed.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Client } from '../Client.ts'
import { type Session, getSession } from '../Session.ts'
import { defaultRetryPolicy, retryRequests } from '../Retry.ts'
import { canonicalUrl } from './FlagValues.ts'
import { sameSessionsBase } from './SameServer.ts'
import * as State from './State.ts'

// ---------------------------------------------------------------------------------------------
// model

/** The upload just committed: the file's id, and its folder and name (a new version's as Box answered them, when it did). */
export interface Committed {
  readonly fileId: string
  readonly folderId: string | undefined
  readonly name: string
  /** Its session, on a server that keeps sessions; `undefined` on the embedded emulator. */
  readonly session: Session | undefined
}

// ---------------------------------------------------------------------------------------------
// operations

/**
 * Removes the `earlier` upload's state at `statePath` when the committed upload replaced it, or notes it is
 * still there (with `note`). A Ctrl-C (`signal`) cuts the check short.
 */
export const settleEarlier = (client: Client, statePath: string, earlier: State.State | undefined, committed: Committed, note: (text: string) => void) =>
  async (signal: AbortSignal): Promise<void> => {
    if (earlier === undefined) return
    const { session } = committed
    // An earlier interrupted upload of the file to the same folder and name (which Box compares without
    // case) on this server is done with: resuming it would upload the file there again. One elsewhere is
    // not, nor by an upload to the embedded emulator, whose file never left this process. The same server
    // may be named otherwise (localhost, 127.0.0.1): its sessions' URLs, up to their id, are what it calls
    // itself. And only the same user's: folder 0 is each user's own, so the earlier session must be one this
    // token still reads, or one nobody can resume any more (expired).
    // An earlier new version is of one file: done with once this upload gave that file one (resumed, it would add another).
    const samePlace = session !== undefined &&
      (earlier.fileId !== undefined ? earlier.fileId === committed.fileId
        : earlier.folderId === committed.folderId && earlier.name?.toLowerCase() === committed.name.toLowerCase()) &&
      (canonicalUrl(earlier.uploadUrl) === client.uploadUrl || sameSessionsBase(earlier.session, session))
    const expired = Date.parse(earlier.session.expiresAt) <= Date.now()
    // One try of 5 s at most, cut short by `signal`: the library's own per-attempt timeout.
    const read = samePlace && !expired
      ? await retryRequests(client, { ...defaultRetryPolicy, retries: 0, timeoutMs: 5_000 }, { signal })((bounded) => getSession(client, { signal: bounded })(earlier.session))()
      : undefined
    const replaced = samePlace && (read === undefined || E.isRight(read) || (read.left._tag === 'HttpError' && read.left.status === 410))
    // Either note only as the file is: another run may have written its own state there since, which stays.
    if (replaced) {
      if (await State.removeIfHolding(statePath, earlier.session.id)) note(`note: removed ${statePath}, the state of the earlier interrupted upload (its session ${expired ? 'had expired' : 'expires on its own'})`)
    } else if (await State.holding(statePath, earlier.session.id)) {
      const place = earlier.fileId === undefined ? `folder ${earlier.folderId}, as ${earlier.name}` : State.describe(earlier)
      note(`note: ${statePath} still holds the interrupted upload to ${earlier.uploadUrl} (${place}), ${expired ? 'whose session has expired' : 'to finish there with --resume'}`)
    }
  }
