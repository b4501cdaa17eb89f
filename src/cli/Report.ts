/**
 * What `box-upload` prints when it is done: a few lines for a person, or one JSON object with
 * `--json`. Pure functions of the outcome, so tests read them without running an upload.
 */
import type { BoxFile } from '../BoxFile.ts'
import { type NetworkError, type UploadError, hasStatus, message } from '../UploadError.ts'
import { nameHolder } from '../NameInUse.ts'
import { defaultRetryPolicy } from '../Retry.ts'
import { stalledPhrase } from '../body/stream.ts'
import type { Where } from './Connect.ts'
import { formatBytes } from './ProgressBar.ts'
import type { Target } from './Target.ts'
import { type TokenCommand, commandLineWording, libraryWording } from './TokenCommand.ts'
import type { Check } from './Verify.ts'

// ---------------------------------------------------------------------------------------------
// model

/** A finished upload. */
export interface Done {
  readonly file: BoxFile
  readonly where: Where
  readonly uploadUrl: string
  /** The download check, when one was made. */
  readonly check?: Check
  readonly resumed: boolean
  /** Whether it is a new version of a file that was there (`--file-id`, `--overwrite`), not a new file. */
  readonly newVersion?: boolean
  readonly seconds: number
  /** Bytes this run sent: the file's, less the parts Box held already when it resumed. */
  readonly sentBytes: number
}

/**
 * What the command line asked that changes the advice: `versionOf`, `--file-id`'s file (a 404 to its new version's
 * session is about that id, not a session); `renames`, that file when `--name` renames it (a name taken in its
 * folder is not one `--overwrite` mends); `tokenFrom`, where the token command was given (a token it printed was
 * refused, not one of `--token`).
 */
export interface Asked {
  readonly versionOf?: string
  readonly renames?: string
  readonly tokenFrom?: TokenCommand['from']
}

// ---------------------------------------------------------------------------------------------
// constructors

/** What `command` asked, for the advice of its failures. */
export const askedBy = (command: { readonly fileId?: string; readonly name?: string; readonly target?: Target }): Asked => ({
  ...(command.fileId !== undefined ? { versionOf: command.fileId } : {}),
  ...(command.fileId !== undefined && command.name !== undefined ? { renames: command.fileId } : {}),
  ...(command.target?._tag === 'Remote' && typeof command.target.token !== 'string' ? { tokenFrom: command.target.token.from } : {}),
})

// ---------------------------------------------------------------------------------------------
// operations

/** The SHA-1 Box confirmed: the file's, else its version's. */
export const confirmedSha1 = (file: BoxFile): string | undefined => file.sha1 ?? file.file_version?.sha1

/** The lines for a person. */
export const text = (done: Done): string => {
  const { file } = done
  // The speed of this run: a resumed upload sent only the parts Box did not hold.
  const rate = done.seconds > 0 && done.sentBytes > 0 ? `, ${formatBytes(Math.round(done.sentBytes / done.seconds))}/s` : ''
  const sent = done.sentBytes === 0 ? ' (nothing sent: every part was on Box already)'
    : done.sentBytes < file.size ? ` (sent ${formatBytes(done.sentBytes)}: the rest was on Box already)` : ''
  const sha1 = confirmedSha1(file)
  return [
    done.where === 'embedded emulator'
      ? 'Uploaded to the LOCAL Box emulator started inside box-upload (no token given, so nothing left this machine; pass --token or --token-command, or set BOX_TOKEN or BOX_TOKEN_COMMAND, to upload to Box).'
      : `Uploaded to ${done.where === 'Box' ? 'Box' : 'the server'} at ${done.uploadUrl}${done.resumed ? ' (resumed)' : ''}.`,
    `  file id:  ${file.id}`,
    `  name:     ${file.name}`,
    `  size:     ${file.size} bytes (${formatBytes(file.size)})`,
    ...(done.newVersion === true ? [`  version:  a new version of the file${file.file_version ? ` (file version ${file.file_version.id})` : ''}`] : []),
    // What Box shows as the file's "Modified" date: the local file's mtime, sent with the commit.
    ...(file.content_modified_at ? [`  modified: ${file.content_modified_at}`] : []),
    `  SHA-1:    ${sha1 === undefined ? '(Box sent none)' : `${sha1} (confirmed by Box)`}`,
    `  check:    ${done.check !== undefined ? `downloaded back: SHA-1 ${done.check.downloaded} matches the local file`
      : done.where === 'embedded emulator' ? 'not downloaded back (the emulator keeps only digests of files this big; it checked the SHA-1 at commit)'
      : `not downloaded back (${done.where === 'Box' ? 'Box' : 'the server'} checked the SHA-1 at commit)`}`,
    `  time:     ${done.seconds.toFixed(1)} s${rate}${sent}`,
  ].join('\n')
}

