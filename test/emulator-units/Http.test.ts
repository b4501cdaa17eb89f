import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { body, boxError, isFail, type Fail } from '../../src/emulator/BoxError.ts'
import { bearer, concat, isoDate, readJson } from '../../src/emulator/Http.ts'

const Errors = suite('BoxError.body')

Errors("should have every key of Box's ClientError", () => {
  const e = body(boxError(409, 'item_name_in_use', 'Item with the same name already exists', { conflicts: { id: '1' } }), 'req-1')
  assert.equal(e, {
    type: 'error', status: 409, code: 'item_name_in_use', message: 'Item with the same name already exists',
    context_info: { conflicts: { id: '1' } },
    help_url: 'https://developer.box.com/guides/api-calls/permissions-and-errors/common-errors/', request_id: 'req-1',
  })
  assert.equal(body(boxError(404, 'not_found', 'x'), 'r').context_info, {})
})

const Json = suite('Http.readJson')

// Bytes, not a string: a string body would get `text/plain` from `Request` itself.
const post = (text: string, type: string | null = 'application/json') =>
  new Request('http://x/', { method: 'POST', body: new TextEncoder().encode(text), headers: type === null ? {} : { 'content-type': type } })

const failureOf = async (request: Request): Promise<Fail> => {
  try {
    await readJson(request)
  } catch (e) {
    if (isFail(e)) return e
    throw e
  }
  throw new Error('expected a failure')
}

// [body, content type, expected status, expected code]
const refusals: ReadonlyArray<readonly [string, string | null, number, string]> = [
  ['{"a":1}', 'text/plain', 415, 'unsupported_media_type'],
  ['{"a":', 'application/json', 400, 'bad_request'],
  ['[1,2]', 'application/json', 400, 'bad_request'],
  ['null', 'application/json', 400, 'bad_request'],
  ['', 'application/json', 400, 'bad_request'],
]

for (const [text, type, status, code] of refusals) {
  Json(`should refuse ${JSON.stringify(text)} as ${type} with ${status} ${code}`, async () => {
    const f = await failureOf(post(text, type))
    assert.equal([f.error.status, f.error.code], [status, code])
  })
}

Json('should accept JSON objects with or without a JSON content type', async () => {
  assert.equal(await readJson(post('{"a":1}')), { a: 1 })
  assert.equal(await readJson(post('{"a":1}', 'application/json; charset=utf-8')), { a: 1 })
  assert.equal(await readJson(post('{"a":1}', 'application/vnd.box+json')), { a: 1 })
  assert.equal(await readJson(post('{"a":1}', null)), { a: 1 })
})

const Small = suite('Http helpers')

Small('should read a bearer token case-insensitively and nothing else', () => {
  const req = (h?: string) => new Request('http://x/', h === undefined ? {} : { headers: { authorization: h } })
  assert.equal([bearer(req('Bearer abc')), bearer(req('bearer abc')), bearer(req('Basic abc')), bearer(req())], ['abc', 'abc', undefined, undefined])
})

Small('should concatenate chunks and write dates as Box does', () => {
  assert.equal(concat([new Uint8Array([1]), new Uint8Array([2, 3])], 3), new Uint8Array([1, 2, 3]))
  assert.is(isoDate(Date.UTC(2017, 3, 18, 1, 45, 15, 123)), '2017-04-18T01:45:15Z')
})

Errors.run()
Json.run()
Small.run()
