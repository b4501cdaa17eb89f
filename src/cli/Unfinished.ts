/**
 * An upload that did not commit: stopped by a Ctrl-C or signal (its session kept for `--resume`, or aborted by a
 * second Ctrl-C), or failed (kept where a resume can mend the failure: a retryable error, a refused token, a commit
 * still processing, a part still held; else aborted), and the message saying which, with what is left to resume.
 */
import * as E from 'fp-ts/lib/Either.js'
import { type Session, abortSession } from '../Session.ts'
import type { UploadFailure } from '../Upload.ts'
import { type UploadError, isRetryable, isUploadError } from '../UploadError.ts'
import type { UploadCommand } from './Command.ts'
import type { Endpoint } from './Connect.ts'
import { FAILED, INTERRUPTED } from './Exit.ts'
import type { Interrupts } from './Interrupts.ts'
import { type SessionState, keptSession } from './KeptSession.ts'
import { failure } from './Output.ts'
import * as Report from './Report.ts'
import * as State from './State.ts'
import { isTokenCommandFailure } from './TokenCommand.ts'

// ---------------------------------------------------------------------------------------------
// model

/** How long after the upload stopped a second Ctrl-C still aborts the session, in ms. */
export const SECOND_CTRL_C_MS = 1000

/** What the end of an upload that did not commit needs of its run. */
export interface UploadRun {
  readonly command: UploadCommand
  readonly statePath: string
  readonly endpoint: Endpoint
  /** The state resumed from, on a `--resume`. */
  readonly prior: State.State | undefined
  /** An earlier interrupted upload of the file, whose state file this one's takes the place of. */
  readonly earlier: State.State | undefined
  /** Whether a session is kept at all: not on the embedded emulator, whose sessions die with this process. */
  readonly keep: boolean
  /** The upload's state file (`KeptSession.sessionState`). */
  readonly state: SessionState
  /** Where the file goes, as the state file records it. */
  readonly place: () => State.Place
  /** The session, once it exists (a resumed one from the start). */
  readonly session: () => Session | undefined
}

/** How an upload that did not commit ends. */
export interface Unfinished {
  /** Reports the run's end on a third Ctrl-C, just before the exit (`Interrupts`'s `leaving`). */
  readonly leaving: () => void
  /**
   * Ends the upload after its `failure`, stopped by `ctrlC` or not, and resolves with the exit code; `committing`:
   * whether every part was stored and the file read to its end (the commit was on its way when it stopped).
   */
  readonly end: (ctrlC: Interrupts, committing: boolean) => (failure: UploadFailure) => Promise<number>
}

// ---------------------------------------------------------------------------------------------
// constructors

