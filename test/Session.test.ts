import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { pipe } from 'fp-ts/lib/function.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { type Client, client } from '../src/Client.ts'
import type { Part } from '../src/Part.ts'
import { Session, abortSession, createSession, createVersionSession, fromJSON, getSession, listParts, revive } from '../src/Session.ts'
import type { StoredSession } from '../src/index.ts'
import { commit } from '../src/Commit.ts'
import { uploadPart } from '../src/PartUpload.ts'
import { decodeError, message } from '../src/UploadError.ts'
import type { EmulatorOptions, RequestRecord } from '../src/emulator/Options.ts'
import { type RunningEmulator, startEmulator } from './helpers/emulator.ts'
import { eventually } from './helpers/upload.ts'
import { commitFile, left, putParts, randomBytes, right, sha1Hex, uniqueName } from './helpers/sessions.ts'

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
  await new Response(randomBytes(2500)).body!.pipeThrough(chunker).pipeTo(new WritableStream({ write: (part) => { parts.push(part) } }))
  assert.equal(parts.map((p) => p.contentRange), ['bytes 0-1023/2500', 'bytes 1024-2047/2500', 'bytes 2048-2499/2500'])
  assert.is(typeof (await chunker.digest), 'string')
}))

Create('should map Box errors to HttpError with status and code', () => withBox({ minFileSize: 100 }, async (box, em) => {
  const existing = uniqueName('taken')
  const file = await commitFile(box, await right(createSession(box)({ folderId: '0', fileName: existing, fileSize: 200 })), randomBytes(200))
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
  const file = await commitFile(box, await right(createSession(box)({ folderId: '0', fileName: uniqueName(), fileSize: 100 })), randomBytes(100))
  const session = await right(createVersionSession(box)({ fileId: String(file.id), fileSize: 3000, fileName: uniqueName('renamed') }))
  assert.equal([session.fileSize, session.totalParts], [3000, 3])
  const error = await left(createVersionSession(box)({ fileId: '123456789', fileSize: 3000 }))
  assert.equal(error._tag === 'HttpError' && [error.status, error.code], [404, 'not_found'])
}))

const Get = suite('getSession / abortSession / listParts')

// The emulator's total_count is total_parts (Box may count expected parts): with parts missing, the
// page after the stored ones is empty, and listing stops there instead of asking for every page allowed.
Get('should stop listing parts at the first empty page', () => withBox({}, async (box, _em, log) => {
  const session = await right(createSession(box)({ folderId: '0', fileName: uniqueName(), fileSize: 10 * 1024 }))
  await putParts(box, session, randomBytes(10 * 1024), [7, 3])
  const before = log.length
  assert.equal((await right(listParts(box)(session))).map((p) => p.offset), [3 * 1024, 7 * 1024])
  const pages = () => log.slice(before).filter((r) => r.method === 'GET' && r.path.includes('/parts'))
  // Outside Node an answer's record may come after the client has it.
  await eventually(() => pages().length >= 2, 1000)
  assert.equal(pages().map((r) => new URLSearchParams(r.path.split('?')[1]).get('offset')), ['0', '2'])
}))

