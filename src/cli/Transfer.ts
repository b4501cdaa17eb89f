/**
 * `box-upload <file>`: checks the file, connects (Box, a running emulator, or one started here),
 * uploads with a progress bar, keeps the session on Ctrl-C for `--resume`, checks the result and
 * prints it. Also `box-upload demo`, the same on a generated sample (what `npm start` runs).
 */
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import { Readable } from 'node:stream'
import * as E from 'fp-ts/lib/Either.js'
import type { BoxFile } from '../BoxFile.ts'
import type { Client } from '../Client.ts'
import { resume } from '../Resume.ts'
import { type Session, abortSession, getSession, revive } from '../Session.ts'
import { defaultRetryPolicy, retryRequests } from '../Retry.ts'
import { type UploadFailure, type UploadOptions, upload } from '../Upload.ts'
import { type UploadError, isRetryable, isUploadError } from '../UploadError.ts'
import { BOX_MIN_FILE_SIZE, BOX_UPLOAD_URL, canonicalUrl, nameRefused, usageError } from './Args.ts'
import type { DemoCommand, Target, UploadCommand, UsageError } from './Args.ts'
import { EMULATOR_TOKEN, type Endpoint, type Where, connect } from './Connect.ts'
import { type FileInfo, inspect, stampOf } from './Input.ts'
import { FAILED, INTERRUPTED, OK, USAGE } from './Exit.ts'
import { type Interrupts, interrupts } from './Interrupts.ts'
import { formatBytes } from './ProgressBar.ts'
import * as Report from './Report.ts'
import { outputOf, reporter } from './Reporter.ts'
import { make } from './Sample.ts'
import * as State from './State.ts'
import { agrees, sha1OfDownload, sha1OfFile } from './Verify.ts'

// ---------------------------------------------------------------------------------------------
// model

/** How long after the upload stopped a second Ctrl-C still aborts the session, in ms. */
export const SECOND_CTRL_C_MS = 1000

/** Writes to the terminal: `say` for notes on stderr, `result` for the outcome on stdout. */
interface Io {
  readonly say: (text: string) => void
  readonly result: (text: string) => void
}

const io: Io = {
  say: (text) => void process.stderr.write(`${text}\n`),
  result: (text) => void process.stdout.write(`${text}\n`),
}

// ---------------------------------------------------------------------------------------------
// operations

