/**
 * `box-upload <file>`: checks the file, connects (Box, a running emulator, or one started here),
 * uploads with a progress bar, keeps the session on Ctrl-C for `--resume`, checks the result and
 * prints it. Also `box-upload demo`, the same on a generated sample (what `npm start` runs).
 */
import { createReadStream } from 'node:fs'
import { Readable } from 'node:stream'
import * as E from 'fp-ts/lib/Either.js'
import { type RetryPolicy, defaultRetryPolicy } from '../Retry.ts'
import { type Session, abortSession, revive } from '../Session.ts'
import type { UploadFailure, UploadOptions } from '../Upload.ts'
import { type UploadError, isRetryable, isUploadError } from '../UploadError.ts'
import { BOX_MIN_FILE_SIZE, type DemoCommand, type UploadCommand } from './Command.ts'
import { type Endpoint, connect } from './Connect.ts'
import { committedPlace, firstLine, overwriteNote, overwritten, placeOf, uploadTo } from './Destination.ts'
import { settleEarlier } from './EarlierUpload.ts'
import { FAILED, INTERRUPTED, USAGE } from './Exit.ts'
import { finish } from './Finish.ts'
import { nameRefused } from './FlagValues.ts'
import { type FileInfo, contentModifiedAt, inspect, unchangedWhileRead } from './Input.ts'
import { interrupts } from './Interrupts.ts'
import { keptSession, sessionState } from './KeptSession.ts'
import { failure, io } from './Output.ts'
import { formatBytes } from './ProgressBar.ts'
import * as Report from './Report.ts'
import { outputOf, reporter } from './Reporter.ts'
import { make } from './Sample.ts'
import * as State from './State.ts'
import { disagreement, occupied, resumable, resumeTarget } from './StateChecks.ts'
import { isTokenCommandFailure, started } from './TokenCommand.ts'

// ---------------------------------------------------------------------------------------------
// model

/** How long after the upload stopped a second Ctrl-C still aborts the session, in ms. */
export const SECOND_CTRL_C_MS = 1000

// ---------------------------------------------------------------------------------------------
// operations

/** Runs `box-upload <file>`; resolves with the exit code. */
export const run = async (command: UploadCommand): Promise<number> => {
  const fail = failure(command)
  // A resumed upload's session exists already: the server took the file's size when it was created.
  const info = await inspect(command.resume ? 0 : command.minFileSize)(command.file)()
  if (E.isLeft(info)) return fail(USAGE, info.left.message)
  // Box refuses some names a file system takes (a trailing space, a line break): said now, not after a request.
  // A new version without --name keeps its file's name: the local one is not sent.
  const badName = command.resume || command.name !== undefined || command.fileId !== undefined ? undefined : nameRefused(info.right.name)
  if (badName !== undefined) return fail(USAGE, `the file's name ${badName}: give the upload another with --name`)
  const statePath = command.state ?? State.pathFor(info.right.path)
  const prior = command.resume ? await resumable(command, statePath, info.right) : E.right(undefined)
  if (E.isLeft(prior)) return fail(USAGE, prior.left.message)
  // A new upload reads the state file once: an earlier interrupted upload's, or what a --state would overwrite.
  const stored = command.resume ? undefined : await State.read(statePath)()
  const occupant = stored === undefined || command.state === undefined ? undefined : await occupied(statePath, info.right, stored)
  if (occupant !== undefined) return fail(USAGE, occupant)
  const earlier = stored !== undefined && E.isRight(stored) ? stored.right : undefined
  // A state given with --state that belongs to another file is that file's only way to resume: not overwritten.
  if (earlier !== undefined && !State.samePath(earlier.file.path, info.right.path) && command.state !== undefined) {
    return fail(USAGE, `${statePath} holds an interrupted upload of ${earlier.file.path}: resume that one with it, or choose another --state`)
  }
  const stale = earlier !== undefined && State.samePath(earlier.file.path, info.right.path)
  if (stale) {
    // It may also be another run still going: a state file cannot tell (give each run its own --state).
    io.say(`note: ${statePath} holds an interrupted upload of this file; this starts a new upload (add --resume to continue that one instead)`)
  }
  const target = prior.right === undefined ? E.right(command.target) : resumeTarget(prior.right, command.target)
  if (E.isLeft(target)) return fail(USAGE, target.left.message)
  // A token command may take a while (a vault, a sign-in): a Ctrl-C or signal meanwhile stops it and the run,
  // which else would exit at Node's default and leave the command running in its own process group. Its runs
  // after a 401 are stopped with the upload (`send`), which else would wait for them.
  const stopping = new AbortController()
  const asking = interrupts(io.say, false, 'the token command')
  asking.signal.addEventListener('abort', () => stopping.abort(), { once: true })
  const tokens = await started(target.right, command.timeoutMs, stopping.signal).finally(asking.dispose)
  if (asking.count() >= 1) return fail(asking.exitCode(), 'stopped while the token command ran (stopped with it); nothing was sent')
  if (E.isLeft(tokens)) return fail(FAILED, tokens.left)
  const endpoint = await connect(target.right, command.minFileSize, info.right.size, command.proxies, tokens.right)
  try {
    io.say(endpoint.where === 'embedded emulator'
      ? `No token given (--token, --token-command or their variables BOX_TOKEN, BOX_TOKEN_COMMAND): uploading to a local Box emulator started in this process at ${endpoint.client.uploadUrl}`
      : `${firstLine(prior.right !== undefined, prior.right?.fileId ?? command.fileId)} to ${endpoint.client.uploadUrl}`)
    return await send(command, info.right, statePath, endpoint, prior.right, stale ? earlier : undefined, stopping)
  } finally {
    await endpoint.close()
  }
}

