/**
 * `box-upload <file>`: checks the file, connects (Box, a running emulator, or one started here),
 * uploads with a progress bar, keeps the session on Ctrl-C for `--resume`, checks the result and
 * prints it. Also `box-upload demo`, the same on a generated sample (what `npm start` runs).
 */
import { createReadStream } from 'node:fs'
import { Readable } from 'node:stream'
import * as E from 'fp-ts/lib/Either.js'
import { type RetryPolicy, defaultRetryPolicy } from '../Retry.ts'
import { type Session, revive } from '../Session.ts'
import type { UploadOptions } from '../Upload.ts'
import { BOX_MIN_FILE_SIZE, type DemoCommand, type UploadCommand } from './Command.ts'
import { type Endpoint, connect } from './Connect.ts'
import { committedPlace, firstLine, overwriteNote, overwritten, placeOf, uploadTo } from './Destination.ts'
import { settleEarlier } from './EarlierUpload.ts'
import { FAILED, INTERRUPTED, USAGE } from './Exit.ts'
import { finish } from './Finish.ts'
import { nameRefused } from './FlagValues.ts'
import { type FileInfo, contentModifiedAt, inspect, unchangedWhileRead } from './Input.ts'
import { interrupts } from './Interrupts.ts'
import { sessionState } from './KeptSession.ts'
import { failure, io, notes } from './Output.ts'
import { formatBytes } from './ProgressBar.ts'
import { type Reporter, outputOf, reporter, silent } from './Reporter.ts'
import { make } from './Sample.ts'
import * as State from './State.ts'
import { disagreement, occupied, resumable, resumeTarget } from './StateChecks.ts'
import { started } from './TokenCommand.ts'
import { unfinished } from './Unfinished.ts'

// ---------------------------------------------------------------------------------------------
// operations

/** Runs `box-upload <file>`; resolves with the exit code. */
export const run = async (command: UploadCommand): Promise<number> => {
  const fail = failure(command)
  const note = notes(command)
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
    note(`note: ${statePath} holds an interrupted upload of this file; this starts a new upload (add --resume to continue that one instead)`)
  }
  const target = prior.right === undefined ? E.right(command.target) : resumeTarget(prior.right, command.target)
  if (E.isLeft(target)) return fail(USAGE, target.left.message)
  // A token command may take a while (a vault, a sign-in): a Ctrl-C or signal meanwhile stops it and the run,
  // which else would exit at Node's default and leave the command running in its own process group. Its runs
  // after a 401 are stopped with the upload (`send`), which else would wait for them.
  const stopping = new AbortController()
  const asking = interrupts(io.say, false, 'the token command')
  asking.signal.addEventListener('abort', () => stopping.abort(), { once: true })
  const ready = await started(target.right, command.timeoutMs, stopping.signal).finally(asking.dispose)
  if (asking.count() >= 1) return fail(asking.exitCode(), 'stopped while the token command ran (stopped with it); nothing was sent')
  if (E.isLeft(ready)) return fail(FAILED, ready.left)
  // --verbose's lines go above the bar: the progress is shown from the first request on.
  const progress = command.quiet === true ? silent : reporter(outputOf(process.stderr))
  const endpoint = await connect(ready.right, command.minFileSize, info.right.size, command.proxies, command.verbose === true ? progress.print : undefined)
  try {
    note(endpoint.where === 'embedded emulator'
      ? `No token given (--token, --token-command or their variables BOX_TOKEN, BOX_TOKEN_COMMAND): uploading to a local Box emulator started in this process at ${endpoint.client.uploadUrl}`
      : `${firstLine(prior.right !== undefined, prior.right?.fileId ?? command.fileId)} to ${endpoint.client.uploadUrl}`)
    return await send(command, info.right, statePath, endpoint, prior.right, stale ? earlier : undefined, stopping, progress)
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
  notes(command)(`Made a sample file of ${formatBytes(command.size)} random bytes (deleted afterwards): ${sample.right.path}`)
  try {
    return await run({
      _tag: 'Upload',
      file: sample.right.path,
      folderId: '0',
      json: command.json,
      ...(command.quiet !== undefined ? { quiet: command.quiet } : {}),
      ...(command.verbose !== undefined ? { verbose: command.verbose } : {}),
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
  earlier: State.State | undefined, stopping: AbortController, progress: Reporter,
): Promise<number> => {
  const fail = failure(command, endpoint.where)
  const { client } = endpoint
  const say = (text: string) => {
    progress.finish()
    io.say(text)
  }
  // Notes are not said with --quiet; what answers a Ctrl-C or signal (`say`) is.
  const note = command.quiet === true ? notes(command) : say
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
  // The state file: written as soon as a new upload's session exists, again when it is kept, removed once it is committed or deleted.
  const state = sessionState(info, statePath, endpoint, place, note)
  // If it does not commit: kept or aborted, and said so; a third Ctrl-C's report, as it exits at once.
  const uncommitted = unfinished({ command, statePath, endpoint, prior, earlier, keep, state, place, session: () => session })
  const ctrlC = interrupts(say, () => (!keep ? false : session === undefined ? 'pending' : true), undefined, () => sourceRead && allParts, uncommitted.leaving)
  ctrlC.signal.addEventListener('abort', () => stopping.abort(), { once: true })
  // The upload also stops at once when a proxy refuses the credentials (407): each retry would be refused too,
  // one more failed login each, and a few in a row may lock the user's account. (AbortSignal.any: Node 20.3,
  // and a proxy needs undici, 20.18.1.)
  const signal = endpoint.refused === undefined ? ctrlC.signal : AbortSignal.any([ctrlC.signal, endpoint.refused])
  // --timeout bounds each try of every request of the upload, and of the resume's look at its session first.
  const retry = retryPolicy(command)
  // Box shows the file's "Modified" date as the local file's, not the upload's. A resume sends the same: it
  // goes on only with the mtime its state file recorded.
  const modifiedAt = contentModifiedAt(info)
  if (modifiedAt === undefined) note(`note: the file's modification time (${Math.abs(info.mtimeMs) <= 8.64e15 ? new Date(info.mtimeMs).toISOString() : `${info.mtimeMs} ms from 1970`}) is not one Box takes (from 1970-01-01T00:00:01Z to 9999-12-31T23:59:59Z): it is not sent, and Box shows the upload's time as the file's modified date`)
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
      note(overwriteNote(command, info)(taken))
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
      await settleEarlier(client, statePath, earlier, committed, note)(settling.signal).finally(settling.dispose)
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
    // Every part stored and the file read to its end: the commit was on its way when the upload stopped.
    return await uncommitted.end(ctrlC, sourceRead && allParts)(result.left)
  } finally {
    ctrlC.dispose()
  }
}

// ---------------------------------------------------------------------------------------------
// helpers

/** The library's retry policy, with `--timeout` as each try's time when given. */
const retryPolicy = (command: UploadCommand): RetryPolicy =>
  command.timeoutMs === undefined ? defaultRetryPolicy : { ...defaultRetryPolicy, timeoutMs: command.timeoutMs }
