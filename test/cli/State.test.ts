import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import { changed, decode, describe, disagrees, pathFor, read, remove, write } from '../../src/cli/State.ts'
import type { State } from '../../src/cli/State.ts'

const state: State = {
  version: 1,
  file: { path: '/data/big.bin', size: 30_000_000, mtimeMs: 1_700_000_000_123 },
  uploadUrl: 'http://127.0.0.1:9/api/2.0',
  apiUrl: 'http://127.0.0.1:9/2.0',
  folderId: '0',
  name: 'big.bin',
  session: {
    id: 'S1', fileSize: 30_000_000, partSize: 8_388_608, totalParts: 4, numPartsProcessed: 1, expiresAt: '2026-12-05T12:00:00Z',
    endpoints: { uploadPart: 'u', commit: 'c', abort: 'a', listParts: 'l', status: 's' },
  },
  savedAt: '2026-11-28T12:00:00.000Z',
}

const PathFor = suite('pathFor')

PathFor('should put the state file beside the file, hidden', () => {
  assert.is(pathFor('/data/big.bin'), '/data/.box-upload-state.big.bin.json')
  assert.is(pathFor('big.bin'), '.box-upload-state.big.bin.json')
})

const Changed = suite('changed')

Changed('should accept the same file and name what changed otherwise', () => {
  const same = { path: '/data/big.bin', name: 'big.bin', size: 30_000_000, mtimeMs: 1_700_000_000_123 }
  assert.is(changed(state, same), undefined)
  assert.is(changed(state, { ...same, size: 1 }), '/data/big.bin changed size (30000000 bytes when interrupted, 1 now)')
  assert.is(changed(state, { ...same, mtimeMs: 1 }), '/data/big.bin was modified since the upload was interrupted')
  assert.is(changed(state, { ...same, path: '/other' }), 'the state file is for /data/big.bin, not /other')
})

const Disagrees = suite('disagrees')

Disagrees('should accept the session the server holds and name the part size and count otherwise', () => {
  assert.is(disagrees(state, { partSize: 8_388_608, totalParts: 4 }), undefined)
  // Both edited together, as a hand would keep them in agreement: only the server's session tells.
  assert.is(disagrees(state, { partSize: 4_194_304, totalParts: 8 }), 'its session is cut into 4 parts of 8388608 bytes, the session on the server into 8 of 4194304')
})

const Decode = suite('decode')

Decode('should refuse what is not a state file, naming the field', () => {
  assert.equal(decode('s.json')('{'), E.left({ _tag: 'StateError', message: 's.json is not JSON' }))
  const bad = decode('s.json')(JSON.stringify({ ...state, file: { ...state.file, size: 'big' } }))
  assert.equal(bad, E.left({ _tag: 'StateError', message: 's.json is not a box-upload state file: file.size is not valid ("big")' }))
  const bare = decode('s.json')(JSON.stringify({ version: 1 }))
  assert.ok(E.isLeft(bare) && bare.left.message.length < 100 && bare.left.message.endsWith(' is missing'), JSON.stringify(bare))
})

Decode('should read a new version\'s state (a fileId, no folder) and an older one alike, and refuse one that says neither', () => {
  const { folderId: _, name: __, ...placeless } = state
  const version = { ...placeless, fileId: '42' }
  assert.equal(decode('s.json')(JSON.stringify(version)), E.right(version))
  assert.equal(decode('s.json')(JSON.stringify(state)), E.right(state))
  assert.equal(decode('s.json')(JSON.stringify(placeless)), E.left({ _tag: 'StateError', message: 's.json is not a box-upload state file: it names neither a folderId and name nor a fileId' }))
  assert.equal(decode('s.json')(JSON.stringify({ ...placeless, folderId: '0' })), E.left({ _tag: 'StateError', message: 's.json is not a box-upload state file: it names neither a folderId and name nor a fileId' }))
})

const Describe = suite('describe')

Describe('should say where the file goes', () => {
  assert.is(describe(state), 'big.bin in folder 0')
  assert.is(describe({ fileId: '42' }), 'a new version of file 42')
  assert.is(describe({ fileId: '42', name: 'new.bin' }), 'a new version of file 42, renamed new.bin')
  assert.is(describe({ fileId: '42', folderId: '0', name: 'big.bin' }), 'a new version of file 42 (big.bin in folder 0)')
})

const File = suite('read, write, remove')

File('should round-trip through the file, readable by the owner only, without stray fields such as a token', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'state-test-'))
  try {
    const path = join(dir, 's.json')
    const leaky = { ...state, token: 'SECRET', file: { ...state.file, token: 'SECRET' } } as State
    assert.equal(await write(path)(leaky)(), E.right(undefined))
    const text = await readFile(path, 'utf8')
    assert.not.ok(text.includes('SECRET'), text)
    assert.is((await stat(path)).mode & 0o777, 0o600)
    assert.equal(await read(path)(), E.right(state))
    assert.equal(await remove(path)(), E.right(undefined))
    assert.equal(await remove(path)(), E.right(undefined), 'removing twice is fine')
    const missing = await read(path)()
    assert.ok(E.isLeft(missing) && missing.left.message.startsWith('nothing to resume: no state file'))
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

File('should write two state files of one directory at once, each whole (processes of one pid share a directory in containers)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'state-test-'))
  try {
    const [a, b] = [join(dir, 'a.json'), join(dir, 'b.json')]
    const other = { ...state, file: { ...state.file, path: '/data/other.bin' } }
    assert.equal(await Promise.all([write(a)(state)(), write(b)(other)()]), [E.right(undefined), E.right(undefined)])
    assert.equal([await read(a)(), await read(b)()], [E.right(state), E.right(other)])
    assert.equal((await readdir(dir)).sort(), ['a.json', 'b.json'], 'no temp file left')
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

PathFor.run()
Changed.run()
Disagrees.run()
Decode.run()
Describe.run()
File.run()