/** The one JSON object of `--json`. */
export const json = (done: Done): string =>
  JSON.stringify({
    ok: true,
    id: done.file.id,
    name: done.file.name,
    size: done.file.size,
    sha1: confirmedSha1(done.file) ?? null,
    // The version this upload made (a new file's first, or `--file-id`'s and `--overwrite`'s next), for a script
    // that refers to it later (Box's file versions API); null when the server named none.
    fileVersionId: done.file.file_version?.id ?? null,
    folderId: done.file.parent?.id ?? null,
    contentModifiedAt: done.file.content_modified_at ?? null,
    where: done.where,
    uploadUrl: done.uploadUrl,
    verified: done.check === undefined ? null : true,
    resumed: done.resumed,
    newVersion: done.newVersion === true,
    seconds: Math.round(done.seconds * 1000) / 1000,
    sentBytes: done.sentBytes,
  })

/** The JSON object of `--json` when the command failed. */
export const jsonFailure = (
  exitCode: number, reason: string, error?: UploadError, state?: string, kept = state !== undefined, where: Where = 'Box', asked: Asked = {},
): string =>
  JSON.stringify({
    ok: false,
    exitCode,
    message: reason,
    // A kept session is resumed under the name it started with: its advice says so.
    ...(error === undefined ? {} : { error: errorFields(error, (e) => (kept ? explainKept : explain)(e, where, asked)) }),
    ...(state === undefined ? {} : { state }),
  })

/** Box's status, code and request id when the error has them. */
const errorFields = (error: UploadError, explained: (error: UploadError) => string): Readonly<Record<string, unknown>> =>
  error._tag === 'HttpError'
    ? { tag: error._tag, status: error.status, code: error.code ?? null, requestId: error.requestId ?? null, message: explained(error) }
    : { tag: error._tag, message: explained(error) }

/** The library's advice to a program, and what a command-line user does instead. */
const forTheCommandLine: ReadonlyArray<readonly [string, string]> = [
  [', nor in allowedHosts', ''],
  ['If you trust that host, add it to allowedHosts.', 'box-upload sends the token only to Box, or to --upload-url and --api-url.'],
  [' (add its host to allowedHosts if you trust it)', ''],
  ['(pass a token function to the client so it can refresh)', '(give it with --token or BOX_TOKEN)'],
  ['choose another name, or upload a new version of that file.', 'choose another name with --name, or upload a new version of that file with --overwrite.'],
  [', past the commit deadline or maxRetryAfterMs; commit again later (the session is kept only with keepSessionOnError).', ' longer than the command waits.'],
  // The CLI's one token function is --token-command's, asked again after a 401.
  [libraryWording[0], commandLineWording[0]],
  [libraryWording[1], commandLineWording[1]],
]

/**
 * `explain` for a failure whose session is kept for `--resume`, which keeps the name the upload
 * started with: a file of that name that appeared meanwhile must move, not the upload.
 */
export const explainKept = (error: UploadError, where: Where = 'Box', asked: Asked = {}): string =>
  explain(error, where, { ...asked, renames: undefined }).replace('choose another name with --name, or upload a new version of that file with --overwrite.', 'rename, move or delete that file in Box (a resumed upload keeps its name), then resume.') +
  (isPartHeld(error) ? ' The server may still be taking a try of that part that got no answer: resume once it has let go (minutes).' : '')

/**
 * A part refused 409 "being uploaded by another request" until the retries ran out: one of this upload's own
 * tries that got no answer (its body stalled on a link gone dead) is still being taken by the server, which may let
 * it go only at its own idle timeout (Box's is undocumented; the emulator holds no body still arriving, only a part
 * under its `slow` fault). No reason to lose the other parts:
 * the session is kept, and a resume sends the part again. Any 409 but a name taken (`item_name_in_use`, at the
 * commit), the one status a part upload gets for this.
 */
export const isPartHeld = (error: UploadError): boolean => hasStatus(error, 409) && error.code !== 'item_name_in_use'

/**
 * The library's advice on a 401, and what it means off Box (`where`): a server such as `box-upload
 * emulator` has no tokens that expire, only the ones it was started with, and without --token or
 * BOX_TOKEN the CLI sent the emulator's default one. The token itself is never named.
 */
const expired = 'The access token is invalid or expired: get a new token (pass a token function to the client so it can refresh).'
const refusedByServer = 'The server did not accept the token: give one it accepts with --token or BOX_TOKEN (without them the emulator\'s default token is sent, which an emulator started with other tokens refuses: the tokens option of serve, or BOX_TOKENS in a checkout).'

/**
 * `message(error)` in the CLI's terms: no advice about client options a command-line user does not have; `where` the
 * request went, `asked` what the command line asked that changes the advice.
 */
