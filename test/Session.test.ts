import { createHash } from 'node:crypto'
import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { pipe } from 'fp-ts/lib/function.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { type Client, client } from '../src/Client.ts'
import { request } from '../src/Http.ts'
import type { Part } from '../src/Part.ts'
import {
  type Session, abortSession, createSession, createVersionSession, fromJSON, getSession, listParts, revive,
} from '../src/Session.ts'
import { type UploadError, message } from '../src/UploadError.ts'
import type { EmulatorOptions, RequestRecord } from '../src/emulator/Options.ts'
import { randomFile, uniqueName, uploadFile } from './helpers/box.ts'
import { type RunningEmulator, startEmulator } from './helpers/emulator.ts'
import { fixedServer } from './helpers/fixedServer.ts'

const TOKEN = 'dev-token'
const OTHER = 'other-token'

/** Starts an emulator (recording requests), runs `f` with a client for it, always closes it. */
const withBox = async (options: EmulatorOptions, f: (box: Client, em: RunningEmulator, log: RequestRecord[]) => Promise<void>): Promise<void> => {
  const log: RequestRecord[] = []
  const em = await startEmulator({ tokens: [TOKEN, OTHER], minFileSize: 1, partSize: 1024, onRequest: (r) => log.push(r), ...options })
  try {
    await f(client({ token: TOKEN, uploadUrl: em.url, apiUrl: em.apiUrl }), em, log)
  } finally {
    await em.close()
  }
}

const right = async <A>(task: TE.TaskEither<UploadError, A>): Promise<A> => {
  const result = await task()
  if (E.isLeft(result)) throw new Error(`expected Right, got ${message(result.left)}`)
  return result.right
}

const left = async <A>(task: TE.TaskEither<UploadError, A>): Promise<UploadError> => {
  const result = await task()
  if (E.isRight(result)) throw new Error('expected Left, got Right')
  return result.left
}

