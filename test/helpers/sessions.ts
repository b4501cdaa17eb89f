/**
 * Portable helpers for session tests (web globals only, so the tests run in every runtime): random
 * bytes, unique names, raw part uploads and a raw commit through the library's `Http.request`.
 */
import * as E from 'fp-ts/lib/Either.js'
import type * as TE from 'fp-ts/lib/TaskEither.js'
import { type BoxFile, Files } from '../../src/BoxFile.ts'
import type { Client } from '../../src/Client.ts'
import { json, request } from '../../src/Http.ts'
import type { Session } from '../../src/Session.ts'
import { type UploadError, message } from '../../src/UploadError.ts'
import { UploadedPart, type UploadPart } from '../../src/UploadPart.ts'

/** The Right of a TaskEither, or a thrown Error with the UploadError's message. */
export const right = async <A>(task: TE.TaskEither<UploadError, A>): Promise<A> => {
  const result = await task()
  if (E.isLeft(result)) throw new Error(`expected Right, got ${message(result.left)}`)
  return result.right
}

/** The Left of a TaskEither, or a thrown Error. */
export const left = async <A>(task: TE.TaskEither<UploadError, A>): Promise<UploadError> => {
  const result = await task()
  if (E.isRight(result)) throw new Error('expected Left, got Right')
  return result.left
}

/** `size` random bytes. */
export const randomBytes = (size: number): Uint8Array<ArrayBuffer> => {
  const bytes = new Uint8Array(size)
  for (let at = 0; at < size; at += 65536) crypto.getRandomValues(bytes.subarray(at, Math.min(at + 65536, size)))
  return bytes
}

let names = 0
/** A file name no other test uses. */
export const uniqueName = (prefix = 'file'): string => `${prefix}-${Date.now().toString(36)}-${++names}.bin`

/** SHA-1 of `bytes`, base64 (the `Digest: sha=` form). */
export const sha1Base64 = async (bytes: Uint8Array<ArrayBuffer>): Promise<string> =>
  btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.digest('SHA-1', bytes))))

/** SHA-1 of `bytes`, hex (the form Box echoes). */
export const sha1Hex = async (bytes: Uint8Array<ArrayBuffer>): Promise<string> =>
  [...new Uint8Array(await crypto.subtle.digest('SHA-1', bytes))].map((b) => b.toString(16).padStart(2, '0')).join('')

/** Uploads the parts `indices` of `file` with raw PUTs, `concurrency` at a time; returns Box's parts. */
export const putParts = async (box: Client, session: Session, file: Uint8Array<ArrayBuffer>, indices: ReadonlyArray<number>, concurrency = 8): Promise<UploadPart[]> => {
  const queue = [...indices]
  const stored: UploadPart[] = []
  const worker = async (): Promise<void> => {
    for (let index = queue.shift(); index !== undefined; index = queue.shift()) {
      const offset = index * session.partSize
      const bytes = file.slice(offset, Math.min(offset + session.partSize, file.length))
      const response = await right(request(box)({ method: 'PUT', url: session.endpoints.uploadPart, body: bytes, headers: {
        'Content-Type': 'application/octet-stream',
        'Digest': `sha=${await sha1Base64(bytes)}`,
        'Content-Range': `bytes ${offset}-${offset + bytes.length - 1}/${file.length}`,
      } }))
      stored.push((await right(json(UploadedPart, 'uploaded part')(response))).part)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return stored.sort((a, b) => a.offset - b.offset)
}

/** Uploads all of `file` to `session` and commits it; returns the file Box made. */
export const commitFile = async (box: Client, session: Session, file: Uint8Array<ArrayBuffer>): Promise<BoxFile> => {
  const parts = await putParts(box, session, file, Array.from({ length: session.totalParts }, (_, i) => i))
  const response = await right(request(box)({ method: 'POST', url: session.endpoints.commit, json: { parts }, headers: { Digest: `sha=${await sha1Base64(file)}` } }))
  const files = await right(json(Files, 'files')(response))
  const [made] = files.entries
  if (made === undefined) throw new Error('commit returned no file')
  return made
}
