/**
 * h83: errors of another realm in messages. Under Jest (each test file in a node:vm context) the library's
 * `Error` is the context's, while `Headers`, `fetch` and `JSON` of Node's own realm throw Node's: an
 * `instanceof Error` check fails on them. `thrown` then wrote 'an object' where `String` wrote the error.
 */
import * as E from 'fp-ts/lib/Either.js'
import { runInNewContext } from 'node:vm'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { client } from '../src/Client.ts'
import { request } from '../src/Http.ts'
import { message, thrown } from '../src/UploadError.ts'

const Realm = suite('errors of another realm')

const foreign = (text: string): unknown => runInNewContext('(text) => new TypeError(text)')(text)

Realm('should write an error of another realm by its name and message, as String does', () => {
  assert.is(thrown(foreign('bad header value')), 'TypeError: bad header value')
  assert.is(thrown(new RangeError('x')), 'RangeError: x')
  assert.is(thrown(Object.create(null)), 'an object')
  assert.is(thrown({}), 'an object')
  assert.is(thrown('text'), 'the string text')
})

Realm("should say what Headers refused when it throws another realm's TypeError (Jest's globals)", async () => {
  const Own = globalThis.Headers
  // As under Jest: Node's Headers, whose TypeError is not the library realm's.
  globalThis.Headers = class extends Own {
    constructor(init?: HeadersInit) {
      try { super(init) } catch (e) { throw foreign((e as Error).message) }
    }
    override set(name: string, value: string): void {
      try { super.set(name, value) } catch (e) { throw foreign((e as Error).message) }
    }
  }
  try {
    const box = client({ token: 'abc\ndef-ghi', uploadUrl: 'http://127.0.0.1:9/api/2.0', fetch: () => Promise.reject(new Error('not sent')) })
    const result = await request(box)({ method: 'GET', url: 'http://127.0.0.1:9/api/2.0/x' })()
    assert.ok(E.isLeft(result))
    const said = message((result as E.Left<never>).left)
    assert.not.match(said, /an object/, said)
    assert.match(said, /TypeError/, said)
  } finally {
    globalThis.Headers = Own
  }
})

Realm.run()