/** Runs `box-upload <file>`; resolves with the exit code. */
export const run = async (command: UploadCommand): Promise<number> => {
  const fail = failure(command)
  // A resumed upload's session exists already: the server took the file's size when it was created.
  const info = await inspect(command.resume ? 0 : command.minFileSize)(command.file)()
  if (E.isLeft(info)) return fail(USAGE, info.left.message)
  // Box refuses some names a file system takes (a trailing space, a line break): said now, not after a request.
  const badName = command.resume || command.name !== undefined ? undefined : nameRefused(info.right.name)
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
  const endpoint = await connect(target.right, command.minFileSize, info.right.size, command.proxies)
  try {
    io.say(endpoint.where === 'embedded emulator'
      ? `No token given (--token or BOX_TOKEN): uploading to a local Box emulator started in this process at ${endpoint.client.uploadUrl}`
      : `${prior.right ? 'Resuming the upload' : 'Uploading'} to ${endpoint.client.uploadUrl}`)
    return await send(command, info.right, statePath, endpoint, prior.right, stale ? earlier : undefined)
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
  earlier: State.State | undefined,
): Promise<number> => {
  const fail = failure(command, endpoint.where)
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
  // The upload also stops at once when a proxy refuses the credentials (407): each retry would be refused too,
  // one more failed login each, and a few in a row may lock the user's account. (AbortSignal.any: Node 20.3,
  // and a proxy needs undici, 20.18.1.)
  const signal = endpoint.refused === undefined ? ctrlC.signal : AbortSignal.any([ctrlC.signal, endpoint.refused])
  // A new upload's state is written as soon as its session exists, so that a kill no handler sees
  // (SIGKILL, the OOM killer, a power cut) still leaves it to resume; and removed once the session is
  // committed or deleted. Not over an earlier interrupted upload's state: that stays its way back.
  let early: Promise<E.Either<State.StateError, void>> | undefined
  const written = async (): Promise<boolean> => early !== undefined && E.isRight(await early)
  // The state of a kept session: written now, or, where that fails, one that names it already (the state
  // resumed from, or the early write), which a --resume finds as well.
  const keepState = async (kept: Session): Promise<E.Either<State.StateError, void>> => {
    const saved = await save(command, info, statePath, endpoint, kept, prior)
    return E.isLeft(saved) && await State.holding(statePath, kept.id) ? E.right(undefined) : saved
  }
  const writeEarly = (s: Session): void => {
    early = save(command, info, statePath, endpoint, s, prior).then((saved) => {
      if (E.isLeft(saved)) say(`note: ${saved.left.message}; if this upload is killed it cannot be resumed (give --state a writable path)`)
      return saved
    })
  }
  try {
    if (prior !== undefined && session !== undefined) {
      const why = await disagreement(client, prior, session, signal)
      // Refused before the parts are listed: a resume failing on them would abort the session.
      if (why !== undefined) return fail(USAGE, `${statePath} is not a usable box-upload state file: ${why}`)
    }
    const options: UploadOptions = {
      ...(command.concurrency !== undefined ? { concurrency: command.concurrency } : {}),
      signal,
      onProgress: (p) => {
        heldBytes ??= p.bytesUploaded
        allParts = p.partsUploaded === p.totalParts
        progress.onProgress(p)
      },
      onSession: (s) => {
        session = s
        if (keep && prior === undefined && earlier === undefined) writeEarly(s)
      },
      keepSessionOnError: keep,
    }
    const file = createReadStream(info.path, { highWaterMark: 1 << 20 }).once('end', () => { sourceRead = true })
    const source = (Readable.toWeb(file) as unknown as ReadableStream<Uint8Array>).pipeThrough(unchangedWhileRead(info))
    const started = performance.now()
    const result = session === undefined
      ? await upload(client)({ source, folderId: command.folderId, fileName: command.name ?? info.name, fileSize: info.size }, options)()
      : await resume(client)({ session, source }, options)()
    const seconds = (performance.now() - started) / 1000
    progress.finish()

    if (E.isRight(result)) {
      // Committed: from here a Ctrl-C stops only the checks, and there is no session to keep or abort (a third
      // one, exiting at once, still says the file is committed, in the one result --json promises).
      ctrlC.dispose()
      const leavingCommitted = (): void => void failure(command)(INTERRUPTED, `uploaded as file ${result.right.id} (committed), then interrupted three times: exited at once, the file not checked`)
      const settling = interrupts(say, false, earlier === undefined ? 'the clean-up after the commit' : "the check of the earlier upload's state", undefined, leavingCommitted, ctrlC)
      if (prior !== undefined || await written()) await State.removeIfHolding(statePath, session?.id ?? '')
      // An earlier interrupted upload of the file to the same folder and name (which Box compares without
      // case) on this server is done with: resuming it would upload the file there again. One elsewhere is
      // not, nor by an upload to the embedded emulator, whose file never left this process. The same server
      // may be named otherwise (localhost, 127.0.0.1): its sessions' URLs, up to their id, are what it calls
      // itself. And only the same user's: folder 0 is each user's own, so the earlier session must be one this
      // token still reads, or one nobody can resume any more (expired). A Ctrl-C cuts the check short.
      const settleEarlier = async (signal: AbortSignal): Promise<void> => {
        if (earlier === undefined) return
        const samePlace = keep && session !== undefined &&
          earlier.folderId === command.folderId && earlier.name.toLowerCase() === (command.name ?? info.name).toLowerCase() &&
          (canonicalUrl(earlier.uploadUrl) === client.uploadUrl || sameSessionsBase(earlier.session, session))
        const expired = Date.parse(earlier.session.expiresAt) <= Date.now()
        // One try of 5 s at most, cut short by `signal`: the library's own per-attempt timeout.
        const read = samePlace && !expired
          ? await retryRequests(client, { ...defaultRetryPolicy, retries: 0, timeoutMs: 5_000 }, { signal })((bounded) => getSession(client)(earlier.session, bounded))()
          : undefined
        const replaced = samePlace && (read === undefined || E.isRight(read) || (read.left._tag === 'HttpError' && read.left.status === 410))
        // Either note only as the file is: another run may have written its own state there since, which stays.
        if (replaced) {
          if (await State.removeIfHolding(statePath, earlier.session.id)) io.say(`note: removed ${statePath}, the state of the earlier interrupted upload (its session ${expired ? 'had expired' : 'expires on its own'})`)
        } else if (await State.holding(statePath, earlier.session.id)) {
          io.say(`note: ${statePath} still holds the interrupted upload to ${earlier.uploadUrl} (folder ${earlier.folderId}, as ${earlier.name}), ${expired ? 'whose session has expired' : 'to finish there with --resume'}`)
        }
      }
      await settleEarlier(settling.signal).finally(settling.dispose)
      // Each handler goes on with the count of the one before it: a Ctrl-C during the commit's grace counts here too.
      const stopped = settling.count() >= 1 && endpoint.apiUrl !== undefined
      const checking = interrupts(say, false, 'the download check', undefined, leavingCommitted, settling)
      try {
        return stopped
          ? failure(command)(settling.exitCode(), `uploaded as file ${result.right.id} (committed), then stopped: the file was not checked`)
          : await finish(command, endpoint, info, { file: result.right, seconds, resumed: prior !== undefined, sentBytes: info.size - (heldBytes ?? 0) }, checking)
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
      await early
      const saved = await keepState(kept)
      const again = terminated ? ctrlC.count() >= 2 : await ctrlC.second(SECOND_CTRL_C_MS)
      if (!again) return keptSession(command, statePath, endpoint, kept, saved, stopped, error, code)
      const twice = terminated ? `terminated (${by}), then Ctrl-C` : 'interrupted twice'
      const aborted = await abortSession(client)(kept, AbortSignal.timeout(30_000))()
      const lookFor = `look for ${prior?.name ?? command.name ?? info.name} in folder ${prior?.folderId ?? command.folderId}`
      abortedAlready = ended(aborted)
      // A session the server may still hold (it could not be reached) stays where a resume finds it.
      if (E.isLeft(aborted) && !abortedAlready) {
        return keptSession(command, statePath, endpoint, kept, saved, `${twice}, but the upload session could not be aborted: ${Report.explain(aborted.left, endpoint.where)}${committing ? ` Its commit was under way and may have gone through: ${lookFor}.` : ''}`, error, code)
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
      // Every part uploaded, and the commit still answered 202 (Box processing them) past the wait, or
      // refused because a file of that name appeared meanwhile: a resume commits without sending a part again.
      const atCommit = error._tag === 'HttpError' && (error.status === 202 || error.code === 'item_name_in_use')
      if (isRetryable(error) || refused || atCommit) {
        await early
        const saved = await keepState(kept)
        return keptSession(command, statePath, endpoint, kept, saved, `upload failed: ${Report.explainKept(error, endpoint.where)}`, error, FAILED, refused)
      }
      const aborted = await abortSession(client)(kept, AbortSignal.timeout(30_000))()
      const ownState = prior !== undefined || await written()
      // Only this upload's own state goes, and only with its session: a new upload's failure leaves an
      // earlier one's to resume, and a session that could not be aborted stays where a resume finds it.
      if (E.isLeft(aborted) && !ended(aborted)) {
        stateKept = ownState
        unaborted = ` The upload session ${kept.id} could not be aborted either (${Report.explain(aborted.left, endpoint.where)}): ` +
          (ownState ? `${statePath} keeps it, for a --resume once that is mended; else it expires on its own at ${kept.expiresAt}.` : `it expires on its own at ${kept.expiresAt}.`)
      } else if (ownState) await State.removeIfHolding(statePath, kept.id)
    }
    // A session gone (404) when resumed: committed (a commit the interruption cut off may have been applied) or aborted.
    const goneNote = prior !== undefined && !stateKept && error._tag === 'HttpError' && error.status === 404
      ? ` The interrupted upload's session is gone and its state file removed: if ${prior.name} is not in folder ${prior.folderId} (an interrupted commit may have gone through), upload it again without --resume.`
      : ''
    // Typically --upload-url http://localhost:… while the server names itself 127.0.0.1 (or the reverse); never for Box.
    // A resume goes where its session lives (--upload-url as it was): there --api-url names the other host.
    const elsewhere = error._tag === 'UntrustedEndpoint' && endpoint.where !== 'Box'
      ? ` The server answered with URLs on ${error.origin}: if it is the server you meant, ${prior === undefined ? 'give that host in --upload-url' : 'add --api-url with its API URL on that host, which the token then goes to'}.`
      : ''
    return fail(FAILED, `upload failed: ${Report.explain(error, endpoint.where)}${goneNote}${elsewhere}${unaborted}`, error, stateKept ? statePath : undefined)
  } finally {
    ctrlC.dispose()
  }
}

/**
 * Why the session on the server is not the one the state file describes (`State.disagrees`, or a part count that
 * does not fit its file size), from the session's status; `undefined` when it is, and when the status cannot be
 * read (gone, unreachable, stopped): the resume then meets that when it lists the parts, and goes on as it always did.
 */
const disagreement = async (client: Client, state: State.State, session: Session, signal: AbortSignal): Promise<string | undefined> => {
  const status = await retryRequests(client, defaultRetryPolicy, { signal })((bounded) => getSession(client)(session, bounded))()
  return E.isRight(status) ? State.disagrees(state, status.right) : status.left._tag === 'InvalidInput' ? status.left.message : undefined
}

/** Writes the state file of a kept `session`; a resumed one keeps the folder and name it started with (`--resume` takes neither). */
const save = (command: UploadCommand, info: FileInfo, statePath: string, endpoint: Endpoint, session: Session, prior: State.State | undefined): Promise<E.Either<State.StateError, void>> =>
  State.write(statePath)({
    version: 1,
    file: { path: info.path, size: info.size, mtimeMs: info.mtimeMs },
    uploadUrl: endpoint.client.uploadUrl,
    ...(endpoint.apiUrl !== undefined ? { apiUrl: endpoint.apiUrl } : {}),
    folderId: prior?.folderId ?? command.folderId,
    name: prior?.name ?? command.name ?? info.name,
    session,
    savedAt: new Date().toISOString(),
  })()

/**
 * The command as the user ran it: under npx (npm sets `npm_command` to `exec`) a bare `box-upload` is on
 * the PATH only of npx's own shell, so the hint says `npx box-upload`.
 */
const invokedAs = (env: NodeJS.ProcessEnv): string => (env['npm_command'] === 'exec' ? 'npx box-upload' : 'box-upload')

/** Says that `session` is kept (or could not be recorded) and how to continue; `refused`: with another token than the one Box refused. */
const keptSession = (
  command: UploadCommand, statePath: string, endpoint: Endpoint, session: Session, saved: E.Either<State.StateError, void>,
  what: string, error: UploadFailure, code: number, refused = false,
): number => {
  if (E.isLeft(saved)) {
    return failure(command, endpoint.where)(code, `${what.replace(/\.$/, '')}; the upload session ${session.id} is kept on the server but ${saved.left.message}, so --resume cannot find it ` +
      `(it expires on its own at ${session.expiresAt}): upload again with --state naming a file in a writable directory`, error, undefined, true)
  }
  // Off Box, where the session lives is said again: --resume sends a token only where it is told to. So
  // is an --api-url on another host, which a resume does not take from the state file.
  const api = endpoint.apiUrl !== undefined && !sameOrigin(endpoint.apiUrl, endpoint.client.uploadUrl) ? ` --api-url ${shellQuote(endpoint.apiUrl)}` : ''
  const where = endpoint.where === 'Box' ? '' : ` --upload-url ${shellQuote(endpoint.client.uploadUrl)}${api}`
  const again = `${invokedAs(process.env)} ${shellQuote(asFileArgument(command.file))} --resume${where}${command.state ? ` --state ${shellQuote(command.state)}` : ''}`
  const ownToken = command.target._tag === 'Remote' && command.target.token !== EMULATOR_TOKEN
  const token = refused ? ' (with a valid --token or BOX_TOKEN of the user who started it)' : ownToken ? ' (with the same --token or BOX_TOKEN)' : ''
  return failure(command, endpoint.where)(
    code,
    `${what.replace(/\.$/, '')}. The upload session ${session.id} is kept on ${endpoint.client.uploadUrl} until ${session.expiresAt} (state in ${statePath}).\n` +
      `Continue with: ${again}${token}`,
    error,
    statePath,
  )
}

/** After the commit: the download check (when the target allows it), then the result. */
const finish = async (
  command: UploadCommand, endpoint: Endpoint, info: FileInfo,
  done: { readonly file: BoxFile; readonly seconds: number; readonly resumed: boolean; readonly sentBytes: number }, ctrlC: Interrupts,
): Promise<number> => {
  const base = { ...done, where: endpoint.where, uploadUrl: endpoint.client.uploadUrl }
  if (endpoint.apiUrl === undefined) return print(command, base)
  // A Ctrl-C stops both: the file's read as well, or the check would go on to its end.
  const [local, downloaded] = await Promise.all([sha1OfFile(info.path, ctrlC.signal)(), sha1OfDownload(endpoint.client, endpoint.apiUrl)(done.file.id, ctrlC.signal)()])
  // The upload itself is done: only the check was stopped, and there is no session left to keep.
  if (ctrlC.count() >= 1) return failure(command)(ctrlC.exitCode(), `uploaded as file ${done.file.id} (committed), then stopped: the download check did not end, so the file was not checked`)
  if (E.isLeft(downloaded)) return failure(command, endpoint.where)(FAILED, `uploaded as file ${done.file.id}, but downloading it back to check it failed: ${Report.explain(downloaded.left, endpoint.where)}`, downloaded.left)
  if (E.isLeft(local)) return failure(command)(FAILED, `uploaded as file ${done.file.id} (committed), but reading ${info.path} again to check it failed (${local.left}): the file was not checked`)
  const check = { local: local.right, downloaded: downloaded.right, confirmed: Report.confirmedSha1(done.file) }
  if (!agrees(check)) {
    return failure(command)(FAILED, `uploaded as file ${done.file.id}, but the check failed: downloaded SHA-1 ${check.downloaded}, local file ${check.local}, Box confirmed ${check.confirmed ?? 'none'}`)
  }
  return print(command, { ...base, check })
}

const print = (command: UploadCommand, done: Report.Done): number => {
  io.result(command.json ? Report.json(done) : Report.text(done))
  return OK
}

// ---------------------------------------------------------------------------------------------
// helpers

/** Says why on stderr (one line, prefixed), plus the JSON object with `--json`; returns the exit code; `where` the request went, if one did. */
const failure = (command: { readonly json: boolean }, where?: Where) =>
  (code: number, reason: string, error?: UploadFailure, state?: string, kept = state !== undefined): number => {
    io.say(`box-upload: ${reason}`)
    if (command.json) io.result(Report.jsonFailure(code, reason, error, state, kept, where))
    return code
  }

/**
 * The state to resume from, refused saying what to do instead: when there is none at `path`, when it
 * is another file's (a wrong `--state`), or when the file changed since.
 */
const resumable = async (command: UploadCommand, path: string, info: FileInfo): Promise<E.Either<State.StateError | UsageError, State.State>> => {
  const own = State.pathFor(info.path)
  // Whether the file's own state file, when --state names another, holds a state to resume from: read
  // only for the refusals that point to it, not on the way to a resume.
  const ownElsewhere = async (): Promise<boolean> => own !== resolve(path) && E.isRight(await State.read(own)())
  if (!(await exists(path))) {
    return E.left(usageError(
      command.state === undefined
        ? `nothing to resume: no state file ${path} (an upload to Box or a server keeps one there while its session is open, and after an interruption): give the --state the interrupted run was given, if any, or upload without --resume`
        : `nothing to resume: no state file ${path}: check the --state path${await ownElsewhere() ? `, or leave it out to resume from ${own}, this file's own state file` : ', or upload without --resume'}`,
    ))
  }
  const state = await State.read(path)()
  if (E.isLeft(state)) return state
  const started = state.right.file.path
  if (!State.samePath(started, info.path)) {
    const where = canonicalUrl(state.right.uploadUrl) === BOX_UPLOAD_URL ? '' : ` --upload-url ${shellQuote(canonicalUrl(state.right.uploadUrl))}`
    // The command goes last, on a line of its own: no sentence's period to copy with it.
    const that = await exists(started)
      ? `\nTo continue that one (with a valid token of the user who started it, if it had one): box-upload ${shellQuote(asFileArgument(started))} --resume${State.pathFor(started) === resolve(path) ? '' : ` --state ${shellQuote(path)}`}${where}`
      : ` ${started} is not there any more (moved or renamed?): put it back to continue that one.`
    const mine = await ownElsewhere() ? `leave out --state to resume from ${own}, this file's own state file` : 'upload it without --resume'
    return E.left(usageError(`refusing to resume ${info.path} with ${path}: it holds the interrupted upload of ${started}. For ${info.path}, ${mine}.${that}`))
  }
  const why = State.changed(state.right, info)
  return why === undefined ? state : E.left(usageError(`refusing to resume: ${why}. Start a new upload without --resume (the old session expires on its own).`))
}

/**
 * The file's bytes, failing at their end (before the commit) when the file was modified while it was read:
 * rewritten in place at the same size, only its mtime tells, and Box would commit a mix of both versions.
 */
const unchangedWhileRead = (info: FileInfo): TransformStream<Uint8Array, Uint8Array> =>
  new TransformStream({
    flush: async () => {
      const now = await stat(info.path).then(stampOf, () => undefined)
      if (now !== undefined && (now.mtimeMs !== info.mtimeMs || now.size !== info.size)) {
        throw new Error('the file changed while it was read: modified since the upload started')
      }
    },
  })

/** Whether something is at `path` (what cannot be checked counts as there: reading it says why). */
const exists = (path: string): Promise<boolean> =>
  stat(path).then(() => true, (cause: { readonly code?: string }) => cause.code !== 'ENOENT' && cause.code !== 'ENOTDIR')

/**
 * Where a resumed upload goes: where its session lives. A token given now only goes where it is
 * pointed now (Box by default, or --upload-url), never to a host a state file names, which anyone
 * who can write that file could choose: a session elsewhere is refused, saying how to resume it.
 * Without a token, the emulator's public token goes to the session's emulator.
 */
const resumeTarget = (state: State.State, given: Target): E.Either<UsageError, Target> => {
  const apiUrl = state.apiUrl !== undefined && sameOrigin(state.apiUrl, state.uploadUrl) ? { apiUrl: state.apiUrl } : {}
  // A state file written before URLs were made canonical may spell its URL otherwise.
  const stateUrl = canonicalUrl(state.uploadUrl)
  if (given._tag === 'Remote') {
    return given.uploadUrl === stateUrl
      ? E.right({ ...apiUrl, ...given })
      : E.left(usageError(
        `the interrupted upload's session is on ${stateUrl}, not ${given.uploadUrl}, where the token goes; ` +
          `to resume it there, add --upload-url ${stateUrl}`,
      ))
  }
  // An --api-url given now is the user's own choice, and only the emulator's public token goes there.
  return stateUrl === BOX_UPLOAD_URL
    ? E.left(usageError('resuming an upload to Box needs its token: pass --token or set BOX_TOKEN'))
    : E.right({ _tag: 'Remote', uploadUrl: stateUrl, ...(given.apiUrl !== undefined ? { apiUrl: given.apiUrl } : apiUrl), token: EMULATOR_TOKEN })
}

/** A session's endpoints, as the state file keeps them too. */
type Endpoints = { readonly endpoints: { readonly commit: string } }

/** Whether two sessions live where one server keeps its sessions, as their URLs say (`…/files/upload_sessions/`). */
const sameSessionsBase = (a: Endpoints, b: Endpoints): boolean => {
  const base = sessionsBase(a)
  return base !== undefined && base === sessionsBase(b)
}

const sessionsBase = (session: Endpoints): string | undefined => {
  try {
    return new URL('..', session.endpoints.commit).href
  } catch {
    return undefined
  }
}

/** The request a proxy refused (407) when its refusal is what stopped the upload, which then says only that it was stopped. */
const refusedRequest = (endpoint: Endpoint, error: UploadError): UploadError | undefined =>
  error._tag === 'Aborted' && endpoint.refused?.aborted && error.reason === endpoint.refused.reason && isUploadError(error.reason) ? error.reason : undefined

/** Whether an abort ended the session: deleted, or gone already (committed, aborted or expired: 404, 410), nothing left to keep. */
const ended = (aborted: E.Either<UploadError, void>): boolean =>
  E.isRight(aborted) || (aborted.left._tag === 'HttpError' && (aborted.left.status === 404 || aborted.left.status === 410))

const sameOrigin = (a: string, b: string): boolean => {
  try {
    return new URL(a).origin === new URL(b).origin
  } catch {
    return false
  }
}

/**
 * Why a new upload may not take `--state path`, which an interruption overwrites: it is the file
 * being uploaded, or a file that is no state file (`stored`: what reading it gave; one of another
 * upload is checked by the caller).
 */
const occupied = async (path: string, file: FileInfo, stored: E.Either<State.StateError, State.State>): Promise<string | undefined> => {
  const [found, uploaded] = await Promise.all([stat(path).catch(() => undefined), stat(file.path).catch(() => undefined)])
  // Absent, or empty (a placeholder, as `mktemp` makes): nothing to lose.
  if (found === undefined || (found.isFile() && found.size === 0)) return undefined
  if (uploaded !== undefined && found.dev === uploaded.dev && found.ino === uploaded.ino) {
    return `--state ${path} is the file being uploaded: an interruption would overwrite it with the state; choose another path`
  }
  return E.isLeft(stored)
    ? `--state ${path} exists and is not a box-upload state file, which an interruption would overwrite: choose another path, or delete it (${stored.left.message})`
    : undefined
}

/** A path as a file argument: one that would read as an option (`-x`) or a subcommand (`demo`) is given as `./…`. */
const asFileArgument = (path: string): string => (/^-|^(emulator|demo|help)$/.test(path) ? `./${path}` : path)

/** Quotes a path for a POSIX shell when it needs it. */
const shellQuote = (text: string): string => (/^[\w./:@%+=-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`)
