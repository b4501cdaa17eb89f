/**
 * The file to upload, checked before any request: it exists, is a regular file, can be read, and is
 * big enough for Box's chunked upload. Each refusal is an `InputError` with a one-line reason. And
 * checked again once it is read: unchanged meanwhile.
 */
import { open, readlink, stat } from 'node:fs/promises'
import { basename, resolve } from 'node:path'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { pipe } from 'fp-ts/lib/function.js'
import { BOX_MIN_FILE_SIZE } from './Command.ts'
import { formatBytes } from './ProgressBar.ts'

// ---------------------------------------------------------------------------------------------
// model

/** A readable regular file, as it was when checked. */
export interface FileInfo {
  /** Absolute path. */
  readonly path: string
  readonly name: string
  readonly size: number
  /** Modification time in ms since the epoch (whole ms, as the state file stores it). */
  readonly mtimeMs: number
}

/** Why a file cannot be uploaded; exit code 2. */
export interface InputError {
  readonly _tag: 'InputError'
  readonly message: string
}

// ---------------------------------------------------------------------------------------------
// constructors

const inputError = (message: string): InputError => ({ _tag: 'InputError', message })

/**
 * The one-line reason for a failed `stat`/`open`, from its errno code; `link`: where `path` points
 * when it is a symbolic link (`ls` lists a dangling one, so 'no such file' alone would send one looking).
 */
export const describe = (path: string, cause: unknown, link?: string): InputError => {
  const code = (cause as { code?: unknown } | null)?.code
  switch (code) {
    case 'ENOENT': return inputError(`no such file: ${path}${link !== undefined ? ` (a symbolic link to ${link}, which does not exist)`
      // Node decodes argv as UTF-8: a byte that is not becomes U+FFFD, and the path opened is another one.
      : path.includes('\ufffd') ? ' (a name shown with \ufffd is not valid UTF-8, which box-upload cannot open by its name: rename the file)' : ''}`)
    case 'ELOOP': return inputError(`cannot read ${path}: its symbolic links point at one another in a loop`)
    case 'ENOTDIR': return inputError(`no such file: ${path} (a part of the path is not a directory)`)
    case 'EACCES':
    case 'EPERM': return inputError(`cannot read ${path}: permission denied`)
    case 'EISDIR': return inputError(`${path} is a directory, not a file`)
    default: return inputError(`cannot read ${path}: ${code ?? String(cause)}`)
  }
}

/** The refusal of a file under the chunked minimum, pointing at the right API for it. */
export const tooSmall = (path: string, size: number, min: number): InputError => {
  const is = `${path} is ${size} byte${size === 1 ? '' : 's'} (${formatBytes(size)}), under the ${min}-byte (${formatBytes(min)}) minimum`
  return inputError(
    min === BOX_MIN_FILE_SIZE
      ? `${is} of Box's chunked upload; upload it with Box's direct upload (POST https://upload.box.com/api/2.0/files/content) instead`
      : `${is} given with --min-file-size`,
  )
}

// ---------------------------------------------------------------------------------------------
// operations

/**
 * What tells a file changed: its size and its mtime in whole ms (floored as the state file keeps it: a
 * comparison of a floored time with an unfloored one would call every file modified).
 */
export const stampOf = (s: { readonly size: number; readonly mtimeMs: number }): Pick<FileInfo, 'size' | 'mtimeMs'> =>
  ({ size: s.size, mtimeMs: Math.floor(s.mtimeMs) })

/** Checks that `path` is a readable regular file of at least `minSize` bytes. */
export const inspect = (minSize: number) => (path: string): TE.TaskEither<InputError, FileInfo> =>
  pipe(
    TE.tryCatch(
      () => stat(path).catch(async (cause: unknown) => { throw describe(path, cause, await readlink(path).catch(() => undefined)) }),
      (error) => error as InputError,
    ),
    TE.flatMap((s) =>
      s.isDirectory() ? TE.left(inputError(`${path} is a directory, not a file`))
        : !s.isFile() ? TE.left(inputError(`${path} is not a regular file (a device, socket or pipe has no size to declare)`))
        : TE.right(s),
    ),
    // Opening proves we may read it; stat alone does not.
    TE.tap(() => TE.tryCatch(() => open(path, 'r').then((handle) => handle.close()), (cause) => describe(path, cause))),
    TE.flatMap((s) =>
      s.size < minSize ? TE.left(tooSmall(path, s.size, minSize))
        : TE.right({ path: resolve(path), name: basename(path), ...stampOf(s) }),
    ),
  )

/** Latest time `contentModifiedAt` sends, in ms: 9999-12-31T23:59:59Z, the last RFC 3339 has (a year of 5 digits is none). */
const lastRfc3339Ms = Date.UTC(9999, 11, 31, 23, 59, 59)

/**
 * The file's mtime as Box's commit takes it in `attributes.content_modified_at` (Box's "Modified" date): RFC 3339
 * in UTC, in whole seconds (`2024-01-02T03:04:05Z`), as Box's own web uploader sends it (box-ui-elements'
 * `getFileLastModifiedAsISONoMSIfPossible`); Box's guide "Types and formats" asks for UTC and writes seconds
 * only, milliseconds "if the timestamp supports" them. From the mtime floored to the ms as the state file keeps
 * it, so a `--resume` sends the same value. `undefined` outside what Box takes: its dates start after the Unix
 * epoch (a file stamped 0, as some builds and archives leave them, or earlier, would have its commit refused, and
 * the upload with it), and RFC 3339 ends at year 9999; Box then shows the upload's time.
 */
export const contentModifiedAt = (info: Pick<FileInfo, 'mtimeMs'>): string | undefined => {
  const ms = Math.floor(info.mtimeMs / 1000) * 1000
  return ms >= 1000 && ms <= lastRfc3339Ms ? new Date(ms).toISOString().replace('.000Z', 'Z') : undefined
}

/**
 * The file's bytes, failing at their end (before the commit) when the file was modified while it was read:
 * rewritten in place at the same size, only its mtime tells, and Box would commit a mix of both versions.
 */
export const unchangedWhileRead = (info: FileInfo): TransformStream<Uint8Array, Uint8Array> =>
  new TransformStream({
    flush: async () => {
      const now = await stat(info.path).then(stampOf, () => undefined)
      if (now !== undefined && (now.mtimeMs !== info.mtimeMs || now.size !== info.size)) {
        throw new Error('the file changed while it was read: modified since the upload started')
      }
    },
  })