export const explain = (error: UploadError, where: Where = 'Box', asked: Asked = {}): string =>
  // The CLI declares the size the file had when it started: a different count means the file changed.
  error._tag === 'SizeMismatch'
    // Bytes read, not the size now: a file cut short behind the reader ends where the reader was.
    ? `the file changed while it was read: ${error.expected} bytes when the upload started, ${error.reason === 'too_long' ? 'more than that read' : `its end reached after ${error.actual}`}. Upload it again once nothing writes to it.`
    : forTheCommandLine.reduce((text, [library, cli]) => text.replace(library, cli), askedWording(asked, where, error)(message(error))) + slowLinkAdvice(error) + timeoutAdvice(error)

/**
 * The library's advice where what was asked changes it, before `forTheCommandLine`: a name `--file-id` renames
 * to is taken (`--overwrite` would make a version of the file holding it, and is not given with `--file-id`), its
 * id is not found (no session is involved yet: the library's 404 advice speaks of sessions too),
 * and a token the token command printed is refused: after a 401 the library ran it again, and the server
 * refused that one too (a fixed --token is not the cure).
 */
const askedWording = (asked: Asked, where: Where, error: UploadError) => (text: string): string => {
  const found = !noFile(asked, error) ? text
    : text.replace(notFound, `There is no file ${asked.versionOf} there, or not one this token's user can see: check --file-id (a file's id, not a folder's).`)
  const renamed = asked.renames === undefined ? found
    : found.replace(' with that name: choose another name, or upload a new version of that file.',
      ` with that name, so Box does not rename file ${asked.renames} to it: give another --name, leave --name out (the file keeps its own), or rename, move or delete that other file in Box first.`)
  const tokenRefused = asked.tokenFrom === undefined ? undefined
    : `The server did not accept the token the token command (${asked.tokenFrom}) printed, nor the one it printed when run again after that 401: make it print ${where === 'Box'
      ? 'a valid access token alone (for a JSON answer `jq -r`: plain `jq` keeps the quotes).'
      : 'one the server accepts (a `box-upload emulator` takes dev-token, `serve` its tokens option).'}`
  // A folder can hold the name too: the library's message calls it a file, and no version of it can be made.
  const folder = folderHoldingName(error)
  const named = folder === undefined ? renamed
    : renamed.replace(`file ${folder} with that name: choose another name, or upload a new version of that file.`,
      `a folder (folder ${folder}) with that name: choose another name with --name (a folder has no versions: --overwrite cannot replace it).`)
  return tokenRefused !== undefined ? named.replace(expired, tokenRefused)
    : where === 'Box' ? named : named.replace(expired, refusedByServer)
}

/** The id of the folder holding the name after Box's `409 item_name_in_use`, when a folder holds it, else `undefined`. */
const folderHoldingName = (error: UploadError): string | undefined => {
  const holder = nameHolder(error)
  return holder?.type === 'folder' ? holder.id : undefined
}

/** The library's advice on a 404, for a folder, file or session alike. */
const notFound = 'The folder, file or upload session does not exist or this user cannot see it: check the id (an aborted or committed session is gone).'

/** Whether `error` is the 404 to the creation of `--file-id`'s new version session: no such file, or not this user's. */
const noFile = (asked: Asked, error: UploadError): boolean =>
  asked.versionOf !== undefined && hasStatus(error, 404) && error.method === 'POST' && error.url.endsWith(`/files/${asked.versionOf}/upload_sessions`)

/**
 * After a part body stalled (src/body/stream.ts: its connection took under 1 MiB in 2 minutes), the one thing
 * a command-line user can change: the parts in flight share the link, so one at a time gets all of it (a link
 * of 20 KB/s is a dead one for 4 parts at once, and a slow but live one for a single part).
 */
const slowLinkAdvice = (error: UploadError): string =>
  error._tag === 'NetworkError' && causeMessage(error).includes(stalledPhrase)
    ? ' On a slow link, send one part at a time: --concurrency 1.'
    : ''

/**
 * How the library's attempt timeout words its error (src/Retry.ts's withTimeout: "no answer within 600000 ms"),
 * the cause of the NetworkError a timed-out try ends with. Not a constant exported from there: using one in
 * Retry.ts made the browser bundle bigger (1 to 9 bytes gzipped, as tried). test/cli/Report.test.ts takes its
 * errors from the library's own timeouts, so a change of wording there fails it.
 */
const timedOut = 'no answer within '

/**
 * After tries that timed out (every try of a request, `--timeout` each, 10 minutes by default), the thing a
 * command-line user can change: a server or a link that is slow, not dead, gets there with more time.
 */
const timeoutAdvice = (error: UploadError): string =>
  error._tag === 'NetworkError' && causeMessage(error).startsWith(timedOut)
    ? ` If the server or the link is only slow, not dead, give each try more time: a longer --timeout (in seconds; default ${(defaultRetryPolicy.timeoutMs ?? 0) / 1000}).`
    : ''

/** The message of a network error's cause (an Error, or the plain object Http makes of one). */
const causeMessage = (error: NetworkError): string => String((error.cause as { message?: unknown } | null)?.message)