/** Runs `box-upload demo`: a random sample of `size` bytes in a temp dir, uploaded to the embedded emulator. */
export const demo = async (command: DemoCommand): Promise<number> => {
  // Writing a large sample takes a while: a Ctrl-C then must still delete what was written.
  const writing = interrupts(io.say, false, 'writing the sample file')
  const sample = await make(command.size, writing.signal)().finally(writing.dispose)
  if (writing.count() >= 1) {
    if (E.isRight(sample)) await sample.right.remove()
    return failure(command)(writing.exitCode(), 'stopped while writing the sample file (deleted); nothing was uploaded')
  }
  if (E.isLeft(sample)) return failure(command)(FAILED, `cannot write the sample file: ${sample.left.message}`)
  io.say(`Made a sample file of ${formatBytes(command.size)} random bytes (deleted afterwards): ${sample.right.path}`)
  try {
    return await run({
      _tag: 'Upload',
      file: sample.right.path,
      folderId: '0',
      json: command.json,
      resume: false,
      ...(command.concurrency !== undefined ? { concurrency: command.concurrency } : {}),
      minFileSize: Math.min(BOX_MIN_FILE_SIZE, command.size),
      target: { _tag: 'Embedded', ...(command.partSize !== undefined ? { partSize: command.partSize } : {}) },
    })
  } finally {
    await sample.right.remove()
  }
}