/** The end of `run`'s upload if it does not commit. */
export const unfinished = (run: UploadRun): Unfinished => {
  const { command, statePath, endpoint, prior, earlier, keep, state, place } = run
  const { client } = endpoint
  const fail = failure(command, endpoint.where)
  // What the command line asked that changes the advice of a failure (a --file-id's --name, a token command).
  const asked = Report.askedBy(command)
  // Set once a second Ctrl-C's DELETE is answered: its state file is on its way out, nothing left to name.
  let abortedAlready = false
  // A third Ctrl-C exits without waiting for anything: still the one result --json promises, saying what may be
  // left, and the state file when it names the session as it exits (read at once: it cannot wait).
  const leaving = (): void => {
    if (abortedAlready) return void fail(INTERRUPTED, 'interrupted three times: exited at once; the upload session was aborted (or gone already), nothing to resume')
    const session = run.session()
    const held = session !== undefined && State.holdingNow(statePath, session.id)
    void fail(INTERRUPTED, `interrupted three times: exited at once, without waiting for the upload session to be kept or aborted${
      keep ? ` (one left on the server expires on its own${held ? `; ${statePath} names it, for --resume` : ''})` : ''}`, undefined, held ? statePath : undefined)
  }
  /** Stopped by a Ctrl-C or signal: the session kept, or aborted by a second Ctrl-C. */
  const interrupted = async (ctrlC: Interrupts, committing: boolean, kept: Session | undefined, error: UploadFailure): Promise<number> => {
    const code = ctrlC.exitCode()
    const by = ctrlC.stoppedBy()
    const terminated = by === 'SIGTERM' || by === 'SIGHUP'
    const stopped = terminated ? `terminated (${by})` : 'interrupted'
    if (!keep) return fail(code, `${stopped}. The embedded emulator's sessions end with this process, so there is nothing to resume; to try --resume, run \`box-upload emulator\` in another terminal and upload to it with --upload-url`, error)
    // Also when the creation got no answer within the library's grace: a session made after it is unknown here.
    if (kept === undefined) return fail(code, `${stopped} before the upload session was created, or before the server answered its creation (a session it makes later expires on its own); nothing to resume`, error)
    // The state is written first, so that nothing is lost if the process is killed now. A double
    // Ctrl-C is rarely faster than the upload stops: the second one counts for a moment after.
    // After SIGTERM or SIGHUP nobody waits at a keyboard (and a supervisor's kill timeout runs): no grace time.
    const saved = await state.keep(kept)
    const again = terminated ? ctrlC.count() >= 2 : await ctrlC.second(SECOND_CTRL_C_MS)
    if (!again) return keptSession(command, statePath, endpoint, kept, saved, stopped, error, code)
    const twice = terminated ? `terminated (${by}), then Ctrl-C` : 'interrupted twice'
    const aborted = await abortSession(client, { signal: AbortSignal.timeout(30_000) })(kept)()
    const lookFor = `look for ${State.describe(place())}`
    abortedAlready = ended(aborted)
    // A session the server may still hold (it could not be reached) stays where a resume finds it.
    if (E.isLeft(aborted) && !abortedAlready) {
      return keptSession(command, statePath, endpoint, kept, saved, `${twice}, but the upload session could not be aborted: ${Report.explain(aborted.left, endpoint.where, asked)}${committing ? ` Its commit was under way and may have gone through: ${lookFor}.` : ''}`, error, code)
    }
    // The earlier interrupted upload's state, which this one's took the place of, is its way back again
    // (unless another run wrote the file since, or this one's state was never written there).
    const putBack = earlier !== undefined && await State.holding(statePath, kept.id) && E.isRight(await State.write(statePath)(earlier)())
    if (earlier === undefined) await State.removeIfHolding(statePath, kept.id)
    // A commit the second Ctrl-C cut off in flight may have been applied, whatever the DELETE then met
    // (a committed session may still answer it 204). Gone already otherwise (404, 410): aborted or expired.
    // A resumed session found gone may also have been committed by the interrupted run's commit.
    const outcome = committing
      ? `the upload session was ${E.isRight(aborted) ? 'deleted' : 'gone already'}, but its commit was under way and may have gone through: ${lookFor}`
      : E.isRight(aborted) ? 'the upload session was aborted, nothing to resume'
      : `the upload session was gone already (aborted or expired${prior === undefined ? '' : `, or committed by the interrupted run: ${lookFor}`}), nothing to resume`
    return fail(code, `${twice}: ${outcome}${putBack ? ` (${statePath} holds the earlier interrupted upload again)` : ''}`, error)
  }
  /** Failed: the session kept where a resume can mend the failure, else aborted. */
  const failed = async (kept: Session | undefined, error: UploadFailure): Promise<number> => {
    let unaborted = ''
    // Whether a state file still holds the failed upload's session, for a --resume once the failure is mended.
    let stateKept = false
    if (keep && kept !== undefined) {
      // A refused token (expired, or another user's) is no reason to lose the parts: the session is
      // kept for a resume with the right token (aborting it with the refused one would fail anyway).
      // A 403 for room or size (`storage_limit_exceeded`, `file_size_limit_exceeded`) is not about the token.
      const refused = error._tag === 'HttpError' && (error.status === 401 || (error.status === 403 && !/limit_exceeded$/.test(error.code ?? '')))
        // So is a token command that failed when asked again after a 401: resumed once it works.
        || isTokenCommandFailure(error)
      // Every part uploaded, and the commit still answered 202 (Box processing them) past the wait, or
      // refused because a file of that name appeared meanwhile: a resume commits without sending a part again.
      const atCommit = error._tag === 'HttpError' && (error.status === 202 || error.code === 'item_name_in_use')
      // A part the server still takes from a try of ours that got no answer (Report.isPartHeld): kept, for a resume later.
      if (isRetryable(error) || refused || atCommit || Report.isPartHeld(error)) {
        const saved = await state.keep(kept)
        return keptSession(command, statePath, endpoint, kept, saved, `upload failed: ${Report.explainKept(error, endpoint.where, asked)}`, error, FAILED, refused)
      }
      const aborted = await abortSession(client, { signal: AbortSignal.timeout(30_000) })(kept)()
      const ownState = prior !== undefined || await state.written()
      // Only this upload's own state goes, and only with its session: a new upload's failure leaves an
      // earlier one's to resume, and a session that could not be aborted stays where a resume finds it.
      if (E.isLeft(aborted) && !ended(aborted)) {
        stateKept = ownState
        unaborted = ` The upload session ${kept.id} could not be aborted either (${Report.explain(aborted.left, endpoint.where, asked)}): ` +
          (ownState ? `${statePath} keeps it, for a --resume once that is mended; else it expires on its own at ${kept.expiresAt}.` : `it expires on its own at ${kept.expiresAt}.`)
      } else if (ownState) await State.removeIfHolding(statePath, kept.id)
    }
    // A session gone (404) when resumed: committed (a commit the interruption cut off may have been applied) or aborted.
    const goneNote = prior !== undefined && !stateKept && error._tag === 'HttpError' && error.status === 404
      ? ` The interrupted upload's session is gone and its state file removed: if ${prior.fileId === undefined ? `${prior.name} is not in folder ${prior.folderId}` : `file ${prior.fileId} did not get the new version`} (an interrupted commit may have gone through), upload it again without --resume.`
      : ''
    // Typically --upload-url http://localhost:… while the server names itself 127.0.0.1 (or the reverse); never for Box.
    // A resume goes where its session lives (--upload-url as it was): there --api-url names the other host.
    const elsewhere = error._tag === 'UntrustedEndpoint' && endpoint.where !== 'Box'
      ? ` The server answered with URLs on ${error.origin}: if it is the server you meant, ${prior === undefined ? 'give that host in --upload-url' : 'add --api-url with its API URL on that host, which the token then goes to'}.`
      : ''
    return fail(FAILED, `upload failed: ${Report.explain(error, endpoint.where, asked)}${goneNote}${elsewhere}${unaborted}`, error, stateKept ? statePath : undefined)
  }
  return {
    leaving,
    end: (ctrlC, committing) => (failure) => {
      // Stopped by a proxy's refusal, the upload failed as the refused request did: a network error, its session
      // kept for a --resume once the credentials are mended.
      const error: UploadFailure = refusedRequest(endpoint, failure) ?? failure
      const kept = failure.session ?? run.session()
      return ctrlC.count() >= 1 ? interrupted(ctrlC, committing, kept, error) : failed(kept, error)
    },
  }
}

// ---------------------------------------------------------------------------------------------
// helpers

/** The request a proxy refused (407) when its refusal is what stopped the upload, which then says only that it was stopped. */
const refusedRequest = (endpoint: Endpoint, error: UploadError): UploadError | undefined =>
  error._tag === 'Aborted' && endpoint.refused?.aborted && error.reason === endpoint.refused.reason && isUploadError(error.reason) ? error.reason : undefined

/** Whether an abort ended the session: deleted, or gone already (committed, aborted or expired: 404, 410), nothing left to keep. */
const ended = (aborted: E.Either<UploadError, void>): boolean =>
  E.isRight(aborted) || (aborted.left._tag === 'HttpError' && (aborted.left.status === 404 || aborted.left.status === 410))
