/**
 * The end of an upload once it is committed: the download check (when the target allows it), then
 * the result printed, as text or as the one JSON object of `--json`.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { BoxFile } from '../BoxFile.ts'
import type { UploadCommand } from './Command.ts'
import type { Endpoint } from './Connect.ts'
import { FAILED, OK } from './Exit.ts'
import type { FileInfo } from './Input.ts'
import type { Interrupts } from './Interrupts.ts'
import { failure, io } from './Output.ts'
import * as Report from './Report.ts'
import { agrees, sha1OfDownload, sha1OfFile } from './Verify.ts'

// ---------------------------------------------------------------------------------------------
// operations

/** After the commit: the download check (when the target allows it), then the result. */
export const finish = async (
  command: UploadCommand, endpoint: Endpoint, info: FileInfo,
  done: { readonly file: BoxFile; readonly seconds: number; readonly resumed: boolean; readonly newVersion: boolean; readonly sentBytes: number }, ctrlC: Interrupts,
): Promise<number> => {
  const base = { ...done, where: endpoint.where, uploadUrl: endpoint.client.uploadUrl }
  if (endpoint.apiUrl === undefined) return print(command, base)
  // A Ctrl-C stops both: the file's read as well, or the check would go on to its end.
  const [local, downloaded] = await Promise.all([sha1OfFile(info.path, ctrlC.signal)(), sha1OfDownload(endpoint.client, endpoint.apiUrl)(done.file.id, ctrlC.signal)()])
  // The upload itself is done: only the check was stopped, and there is no session left to keep.
  if (ctrlC.count() >= 1) return failure(command)(ctrlC.exitCode(), `uploaded as file ${done.file.id} (committed), then stopped: the download check did not end, so the file was not checked`)
  if (E.isLeft(downloaded)) return failure(command, endpoint.where)(FAILED, `uploaded as file ${done.file.id}, but downloading it back to check it failed: ${Report.explain(downloaded.left, endpoint.where, Report.askedBy(command))}`, downloaded.left)
  if (E.isLeft(local)) return failure(command)(FAILED, `uploaded as file ${done.file.id} (committed), but reading ${info.path} again to check it failed (${local.left}): the file was not checked`)
  const check = { local: local.right, downloaded: downloaded.right, confirmed: Report.confirmedSha1(done.file) }
  if (!agrees(check)) {
    return failure(command)(FAILED, `uploaded as file ${done.file.id}, but the check failed: downloaded SHA-1 ${check.downloaded}, local file ${check.local}, Box confirmed ${check.confirmed ?? 'none'}`)
  }
  return print(command, { ...base, check })
}

// ---------------------------------------------------------------------------------------------
// helpers

const print = (command: UploadCommand, done: Report.Done): number => {
  io.result(command.json ? Report.json(done) : Report.text(done))
  return OK
}
