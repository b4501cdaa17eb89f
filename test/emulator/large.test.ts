/**
 * Files past 4 GiB (2^32 bytes) and near Box's plan limits, without sending them: sessions of such
 * sizes, parts at and past byte 2^32, where 32-bit arithmetic would wrap (protocol §6, §13). The
 * whole-file SHA-1 past 2^32 is checked by an upload of 4 GiB and more (test/Large.node.test.ts).
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { assertBoxError, contentRange, listParts, openSession, putBytes, randomFile, sha1Hex, withEmulator } from '../helpers/box.ts'

const MiB = 1024 * 1024
const GiB = 1024 * MiB
const four = 2 ** 32

test('should give the default part size and total_parts of files past 4 GiB, up to past 312.5 GiB where parts grow', () =>
  withEmulator({ minFileSize: 1 }, async (em) => {
    // [file_size, part_size, total_parts]: 32 MiB from 256 MiB; past 312.5 GiB the whole MiB that keeps 10,000 parts at most.
    const table: ReadonlyArray<readonly [number, number, number]> = [
      [four - 1, 32 * MiB, 128],
      [four, 32 * MiB, 128],
      [four + 5, 32 * MiB, 129],
      [50_000_000_000, 32 * MiB, 1491],
      [150_000_000_000, 32 * MiB, 4471],
      [312.5 * GiB, 32 * MiB, 10_000],
      [312.5 * GiB + 1, 33 * MiB, 9697],
      [500_000_000_000, 48 * MiB, 9935],
    ]
    for (const [size, partSize, totalParts] of table) {
      const s = await openSession(em, size)
      assert.equal([s.part_size, s.total_parts], [partSize, totalParts], `file_size ${size}`)
    }
  }))

test('should store parts at and past byte 2^32, list them with their offsets, and refuse ranges there as it does below', () =>
  withEmulator({ minFileSize: 1, partSize: MiB, storage: 'digest' }, async (em) => {
    const size = four + MiB + 5
    const s = await openSession(em, size)
    assert.is(s.total_parts, 4098)
    const below = randomFile(MiB), at = randomFile(MiB), last = randomFile(5)
    // The part ending at byte 2^32 - 1, the one starting at 2^32, and the 5-byte last one past it, out of order.
    for (const [bytes, offset] of [[last, four + MiB], [at, four], [below, four - MiB]] as const) {
      const r = await putBytes(s, bytes, offset, size)
      assert.is(r.status, 200, r.text)
      assert.equal(r.json.part, { part_id: r.json.part.part_id, offset, size: bytes.length, sha1: sha1Hex(bytes) })
    }
    const listed = await listParts(s)
    assert.equal(listed.json.entries.map((p: { offset: number; size: number }) => [p.offset, p.size]), [[four - MiB, MiB], [four, MiB], [four + MiB, 5]])
    assert.is(listed.json.total_count, 4098)
    assert.equal((await listParts(s, '?offset=2&limit=1')).json.entries.map((p: { offset: number }) => p.offset), [four + MiB])

    const refused = async (range: string, length: number, message: string) => {
      const body = assertBoxError(await putBytes(s, randomFile(length), 0, size, { range }), 416, 'invalid_content_range')
      assert.is(body.message, message)
    }
    await refused(contentRange(four + 1, four + MiB, size), MiB, `Content-Range starts at ${four + 1}, which is not a multiple of part_size ${MiB}`)
    await refused(contentRange(four + MiB, four + MiB + 5, size), 6, `Content-Range ends at byte ${four + MiB + 5}, past the end of the file (file_size ${size})`)
    await refused(contentRange(four + MiB, four + MiB + 4, four + MiB + 4), 5, `Content-Range total ${four + MiB + 4} differs from the session's file_size ${size}`)
    await refused(contentRange(2 * four, 2 * four, size), 1, `Content-Range ends at byte ${2 * four}, past the end of the file (file_size ${size})`)
    const overlap = assertBoxError(await putBytes(s, at, four, size), 416, 'range_overlaps_existing_part')
    assert.is(overlap.context_info.conflicting_part.offset, four)
  }))

test.run()
