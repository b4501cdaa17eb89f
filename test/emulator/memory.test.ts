/**
 * What a long-running emulator keeps of each upload (a dev server, a CI job of thousands of uploads):
 * the committed file (its bytes in 'memory' storage), and of a session that ended only what its
 * answers need, not its parts, their bytes or its hasher.
 */
import { createHash } from 'node:crypto'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { Sha1Factory } from '../../src/emulator/Sha1.ts'
import {
  SMALL, abort, assertBoxError, call, commit, download, openSession, putPart, randomFile, status, uploadAll, withEmulator,
} from '../helpers/box.ts'
import { collectGarbage, retainedArrayBuffers } from '../helpers/memory.ts'

const MiB = 1024 * 1024

/**
 * `node:crypto`'s SHA-1, with a weak reference to every hasher it makes: each session holds one (its
 * whole-file hash) for as long as the emulator keeps the session itself, so a hasher still alive
 * after a collection is a session record still kept whole.
 */
const trackedSha1 = (): { readonly sha1: Sha1Factory; readonly alive: () => Promise<number> } => {
  const made: Array<WeakRef<object>> = []
  const sha1: Sha1Factory = () => {
    const h = createHash('sha1')
    const hasher = { update: (b: Uint8Array) => void h.update(b), digest: () => new Uint8Array(h.digest()) }
    made.push(new WeakRef(hasher))
    return hasher
  }
  const alive = async (): Promise<number> => {
    await collectGarbage()
    return made.filter((ref) => ref.deref() !== undefined).length
  }
  return { sha1, alive }
}

test('should keep no session whole once it is committed, deleted or expired, and answer for it as before', async () => {
  let now = Date.parse('2030-01-01T00:00:00Z')
  const tracked = trackedSha1()
  await withEmulator({ ...SMALL, sha1: tracked.sha1, sessionTtlMs: 1000, clock: () => now }, async (em) => {
    const bytes = randomFile(3000)
    const committed = await openSession(em, bytes.length)
    const c = await commit(committed, bytes, await uploadAll(committed, bytes))
    assert.is(c.status, 201, c.text)
    const deleted = await openSession(em, bytes.length)
    await uploadAll(deleted, bytes)
    assert.is((await abort(deleted)).status, 204)
    const expiring = await openSession(em, bytes.length)
    assert.is((await putPart(expiring, bytes, 0)).status, 200)
    now += 1000
    assertBoxError(await status(expiring), 410, 'session_expired')
    // Three sessions made three whole-file hashers; the parts' own were garbage at once.
    assert.is(await tracked.alive(), 0, 'hashers of ended sessions still held')

    // What Box answers for each is unchanged.
    const again = await commit(committed, bytes, [], { digest: 'sha=AAAAAAAAAAAAAAAAAAAAAAAAAAA=' })
    assert.is(again.status, 201, again.text)
    assert.is(again.json.entries[0].id, c.json.entries[0].id)
    assert.is((await abort(committed)).status, 204)
    assertBoxError(await status(committed), 404, 'not_found')
    assert.is((await download(em, c.json.entries[0].id)).bytes.length, bytes.length)
    assertBoxError(await status(deleted), 404, 'not_found')
    assertBoxError(await abort(deleted), 404, 'not_found')
    assertBoxError(await abort(expiring), 410, 'session_expired')
    assertBoxError(await call('GET', expiring.session_endpoints.list_parts), 410, 'session_expired')
  })
})

test('should keep an open session whole (the measure above works)', async () => {
  const tracked = trackedSha1()
  await withEmulator({ ...SMALL, sha1: tracked.sha1 }, async (em) => {
    const bytes = randomFile(3000)
    const s = await openSession(em, bytes.length)
    assert.is((await putPart(s, bytes, 0)).status, 200)
    assert.is(await tracked.alive(), 1)
  })
})

test("should drop a failed session's parts when it fails (faults.uploadFailedAfterParts): only DELETE and log answer for it", () =>
  withEmulator({ minFileSize: 1, partSize: 4 * MiB, storage: 'memory', faults: { uploadFailedAfterParts: 6 } }, async (em) => {
    const bytes = randomFile(28 * MiB)
    const s = await openSession(em, bytes.length)
    const before = await retainedArrayBuffers()
    for (let i = 0; i < 5; i++) assert.is((await putPart(s, bytes, i)).status, 200)
    const held = (await retainedArrayBuffers()) - before
    assert.ok(held >= 16 * MiB, `an open session holds its parts: ${(held / MiB).toFixed(1)} MiB (the measure works)`)
    assert.is((await putPart(s, bytes, 5)).status, 200)
    assertBoxError(await status(s), 410, 'upload_failed')
    const left = (await retainedArrayBuffers()) - before
    assert.ok(left < 8 * MiB, `the failed session still holds ${(left / MiB).toFixed(1)} MiB`)
    assertBoxError(await call('GET', s.session_endpoints.list_parts), 410, 'upload_failed')
    assert.is((await abort(s)).status, 204)
  }))


test('should drop the parts of sessions past their lifetime at the next request of any kind, not only at a session creation', async () => {
  let now = Date.parse('2030-01-01T00:00:00Z')
  await withEmulator({ minFileSize: 1, partSize: 4 * MiB, storage: 'memory', sessionTtlMs: 1000, clock: () => now }, async (em) => {
    const bytes = randomFile(24 * MiB)
    const before = await retainedArrayBuffers()
    // Abandoned half-way and whole: never committed nor deleted, nor asked about again.
    const half = await openSession(em, bytes.length)
    for (let i = 0; i < 3; i++) assert.is((await putPart(half, bytes, i)).status, 200)
    const whole = await openSession(em, bytes.length)
    await uploadAll(whole, bytes)
    const held = (await retainedArrayBuffers()) - before
    assert.ok(held >= 32 * MiB, `the parts are held while the sessions live: ${(held / MiB).toFixed(1)} MiB (the measure works)`)
    now += 1000
    // A request about something else: a file that does not exist.
    assertBoxError(await call('GET', `${em.apiUrl}/files/1`), 404, 'not_found')
    const left = (await retainedArrayBuffers()) - before
    assert.ok(left < 8 * MiB, `expired sessions still hold ${(left / MiB).toFixed(1)} MiB`)
    for (const s of [half, whole]) assertBoxError(await status(s), 410, 'session_expired')
  })
})

test.run()
