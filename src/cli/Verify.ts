/**
 * The end-to-end check after an upload to an emulator: download the committed file back and
 * compare its SHA-1 with the local file's and with the one Box confirmed.
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { pipe } from 'fp-ts/lib/function.js'
import type { Client } from '../Client.ts'
import { request } from '../Http.ts'
import { type UploadError, networkError } from '../UploadError.ts'

// ---------------------------------------------------------------------------------------------
// model

/** The three SHA-1s (hex) that must agree. */
export interface Check {
  readonly local: string
  readonly downloaded: string
  readonly confirmed: string | undefined
}

/** The downloaded file differs from the local one or from what Box confirmed. */
export interface VerifyFailed {
  readonly _tag: 'VerifyFailed'
  readonly check: Check
}

// ---------------------------------------------------------------------------------------------
// operations

/**
 * SHA-1 (hex) of a local file. `signal` stops the read as soon as the read under way returns (a 512 MiB file
 * takes seconds; one on a hung mount never returns, and holds it).
 */
export const sha1OfFile = (path: string, signal?: AbortSignal): TE.TaskEither<string, string> =>
  TE.tryCatch(
    async () => {
      const hash = createHash('sha1')
      for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20, ...(signal ? { signal } : {}) })) hash.update(chunk as Uint8Array)
      return hash.digest('hex')
    },
    // The local file, not the network: why it could not be read (ENOENT when deleted meanwhile, say).
    (cause) => (cause as { code?: string }).code ?? String(cause),
  )

/** SHA-1 (hex) of the content of file `id`, from `GET {apiUrl}/files/{id}/content`. */
export const sha1OfDownload = (client: Client, apiUrl: string) => (id: string, signal?: AbortSignal): TE.TaskEither<UploadError, string> => {
  const url = `${apiUrl}/files/${encodeURIComponent(id)}/content`
  return pipe(
    request(client)({ method: 'GET', url, ...(signal ? { signal } : {}) }),
    TE.flatMap((response) => TE.tryCatch(
      async () => {
        const hash = createHash('sha1')
        if (response.body) for await (const chunk of response.body) hash.update(chunk)
        return hash.digest('hex')
      },
      (cause) => networkError('GET', url, cause),
    )),
  )
}

/** Whether all SHA-1s agree. */
export const agrees = (check: Check): boolean =>
  check.local === check.downloaded && (check.confirmed === undefined || check.confirmed.toLowerCase() === check.local)