/** Uploads the parts `indices` of `file` (raw PUTs through Http.request), `concurrency` at a time. */
const putParts = async (box: Client, session: Session, file: Uint8Array<ArrayBuffer>, indices: ReadonlyArray<number>, concurrency = 8): Promise<void> => {
  const queue = [...indices]
  const worker = async (): Promise<void> => {
    for (let index = queue.shift(); index !== undefined; index = queue.shift()) {
      const offset = index * session.partSize
      const bytes = file.slice(offset, Math.min(offset + session.partSize, file.length))
      await right(request(box)({ method: 'PUT', url: session.endpoints.uploadPart, body: bytes, headers: {
        'Content-Type': 'application/octet-stream',
        'Digest': `sha=${createHash('sha1').update(bytes).digest('base64')}`,
        'Content-Range': `bytes ${offset}-${offset + bytes.length - 1}/${file.length}`,
      } }))
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
}

const Create = suite('createSession')

Create('should create a session with the decoded fields and a chunker', () => withBox({}, async (box, em) => {
  const session = await right(createSession(box)({ folderId: '0', fileName: uniqueName(), fileSize: 2500 }))
  assert.is(session.fileSize, 2500)
  assert.is(session.partSize, 1024)
  assert.is(session.totalParts, 3)
  assert.is(session.numPartsProcessed, 0)
  assert.ok(!Number.isNaN(Date.parse(session.expiresAt)))
  assert.is(session.endpoints.uploadPart, `${em.url}/files/upload_sessions/${session.id}`)
  assert.is(session.endpoints.listParts, `${em.url}/files/upload_sessions/${session.id}/parts`)
  assert.is(session.endpoints.commit, `${em.url}/files/upload_sessions/${session.id}/commit`)
  const parts: Part[] = []
  const chunker = session.chunker()
  await new Response(randomFile(2500)).body!.pipeThrough(chunker).pipeTo(new WritableStream({ write: (part) => { parts.push(part) } }))
  assert.equal(parts.map((p) => p.contentRange), ['bytes 0-1023/2500', 'bytes 1024-2047/2500', 'bytes 2048-2499/2500'])
  assert.is(typeof (await chunker.digest), 'string')
}))

Create('should map Box errors to HttpError with status and code', () => withBox({ minFileSize: 100 }, async (box, em) => {
  const existing = uniqueName('taken')
  const file = await uploadFile(em, randomFile(200), existing)
  const cases: ReadonlyArray<readonly [string, Client, { folderId: string; fileName: string; fileSize: number }, number, string]> = [
    ['a bad token', client({ token: 'wrong-token', uploadUrl: em.url }), { folderId: '0', fileName: uniqueName(), fileSize: 200 }, 401, 'unauthorized'],
    ['a missing folder', box, { folderId: '999', fileName: uniqueName(), fileSize: 200 }, 404, 'invalid_parameter'],
    ['a file too small', box, { folderId: '0', fileName: uniqueName(), fileSize: 10 }, 400, 'file_size_too_small'],
    ['a name in use', box, { folderId: '0', fileName: existing, fileSize: 200 }, 409, 'item_name_in_use'],
  ]
  for (const [what, who, input, status, code] of cases) {
    const error = await left(createSession(who)(input))
    assert.ok(error._tag === 'HttpError', what)
    if (error._tag !== 'HttpError') continue
    assert.equal([error.status, error.code, error.method, error.url], [status, code, 'POST', `${em.url}/files/upload_sessions`], what)
    assert.type(error.requestId, 'string', what)
    assert.ok(message(error).includes(code), what)
    if (code === 'item_name_in_use') {
      assert.is((error.contextInfo as { conflicts: { id: string } }).conflicts.id, file.id)
      assert.ok(message(error).includes(`file ${String(file.id)}`))
    }
  }
}))

Create('should refuse a bad file size or empty names without sending anything', () => withBox({}, async (box, _em, log) => {
  for (const fileSize of [0, -1, 1.5, Number.NaN, 2 ** 60]) {
    assert.is((await left(createSession(box)({ folderId: '0', fileName: 'a', fileSize })))._tag, 'InvalidInput', String(fileSize))
  }
  assert.is((await left(createSession(box)({ folderId: '', fileName: 'a', fileSize: 5 })))._tag, 'InvalidInput')
  assert.is((await left(createVersionSession(box)({ fileId: '1', fileName: '', fileSize: 5 })))._tag, 'InvalidInput')
  assert.is(log.length, 0)
}))

const Version = suite('createVersionSession')

Version('should create a session for a new version, and 404 for an unknown file', () => withBox({}, async (box, em) => {
  const file = await uploadFile(em, randomFile(100), uniqueName())
  const session = await right(createVersionSession(box)({ fileId: String(file.id), fileSize: 3000, fileName: uniqueName('renamed') }))
  assert.equal([session.fileSize, session.totalParts], [3000, 3])
  const error = await left(createVersionSession(box)({ fileId: '123456789', fileSize: 3000 }))
  assert.equal(error._tag === 'HttpError' && [error.status, error.code], [404, 'not_found'])
}))

const Get = suite('getSession / abortSession / listParts')

Get('should read a session by session and by stored id, list its parts, and abort it', () => withBox({}, async (box) => {
  const session = await right(createSession(box)({ folderId: '0', fileName: uniqueName(), fileSize: 2500 }))
  assert.equal(await right(listParts(box)(session)), [])
  const file = randomFile(2500)
  await putParts(box, session, file, [2, 0])
  const parts = await right(listParts(box)(session))
  assert.equal(parts.map((p) => [p.offset, p.size]), [[0, 1024], [2048, 452]])
  assert.is(parts[0]?.sha1, createHash('sha1').update(file.subarray(0, 1024)).digest('hex'))
  const again = await right(getSession(box)(session))
  const byId = await right(getSession(box)({ id: session.id, fileSize: 2500 }))
  assert.equal(byId, again)
  assert.equal({ ...again, numPartsProcessed: 0 }, { ...session })
  const wrongSize = await left(getSession(box)({ id: session.id, fileSize: 999_999 }))
  assert.ok(wrongSize._tag === 'InvalidInput' && wrongSize.message.includes('999999 bytes'), message(wrongSize))
  assert.equal(await right(abortSession(box)(session)), undefined)
  const gone = await left(getSession(box)(session))
  assert.equal(gone._tag === 'HttpError' && [gone.status, gone.code, gone.method], [404, 'not_found', 'GET'])
}))

Get('should answer 403 forbidden to another user of the session', () => withBox({}, async (box, em) => {
  const session = await right(createSession(box)({ folderId: '0', fileName: uniqueName(), fileSize: 100 }))
  const other = client({ token: OTHER, uploadUrl: em.url })
  for (const error of [await left(getSession(other)(session)), await left(listParts(other)(session)), await left(abortSession(other)(session))]) {
    assert.equal(error._tag === 'HttpError' && [error.status, error.code], [403, 'forbidden'])
  }
}))

Get('should map an expired session to 410 session_expired and a malformed id to 400 invalid_upload_session_id', async () => {
  let now = Date.now()
  await withBox({ sessionTtlMs: 1000, clock: () => now }, async (box) => {
    const session = await right(createSession(box)({ folderId: '0', fileName: uniqueName(), fileSize: 100 }))
    now += 2000
    const expired = await left(listParts(box)(session))
    assert.equal(expired._tag === 'HttpError' && [expired.status, expired.code], [410, 'session_expired'])
    assert.ok(message(expired).includes('start a new upload'))
    const malformed = await left(getSession(box)({ id: 'not-a-session', fileSize: 100 }))
    assert.equal(malformed._tag === 'HttpError' && [malformed.status, malformed.code], [400, 'invalid_upload_session_id'])
  })
})

Get('should list all pages of more than 1000 parts, in order', () => withBox({ partSize: 1 }, async (box, _em, log) => {
  const size = 2500
  const session = await right(createSession(box)({ folderId: '0', fileName: uniqueName(), fileSize: size }))
  const file = randomFile(size)
  await putParts(box, session, file, Array.from({ length: size }, (_, i) => i), 16)
  const parts = await right(listParts(box)(session))
  assert.is(parts.length, size)
  assert.ok(parts.every((p, i) => p.offset === i && p.size === 1))
  const pages = log.filter((r) => r.method === 'GET' && r.path.includes('/parts'))
  assert.equal(pages.map((r) => new URL(r.path, 'http://x').searchParams.get('offset')), ['0', '1000', '2000'])
  assert.ok(pages.every((r) => r.path.includes('limit=1000')))
}))

const Trust = suite('untrusted endpoints')

Trust('should refuse session endpoints on another host before any request goes there', async () => {
  const elsewhere: RequestRecord[] = []
  const other = await startEmulator({ minFileSize: 1, onRequest: (r) => elsewhere.push(r) })
  const em = await startEmulator({ minFileSize: 1, uploadBaseUrl: other.url })
  try {
    const box = client({ token: TOKEN, uploadUrl: em.url, apiUrl: em.apiUrl })
    const origin = new URL(other.url).origin
    assert.equal(await left(createSession(box)({ folderId: '0', fileName: uniqueName(), fileSize: 10 })), { _tag: 'UntrustedEndpoint', origin })
    const stored = E.getOrElseW(() => { throw new Error('fromJSON') })(fromJSON({
      id: 'ABC', fileSize: 10, partSize: 8, totalParts: 2, numPartsProcessed: 0, expiresAt: '2030-01-01T00:00:00Z',
      endpoints: Object.fromEntries(['uploadPart', 'commit', 'abort', 'listParts', 'status'].map((k) => [k, `${other.url}/files/upload_sessions/ABC?x=1`])),
    }))
    for (const error of [await left(getSession(box)(stored)), await left(listParts(box)(stored)), await left(abortSession(box)(stored))]) {
      assert.equal(error, { _tag: 'UntrustedEndpoint', origin })
    }
    assert.equal(elsewhere, [])
  } finally {
    await em.close()
    await other.close()
  }
})

const Malformed = suite('malformed answers')

const wire = { id: 'S1', type: 'upload_session', part_size: 1024, total_parts: 3, num_parts_processed: 0, session_expires_at: '2030-01-01T00:00:00Z' }

Malformed('should give a DecodeError naming part_size when it is missing, a string or 0, and total_parts when it disagrees', async () => {
  let body = ''
  const server = await fixedServer(() => ({ status: 201, headers: { 'content-type': 'application/json' }, body }))
  try {
    const box = client({ token: TOKEN, uploadUrl: `${server.origin}/api/2.0` })
    const endpoints = Object.fromEntries(['upload_part', 'commit', 'abort', 'list_parts', 'status'].map((k) => [k, `${server.origin}/api/2.0/files/upload_sessions/S1`]))
    const { part_size: _, ...missing } = wire
    const cases: ReadonlyArray<readonly [object, string]> = [
      [missing, 'part_size'], [{ ...wire, part_size: '1024' }, 'part_size'], [{ ...wire, part_size: 0 }, 'part_size'],
      [{ ...wire, total_parts: 2 }, 'total_parts'], [{ ...wire, session_endpoints: { ...endpoints, commit: null } }, 'session_endpoints.commit'],
    ]
    for (const [value, field] of cases) {
      body = JSON.stringify({ ...value, ...('session_endpoints' in value ? {} : { session_endpoints: endpoints }) })
      const error = await left(createSession(box)({ folderId: '0', fileName: 'f', fileSize: 2500 }))
      assert.is(error._tag, 'DecodeError', body)
      assert.ok(message(error).includes(`${field}:`), message(error))
    }
  } finally {
    await server.close()
  }
})

Malformed('should map an HTML 502 page to HttpError 502', async () => {
  const server = await fixedServer(() => ({ status: 502, headers: { 'content-type': 'text/html' }, body: '<html><h1>502 Bad Gateway</h1></html>' }))
  try {
    const box = client({ token: TOKEN, uploadUrl: `${server.origin}/api/2.0` })
    assert.equal(await left(createSession(box)({ folderId: '0', fileName: 'f', fileSize: 10 })),
      { _tag: 'HttpError', status: 502, method: 'POST', url: `${server.origin}/api/2.0/files/upload_sessions` })
  } finally {
    await server.close()
  }
})

const Stored = suite('fromJSON')

Stored('should survive JSON.stringify and structuredClone, and get its chunker back', () => withBox({}, async (box) => {
  const session = await right(createSession(box)({ folderId: '0', fileName: uniqueName(), fileSize: 2048 }))
  const text = JSON.stringify(session)
  assert.not.ok(text.includes('chunker'))
  const back = fromJSON(JSON.parse(text))
  assert.equal(back, E.right(session))
  assert.equal(structuredClone(session), { ...session })
  assert.ok(E.isRight(back) && typeof back.right.chunker === 'function')
  assert.ok(typeof revive({ ...session }).chunker === 'function')
  const resumed = E.isRight(back) ? await right(getSession(box)(back.right)) : undefined
  assert.is(resumed?.id, session.id)
}))

Stored('should refuse stored data that is not a session, naming the field', () => {
  const error = fromJSON({ id: 'x', fileSize: 10, partSize: 'big' })
  assert.ok(E.isLeft(error) && error.left._tag === 'DecodeError' && message(error.left).includes('partSize'))
  assert.ok(E.isLeft(fromJSON(null)))
})

// Session calls are data-last TaskEithers: they drop into a pipe.
Stored('should compose in a pipe', () => withBox({}, async (box) => {
  const total = await right(pipe(createSession(box)({ folderId: '0', fileName: uniqueName(), fileSize: 5000 }), TE.map((s) => s.totalParts)))
  assert.is(total, 5)
}))

Create.run()
Version.run()
Get.run()
Trust.run()
Malformed.run()
Stored.run()
