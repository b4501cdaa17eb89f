/**
 * Commit attributes (description, dates) of upload(): sent with the commit, typed as Box takes them, and
 * refused before any request when JSON cannot write them.
 */
import * as E from 'fp-ts/lib/Either.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { client } from '../src/Client.ts'
import { type UploadFailure, type UploadOptions, startable, upload } from '../src/Upload.ts'
import { message } from '../src/UploadError.ts'
import { TOKEN, bytesOf, fastRetry, rightOf, sourceOf, uniqueName, withBox, within } from './helpers/upload.ts'

const Attributes = suite('commit attributes')

Attributes('should send commit attributes', withBox({}, async (box) => {
  const fileSize = 2500
  const file = rightOf(await upload(box.client)(
    { source: sourceOf(bytesOf(fileSize)), folderId: '0', fileName: uniqueName(), fileSize },
    { retry: fastRetry, attributes: { description: 'holiday video', content_modified_at: '2024-01-02T03:04:05Z' } },
  )())
  assert.is(file.description, 'holiday video')
  assert.is(file.content_modified_at !== undefined && file.content_modified_at !== null && Date.parse(file.content_modified_at), Date.parse('2024-01-02T03:04:05Z'))
}))

// README: a key left undefined is left out, so code under exactOptionalPropertyTypes passes what it has (the type
// check of that is test/packaging/consumer.ts); the commit must neither carry nor be refused for it.
Attributes('should leave attributes given as undefined out of the commit', withBox({}, async (box) => {
  const fileSize = 2500
  const description: string | undefined = undefined
  const file = rightOf(await upload(box.client)(
    { source: sourceOf(bytesOf(fileSize)), folderId: '0', fileName: uniqueName(), fileSize },
    { retry: fastRetry, attributes: { description, content_modified_at: undefined, content_created_at: '2024-01-02T03:04:05Z' } },
  )())
  assert.is(file.description ?? '', '')
  assert.is(file.content_created_at !== undefined && file.content_created_at !== null && Date.parse(file.content_created_at), Date.parse('2024-01-02T03:04:05Z'))
}))

Attributes('should type the dates and description of commit attributes as strings, as Box takes them', withBox({}, async (box) => {
  const fileSize = 2500
  // @ts-expect-error a date is an RFC 3339 string, not milliseconds: Box refuses it, and only at the commit
  const attributes: UploadOptions['attributes'] = { content_created_at: Date.parse('2024-01-02T03:04:05Z') }
  const result = await upload(box.client)({ source: sourceOf(bytesOf(fileSize)), folderId: '0', fileName: uniqueName(), fileSize }, { retry: fastRetry, attributes })()
  assert.ok(E.isLeft(result) && result.left._tag === 'HttpError' && result.left.status === 400 && /content_created_at/.test(result.left.message ?? ''), JSON.stringify(result))
}))

Attributes('should refuse attributes JSON cannot write (a BigInt, a cycle) before any request, not at the commit once every part is sent', withBox({ partSize: 1024 }, async (box) => {
  const cycle: Record<string, unknown> = {}
  cycle['self'] = cycle
  for (const attributes of [{ x_count: 10n }, { x_meta: cycle }]) {
    const source = sourceOf(bytesOf(3000))
    const result = await upload(box.client)({ source, folderId: '0', fileName: uniqueName(), fileSize: 3000 }, { retry: fastRetry, attributes })()
    assert.ok(E.isLeft(result) && result.left._tag === 'InvalidInput' && result.left.message.startsWith('attributes cannot be sent as JSON: TypeError'), message((result as E.Left<UploadFailure>).left))
    assert.not.ok(source.locked, 'the source stays the caller\'s')
  }
  assert.is(box.sent.length, 0)
}))

// A Date is the form the README recommends for dates, yet an invalid one (new Date(text) of a text that is
// no date) is written by JSON as null: Box then refuses the commit, once every part is sent.
Attributes('should refuse an invalid Date in the attributes before any request, not at the commit once every part is sent', withBox({ partSize: 1024 }, async (box) => {
  const source = sourceOf(bytesOf(3000))
  const result = await upload(box.client)({ source, folderId: '0', fileName: uniqueName(), fileSize: 3000 }, { retry: fastRetry, attributes: { content_modified_at: new Date('last Tuesday') } })()
  assert.ok(E.isLeft(result) && result.left._tag === 'InvalidInput', E.isLeft(result) ? message(result.left) : 'uploaded')
  assert.is(box.sent.length, 0, box.sent.map((r) => r.method).join(' '))
  // A valid Date still goes, as the ISO text JSON writes of it.
  const dated = await upload(box.client)({ source: sourceOf(bytesOf(3000)), folderId: '0', fileName: uniqueName(), fileSize: 3000 }, { retry: fastRetry, attributes: { content_modified_at: new Date('2024-01-02T03:04:05Z') } })()
  assert.ok(E.isRight(dated), E.isLeft(dated) ? message(dated.left) : '')
  assert.is(Date.parse(dated.right.content_modified_at ?? ''), Date.parse('2024-01-02T03:04:05Z'))
}))

// a73f273: commit now gets { ...options }: own enumerable options only. Options read through a prototype (a class with
// getters, Object.create(defaults)) still reach the parts (options.signal, options.retry) but no longer the commit.
Attributes('attributes given by an options object with a prototype still reach the commit', withBox({ partSize: 1024 }, async (box) => {
  const bodies: Array<string> = []
  const capturing = client({ token: TOKEN, uploadUrl: box.emulator.url, apiUrl: box.emulator.apiUrl, fetch: (input, init) => {
    if (String(input).endsWith('/commit')) bodies.push(String(init?.body))
    return fetch(input, init)
  } })
  const options: UploadOptions = Object.create({ retry: fastRetry, attributes: { content_modified_at: '2020-01-02T03:04:05Z' } })
  const result = await within(10_000, 'upload', upload(capturing)({ source: sourceOf(bytesOf(3000)), folderId: '0', fileName: uniqueName(), fileSize: 3000 }, options)())
  assert.ok(E.isRight(result), JSON.stringify(result))
  assert.ok(bodies[0]?.includes('content_modified_at'), bodies[0])
}))

// e: the replacer refuses more than invalid Dates: any value with a toISOString property it cannot call, and a Date
// whose own toJSON writes it fine. Plain JSON.stringify (what the commit sends) takes both.
Attributes('attributes the commit can send are not refused by the invalid-Date check; an invalid Date still is', async () => {
  const run = (attributes: object) => startable({ source: new ReadableStream() }, { attributes } as never)()
  assert.equal(await run({ tag: { toISOString: 'text' } }), E.right(undefined))
  assert.equal(await run({ when: Object.assign(new Date(Number.NaN), { toJSON: () => 'unknown' }) }), E.right(undefined))
  // The RangeError's own words are the runtime's: 'Invalid time value' in V8, 'Invalid Date' in Bun, 'invalid date' in Firefox.
  const nested = await run({ nested: [{ when: new Date(Number.NaN) }] })
  assert.ok(E.isLeft(nested) && nested.left._tag === 'InvalidInput' && /^attributes cannot be sent as JSON: RangeError: invalid /i.test(nested.left.message), JSON.stringify(nested))
  assert.equal(await run({ when: new Date(0), n: [1, 'a', null, { x: true }] }), E.right(undefined))
})

Attributes.run()