Get('should read a session by session and by stored id, list its parts, and abort it', () => withBox({}, async (box) => {
  const session = await right(createSession(box)({ folderId: '0', fileName: uniqueName(), fileSize: 2500 }))
  assert.equal(await right(listParts(box)(session)), [])
  const file = randomBytes(2500)
  await putParts(box, session, file, [2, 0])
  const parts = await right(listParts(box)(session))
  assert.equal(parts.map((p) => [p.offset, p.size]), [[0, 1024], [2048, 452]])
  assert.is(parts[0]?.sha1, await sha1Hex(file.slice(0, 1024)))
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

// The returned functions take one argument: given straight to `map`, the index is no signal (it made the task reject).
Get('should resolve when given straight to map, the index and array ignored', () => withBox({}, async (box) => {
  const create = () => right(createSession(box)({ folderId: '0', fileName: uniqueName(), fileSize: 2500 }))
  const sessions = [await create(), await create()]
  const read = await Promise.all([sessions[0]!, { id: sessions[1]!.id, fileSize: 2500 }].map(getSession(box)).map((task) => task()))
  assert.equal(read.map(E.map((s) => [s.id, s.totalParts])), sessions.map((s) => E.right([s.id, 3])))
  const listed = await Promise.all(sessions.map(listParts(box)).map((task) => task()))
  assert.equal(listed, [E.right([]), E.right([])])
  const aborted = await Promise.all(sessions.map(abortSession(box)).map((task) => task()))
  assert.equal(aborted, [E.right(undefined), E.right(undefined)])
}))

Get('should end as Aborted, sending nothing, with an aborted signal in the options', () => withBox({}, async (box, _em, log) => {
  const session = await right(createSession(box)({ folderId: '0', fileName: uniqueName(), fileSize: 2500 }))
  const signal = AbortSignal.abort('stop')
  const before = log.length
  const results = [await getSession(box, { signal })(session)(), await listParts(box, { signal })(session)(), await abortSession(box, { signal })(session)()]
  assert.equal(results, [E.left({ _tag: 'Aborted', reason: 'stop' }), E.left({ _tag: 'Aborted', reason: 'stop' }), E.left({ _tag: 'Aborted', reason: 'stop' })])
  assert.equal(log.slice(before), [])
  // Without one, the same calls are sent: the session is still there.
  assert.equal((await right(getSession(box, {})(session))).id, session.id)
  assert.equal(await right(abortSession(box, { signal: undefined })(session)), undefined)
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
  const size = 2100
  const session = await right(createSession(box)({ folderId: '0', fileName: uniqueName(), fileSize: size }))
  const file = randomBytes(size)
  await putParts(box, session, file, Array.from({ length: size }, (_, i) => i), 16)
  const parts = await right(listParts(box)(session))
  assert.is(parts.length, size)
  assert.ok(parts.every((p, i) => p.offset === i && p.size === 1))
  const pages = log.filter((r) => r.method === 'GET' && r.path.includes('/parts'))
  assert.equal(pages.map((r) => new URL(r.path, 'http://x').searchParams.get('offset')), ['0', '1000', '2000'])
  assert.ok(pages.every((r) => r.path.includes('limit=1000')))
}))

/**
 * A client whose list-parts pages are full: 1000 parts of 1 KiB from the offset asked (noted in `asked`), of
 * `total(offset)` in all; past offset 10000, Box's 400.
 */
const fullPages = (em: RunningEmulator, asked: string[], total: (offset: number) => number): Client =>
  client({
    token: TOKEN, uploadUrl: em.url, apiUrl: em.apiUrl,
    fetch: async (input) => {
      const offset = Number(new URL(String(input)).searchParams.get('offset'))
      asked.push(String(offset))
      if (offset > 10_000) return Response.json({ type: 'error', status: 400, code: 'bad_request' }, { status: 400 })
      const entries = Array.from({ length: 1000 }, (_, i) => ({ part_id: `P${offset + i}`, offset: (offset + i) * 1024, size: 1024, sha1: '0'.repeat(40) }))
      return Response.json({ total_count: total(offset), limit: 1000, offset, entries })
    },
  })

// Each page a server answers costs a copy of the parts so far: following a total_count that grows
// with every page (10 M entries for a 10,000-part session in a review's repro) took minutes and GiBs.
Get('should stop listing parts once a page reaches the session\'s total_parts, whatever total_count says', () => withBox({}, async (box, em) => {
  const session = await right(createSession(box)({ folderId: '0', fileName: uniqueName(), fileSize: 2500 }))
  const asked: string[] = []
  const parts = await right(listParts(fullPages(em, asked, (offset) => offset + 2000))(session))
  assert.equal(asked, ['0'])
  assert.is(parts.length, 1000)
}))

// README: listParts reads up to offset 10000, which Box refuses past (400): a session of more parts lists its first 11,000.
Get('should list no page past offset 10000: the first 11,000 parts of a session of more', () => withBox({}, async (box, em) => {
  const session = await right(createSession(box)({ folderId: '0', fileName: uniqueName(), fileSize: 12_000 * 1024 }))
  assert.is(session.totalParts, 12_000)
  const asked: string[] = []
  const parts = await right(listParts(fullPages(em, asked, () => 12_000))(session))
  assert.equal(asked, Array.from({ length: 11 }, (_, i) => String(i * 1000)))
  assert.is(parts.length, 11_000)
}))

/** A client whose list-parts pages have their entries changed by `change` (orders and repeats the emulator never gives). */
const pagesChanged = (em: RunningEmulator, change: (entries: ReadonlyArray<unknown>) => ReadonlyArray<unknown>): Client =>
  client({
    token: TOKEN, uploadUrl: em.url, apiUrl: em.apiUrl,
    fetch: async (input, init) => {
      const response = await fetch(input, init)
      if (!String(input).includes('/parts?')) return response
      const listed = (await response.json()) as { entries: ReadonlyArray<unknown> }
      return Response.json({ ...listed, entries: change(listed.entries) })
    },
  })

// A page boundary moving under concurrent uploads may list a part twice: it is kept once.
Get('should list a part repeated across pages once', () => withBox({}, async (box, em) => {
  const session = await right(createSession(box)({ folderId: '0', fileName: uniqueName(), fileSize: 2500 }))
  await putParts(box, session, randomBytes(2500), [0, 2])
  const repeating = pagesChanged(em, (entries) => [...entries, entries[0]])
  assert.equal((await right(listParts(repeating)(session))).map((p) => p.offset), [0, 2048])
}))

// Box documents no order for a page's entries (the emulator sorts them): the list is in offset order whatever comes.
Get('should list the parts in offset order whatever order a page has them in', () => withBox({}, async (box, em) => {
  const session = await right(createSession(box)({ folderId: '0', fileName: uniqueName(), fileSize: 2500 }))
  await putParts(box, session, randomBytes(2500), [0, 1, 2])
  const reversing = pagesChanged(em, (entries) => [...entries].reverse())
  assert.equal((await right(listParts(reversing)(session))).map((p) => p.offset), [0, 1024, 2048])
}))

const Trust = suite('untrusted endpoints')

Trust('should refuse session endpoints on another host before any request goes there', async () => {
  const elsewhere: RequestRecord[] = []
  const other = await startEmulator({ minFileSize: 1, onRequest: (r) => elsewhere.push(r) })
  const here: RequestRecord[] = []
  const em = await startEmulator({ minFileSize: 1, uploadBaseUrl: other.url, onRequest: (r) => here.push(r) })
  try {
    const box = client({ token: TOKEN, uploadUrl: em.url, apiUrl: em.apiUrl })
    const origin = new URL(other.url).origin
    assert.equal(await left(createSession(box)({ folderId: '0', fileName: uniqueName(), fileSize: 10 })), { _tag: 'UntrustedEndpoint', origin })
    // The session Box created is not left open: it is deleted where the client was told to go.
    const deleted = here.find((r) => r.method === 'DELETE')
    assert.equal(here.map((r) => `${r.method} ${r.status}`), ['POST 201', 'DELETE 204'])
    const status = await fetch(`${em.url}${deleted!.path.replace(/^\/api\/2\.0/, '')}`, { headers: { authorization: `Bearer ${TOKEN}` } })
    await status.arrayBuffer()
    assert.is(status.status, 404)
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

// h108: a user storing sessions (a database column, localStorage) had no exported type for them: the codec's data is
// no Session (it has no chunker), so `const s: Session = Session.decode(data).right` fails to compile.
Stored('should name the stored form: what JSON.stringify writes, the codec decodes, and revive takes', () => withBox({}, async (box) => {
  const session = await right(createSession(box)({ folderId: '0', fileName: uniqueName(), fileSize: 2048 }))
  const kept: StoredSession = session
  const decoded = Session.decode(JSON.parse(JSON.stringify(kept)))
  assert.ok(E.isRight(decoded))
  const data: StoredSession | undefined = E.isRight(decoded) ? decoded.right : undefined
  assert.equal(data && revive(data), session)
}))

// h108: `session.fileSize = 1` compiled, and put the data out of step with the session's chunker. The session and its
// stored form are readonly, endpoints included; each assignment in `changes` (never called) must stay a type error.
Stored('should type a session and its stored form readonly, endpoints included', () => withBox({}, async (box) => {
  const session = await right(createSession(box)({ folderId: '0', fileName: uniqueName(), fileSize: 2048 }))
  const stored: StoredSession = JSON.parse(JSON.stringify(session))
  const changes = (): void => {
    // @ts-expect-error the chunker cuts parts of the session's fileSize and partSize
    session.fileSize = 1
    // @ts-expect-error
    session.partSize = 1
    // @ts-expect-error the endpoints were checked for trust when the session was made
    session.endpoints.uploadPart = 'https://elsewhere.example'
    // @ts-expect-error the stored form too
    stored.totalParts = 1
    // @ts-expect-error
    stored.endpoints.commit = ''
  }
  assert.is(typeof changes, 'function')
  assert.equal(revive(stored), session)
}))

// h105: the manual flow's functions read only a session's data, yet took a Session: a stored session (from a
// database, JSON.parse of it typed StoredSession) needed revive() first to compile. They take its stored form.
Stored('should run the manual flow on a stored session: parts, listing, commit, DELETE', () => withBox({}, async (box) => {
  const bytes = randomBytes(2500)
  const session = await right(createSession(box)({ folderId: '0', fileName: uniqueName(), fileSize: bytes.length }))
  const stored: StoredSession = JSON.parse(JSON.stringify(session))
  const chunker = session.chunker()
  const parts: Part[] = []
  await new Blob([bytes]).stream().pipeThrough(chunker).pipeTo(new WritableStream({ write: (part) => void parts.push(part) }))
  const uploaded = []
  for (const part of parts) uploaded.push(await right(uploadPart(box, stored)(part)))
  assert.equal((await right(listParts(box)(stored))).map((part) => part.offset), [0, 1024, 2048])
  const file = await right(commit(box, stored)({ parts: uploaded, digest: await chunker.digest }))
  assert.is(file.sha1, await sha1Hex(bytes))
  await right(abortSession(box)(stored))
}))

Stored('should refuse stored data that is not a session, naming the field', () => {
  const error = fromJSON({ id: 'x', fileSize: 10, partSize: 'big' })
  assert.ok(E.isLeft(error) && error.left._tag === 'DecodeError' && message(error.left).includes('partSize'))
  // Stored here, not sent by Box: the message must not say it was Box's answer.
  assert.ok(E.isLeft(error) && message(error.left).startsWith('The stored session did not have the expected shape'), E.isLeft(error) ? message(error.left) : '')
  assert.ok(E.isLeft(fromJSON(null)))
})

// h98: a new user with a stored session of the wrong shape was told to report Box's API change.
Stored('should say a stored session of the wrong shape is the caller\'s, not Box\'s, and what to pass; Box\'s answers keep their advice', () => {
  for (const value of [{ id: 'abc' }, null, '{"id":"abc"}']) {
    const error = fromJSON(value)
    assert.ok(E.isLeft(error) && error.left._tag === 'DecodeError', JSON.stringify(value))
    if (E.isLeft(error)) {
      assert.not.match(message(error.left), /if Box sent it|please report/, JSON.stringify(value))
      assert.ok(message(error.left).endsWith('you passed it, not Box: pass JSON.parse(text) of a stored session.'), message(error.left))
    }
  }
  const fromBox = decodeError('upload_session', [])
  assert.ok(message(fromBox).endsWith('if Box sent it, its API changed or a proxy answered; please report this message.'), message(fromBox))
})

Stored('should refuse a stored session whose sizes disagree, before its parts are cut wrong', () => withBox({}, async (box) => {
  const session = JSON.parse(JSON.stringify(await right(createSession(box)({ folderId: '0', fileName: uniqueName(), fileSize: 20_000_000 })))) as Record<string, unknown>
  assert.ok(E.isRight(fromJSON(session)), 'as stored, it is read back')
  for (const changed of [{ partSize: 2 * (session['partSize'] as number) }, { totalParts: (session['totalParts'] as number) + 1 }, { fileSize: 1 }]) {
    const error = fromJSON({ ...session, ...changed })
    assert.ok(E.isLeft(error) && error.left._tag === 'InvalidInput' && message(error.left).includes('disagree'), JSON.stringify(changed))
  }
}))

// Session calls are data-last TaskEithers: they drop into a pipe.
Stored('should compose in a pipe', () => withBox({}, async (box) => {
  const total = await right(pipe(createSession(box)({ folderId: '0', fileName: uniqueName(), fileSize: 5000 }), TE.map((s) => s.totalParts)))
  assert.is(total, 5)
}))


// Box's answer, as a fetch that answers every request with it (h79's review of a byte saving).
const wire = (origin: string, extra: object = {}) => ({
  id: 'S1', type: 'upload_session', part_size: 1024, total_parts: 3, num_parts_processed: 0, session_expires_at: '2030-01-01T00:00:00Z',
  session_endpoints: { ...Object.fromEntries(['upload_part', 'commit', 'abort', 'list_parts', 'status'].map((k) => [k, `${origin}/api/2.0/files/upload_sessions/S1${k === 'commit' ? '/commit' : k === 'list_parts' ? '/parts' : ''}`])), ...extra },
})
const answering = (body: object, calls: Array<string> = []) => client({
  token: TOKEN,
  fetch: async (input, init) => {
    calls.push(`${init?.method} ${String(input)}`)
    return new Response(JSON.stringify(body), { status: 201, headers: { 'content-type': 'application/json' } })
  },
})

// 8379299 ("stoppable ... Behaviour unchanged") also rewrote fromUploadSession's endpoints as a rest spread.
Create('session endpoints keep their key order (what JSON.stringify(session) stores)', async () => {
  const result = await createSession(answering(wire('https://upload.box.com')))({ folderId: '0', fileName: 'f', fileSize: 2500 })()
  assert.ok(E.isRight(result), JSON.stringify(result))
  assert.equal(Object.keys((result as E.Right<{ endpoints: object }>).right.endpoints), ['uploadPart', 'commit', 'abort', 'listParts', 'status'])
})

Create('an extra endpoint Box may add is ignored, not copied into the session (nor checked for trust)', async () => {
  const calls: Array<string> = []
  const result = await createSession(answering(wire('https://upload.box.com', { upload_part_v2: 'https://upload-accel.example.net/x' }), calls))({ folderId: '0', fileName: 'f', fileSize: 2500 })()
  assert.ok(E.isRight(result), `${JSON.stringify(result)} after ${calls.join(', ')}`)
  assert.not.ok('upload_part_v2' in (result as E.Right<{ endpoints: object }>).right.endpoints)
})

// b: reading headers.get does not check it is callable: a plain-object headers mock still throws out of the TaskEither.
Create('a fetch resolving to { ok: false, status: 500, headers: {} } is an error value, not a rejected task', async () => {
  const mock = client({ token: TOKEN, fetch: (async () => ({ ok: false, status: 500, headers: {} })) as never })
  const outcome = await createSession(mock)({ folderId: '0', fileName: 'f', fileSize: 2500 }, )().then((result) => ({ result }), (thrown: unknown) => ({ thrown: String(thrown) }))
  assert.ok('result' in outcome, JSON.stringify(outcome))
})

Create.run()
Version.run()
Get.run()
Trust.run()
Stored.run()