/** The upload itself, from the first request to the printed result. */
const send = async (
  command: UploadCommand, info: FileInfo, statePath: string, endpoint: Endpoint, prior: State.State | undefined,
  earlier: State.State | undefined, stopping: AbortController,
): Promise<number> => {
  const fail = failure(command, endpoint.where)
  // What the command line asked that changes the advice of a failure (a --file-id's --name, a token command).
  const asked = Report.askedBy(command)
  const { client } = endpoint
  const progress = reporter(outputOf(process.stderr))
  const say = (text: string) => {
    progress.finish()
    io.say(text)
  }
  // The embedded emulator's sessions die with this process: keeping one would be pointless.
  const keep = endpoint.where !== 'embedded emulator'
  // The commit is on its way once the source is read to its end and Box holds every part (on a
  // resume, Box may hold them all from the start, while the file is still read and hashed).
  let sourceRead = false
  let allParts = false
  // What Box held before this run sent anything: the first progress report counts it (a resume's parts).
  let heldBytes: number | undefined
  // The session, once it exists (a resumed one from the start). Before, its creation is in flight: the
  // library gives that request a few more seconds after a signal, and keeps the session if it comes.
  let session: Session | undefined = prior === undefined ? undefined : revive(prior.session)
  // The file a new version goes to: --file-id's, a resumed one's, or with --overwrite the one holding the name.
  let versionOf = prior?.fileId ?? command.fileId
  // Where the file goes, as the state file records it: a resumed upload goes on as it started.
  const place = (): State.Place => prior !== undefined ? State.placeOf(prior) : placeOf(command, info, versionOf)
  // Set once a second Ctrl-C's DELETE is answered: its state file is on its way out, nothing left to name.
  let abortedAlready = false
  // A third Ctrl-C exits without waiting for anything: still the one result --json promises, saying what may be
  // left, and the state file when it names the session as it exits (read at once: it cannot wait).
  const leaving = (): void => {
    if (abortedAlready) return void fail(INTERRUPTED, 'interrupted three times: exited at once; the upload session was aborted (or gone already), nothing to resume')
    const held = session !== undefined && State.holdingNow(statePath, session.id)
    void fail(INTERRUPTED, `interrupted three times: exited at once, without waiting for the upload session to be kept or aborted${
      keep ? ` (one left on the server expires on its own${held ? `; ${statePath} names it, for --resume` : ''})` : ''}`, undefined, held ? statePath : undefined)
  }
  const ctrlC = interrupts(say, () => (!keep ? false : session === undefined ? 'pending' : true), undefined, () => sourceRead && allParts, leaving)
  ctrlC.signal.addEventListener('abort', () => stopping.abort(), { once: true })
  // The upload also stops at once when a proxy refuses the credentials (407): each retry would be refused too,
  // one more failed login each, and a few in a row may lock the user's account. (AbortSignal.any: Node 20.3,
  // and a proxy needs undici, 20.18.1.)
  const signal = endpoint.refused === undefined ? ctrlC.signal : AbortSignal.any([ctrlC.signal, endpoint.refused])
  // The state file: written as soon as a new upload's session exists, again when it is kept, removed once it is committed or deleted.
  const state = sessionState(info, statePath, endpoint, place, say)
  // --timeout bounds each try of every request of the upload, and of the resume's look at its session first.
  const retry = retryPolicy(command)
  // Box shows the file's "Modified" date as the local file's, not the upload's. A resume sends the same: it
  // goes on only with the mtime its state file recorded.
  const modifiedAt = contentModifiedAt(info)
  if (modifiedAt === undefined) say(`note: the file's modification time (${Math.abs(info.mtimeMs) <= 8.64e15 ? new Date(info.mtimeMs).toISOString() : `${info.mtimeMs} ms from 1970`}) is not one Box takes (after 1970, before the year 10000): it is not sent, and Box shows the upload's time as the file's modified date`)
  try {
    if (prior !== undefined && session !== undefined) {
      const why = await disagreement(client, prior, session, signal, retry)
      // Refused before the parts are listed: a resume failing on them would abort the session.
      if (why !== undefined) return fail(USAGE, `${statePath} is not a usable box-upload state file: ${why}`)
    }
    const options: UploadOptions = {
      ...(command.concurrency !== undefined ? { concurrency: command.concurrency } : {}),
      retry,
      signal,
      ...(modifiedAt !== undefined ? { attributes: { content_modified_at: modifiedAt } } : {}),
      onProgress: (p) => {
        heldBytes ??= p.bytesUploaded
        allParts = p.partsUploaded === p.totalParts
        progress.onProgress(p)
      },
      onSession: (s) => {
        session = s
        // Not over an earlier interrupted upload's state: that stays its way back.
        if (keep && prior === undefined && earlier === undefined) state.writeEarly(s)
      },
      keepSessionOnError: keep,
    }
    // Where the bytes go: the resumed session, a new version of a file, or a new file; each from the file's first byte.
    const attempt = () => {
      const file = createReadStream(info.path, { highWaterMark: 1 << 20 }).once('end', () => { sourceRead = true })
      const source = (Readable.toWeb(file) as unknown as ReadableStream<Uint8Array>).pipeThrough(unchangedWhileRead(info))
      return uploadTo(client, command, info)({ session, versionOf }, source, options)()
    }
    const started = performance.now()
    // Between the parts Box confirms, what the connections took of the parts in flight moves the bar.
    const sending = setInterval(() => progress.onSending(endpoint.inFlight()), 200)
    const first = await attempt()
    // --overwrite: the name was taken when the session was to be made: a new version of the file holding it instead.
    const taken = overwritten(command)(first, session, ctrlC.count() !== 0)
    if (taken !== undefined) {
      versionOf = taken
      say(overwriteNote(command, info)(taken))
    }
    const result = await (taken === undefined ? Promise.resolve(first) : attempt()).finally(() => clearInterval(sending))
    const seconds = (performance.now() - started) / 1000
    progress.finish()

    if (E.isRight(result)) {
      // Committed: from here a Ctrl-C stops only the checks, and there is no session to keep or abort (a third
      // one, exiting at once, still says the file is committed, in the one result --json promises).
      ctrlC.dispose()
      const leavingCommitted = (): void => void failure(command)(INTERRUPTED, `uploaded as file ${result.right.id} (committed), then interrupted three times: exited at once, the file not checked`)
      const settling = interrupts(say, false, earlier === undefined ? 'the clean-up after the commit' : "the check of the earlier upload's state", undefined, leavingCommitted, ctrlC)
      if (prior !== undefined || await state.written()) await State.removeIfHolding(statePath, session?.id ?? '')
      // An earlier interrupted upload this one replaced is done with; an upload to the embedded emulator
      // replaces none (its file never left this process), so it names no session there.
      const committed = { ...committedPlace(command, info, versionOf)(result.right), session: keep ? session : undefined }
      await settleEarlier(client, statePath, earlier, committed)(settling.signal).finally(settling.dispose)
      // Each handler goes on with the count of the one before it: a Ctrl-C during the commit's grace counts here too.
      const stopped = settling.count() >= 1 && endpoint.apiUrl !== undefined
      const checking = interrupts(say, false, 'the download check', undefined, leavingCommitted, settling)
      try {
        return stopped
          ? failure(command)(settling.exitCode(), `uploaded as file ${result.right.id} (committed), then stopped: the file was not checked`)
          : await finish(command, endpoint, info, { file: result.right, seconds, resumed: prior !== undefined, newVersion: versionOf !== undefined, sentBytes: info.size - (heldBytes ?? 0) }, checking)
      } finally {
        checking.dispose()
      }
    }
    // Stopped by a proxy's refusal, the upload failed as the refused request did: a network error, its session
    // kept for a --resume once the credentials are mended.
    const error: UploadFailure = refusedRequest(endpoint, result.left) ?? result.left
    const kept = result.left.session ?? session
    // Every part stored and the file read to its end: the commit was on its way when the upload stopped.
    const committing = sourceRead && allParts
    if (ctrlC.count() >= 1) {
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
  } finally {
    ctrlC.dispose()
  }
}

// ---------------------------------------------------------------------------------------------
// helpers

/** The request a proxy refused (407) when its refusal is what stopped the upload, which then says only that it was stopped. */
const refusedRequest = (endpoint: Endpoint, error: UploadError): UploadError | undefined =>
  error._tag === 'Aborted' && endpoint.refused?.aborted && error.reason === endpoint.refused.reason && isUploadError(error.reason) ? error.reason : undefined

/** The library's retry policy, with `--timeout` as each try's time when given. */
const retryPolicy = (command: UploadCommand): RetryPolicy =>
  command.timeoutMs === undefined ? defaultRetryPolicy : { ...defaultRetryPolicy, timeoutMs: command.timeoutMs }

/** Whether an abort ended the session: deleted, or gone already (committed, aborted or expired: 404, 410), nothing left to keep. */
const ended = (aborted: E.Either<UploadError, void>): boolean =>
  E.isRight(aborted) || (aborted.left._tag === 'HttpError' && (aborted.left.status === 404 || aborted.left.status === 410))
