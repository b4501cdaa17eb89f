import * as E from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import {
  type UploadError, aborted, decodeError, digestMismatch, errorPath, httpError, invalidInput, isRetryable, isUploadError, message, networkError,
  sizeMismatch, sourceError, untrustedEndpoint, hashError,
} from '../src/UploadError.ts'
import { UploadSession } from '../src/UploadSession.ts'
import * as exported from '../src/index.ts'

const errorsOf = (codec: t.Decoder<unknown, unknown>, value: unknown): t.Errors => {
  const result = codec.decode(value)
  if (E.isRight(result)) throw new Error('expected a decode failure')
  return result.left
}

const Constructors = suite('constructors')

Constructors('should build plain tagged objects without undefined fields', () => {
  assert.equal(httpError({ status: 404, method: 'GET', url: 'https://x/y', code: undefined }), { _tag: 'HttpError', status: 404, method: 'GET', url: 'https://x/y' })
  assert.equal(aborted(), { _tag: 'Aborted' })
  assert.equal(untrustedEndpoint('https://evil.net'), { _tag: 'UntrustedEndpoint', origin: 'https://evil.net' })
  assert.equal(structuredClone(sizeMismatch(10, 11, 'too_long')), { _tag: 'SizeMismatch', expected: 10, actual: 11, reason: 'too_long' })
})

const Message = suite('message')

// [error, fragments the sentence must contain]
const table: ReadonlyArray<readonly [UploadError, ReadonlyArray<string>]> = [
  [httpError({ status: 409, method: 'POST', url: 'https://upload.box.com/api/2.0/files/upload_sessions', code: 'item_name_in_use', message: 'Item with the same name already exists', requestId: 'req-1', contextInfo: { conflicts: { id: '12345', type: 'file' } } }),
    ['409', 'item_name_in_use', 'request_id req-1', 'POST https://upload.box.com/api/2.0/files/upload_sessions', 'file 12345', 'another name']],
  [httpError({ status: 400, method: 'POST', url: 'u', code: 'file_size_too_small' }), ['400 file_size_too_small', '20 MB']],
  [httpError({ status: 409, method: 'POST', url: 'u', code: 'session_conflict', contextInfo: { session: { id: 'S1' } } }), ['409 session_conflict', 'open session', 'resume', 'contextInfo.session.id']],
  [httpError({ status: 401, method: 'GET', url: 'u', code: 'unauthorized' }), ['401', 'token', 'refresh']],
  [httpError({ status: 403, method: 'PUT', url: 'u', code: 'forbidden' }), ['403 forbidden', 'permission']],
  [httpError({ status: 404, method: 'GET', url: 'u', code: 'not_found' }), ['404', 'check the id']],
  [httpError({ status: 410, method: 'PUT', url: 'u', code: 'session_expired' }), ['session_expired', 'new upload']],
  [httpError({ status: 429, method: 'PUT', url: 'u', retryAfterMs: 3000 }), ['429', 'wait 3 s']],
  // A wait of 1.5 s is said as 2 s, never shorter than Box asked.
  [httpError({ status: 503, method: 'PUT', url: 'u', retryAfterMs: 1500 }), ['503', 'wait 2 s']],
  [httpError({ status: 502, method: 'PUT', url: 'u' }), ['Box answered 502 to PUT u.', 'retry later']],
  // 300 (Multiple Choices) is the first of the 3xx: a redirect too, not "check the request's parameters".
  [httpError({ status: 300, method: 'GET', url: 'u' }), ['Box answered 300', 'redirect is not followed']],
  [httpError({ status: 400, method: 'POST', url: 'u', code: 'digest_mismatch' }), ['digest_mismatch', 'source changed']],
  [httpError({ status: 416, method: 'PUT', url: 'u', code: 'range_overlaps_existing_part' }), ['already uploaded', 'list']],
  [decodeError('upload_session', errorsOf(UploadSession, { id: 'x' })), ['upload_session', 'part_size', 'total_parts']],
  [networkError('PUT', 'https://upload.box.com/api/2.0/x', new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } })), ['PUT https://upload.box.com/api/2.0/x', 'fetch failed ECONNRESET', 'retry']],
  [sizeMismatch(100, 101, 'too_long'), ['100', 'more bytes']],
  [sizeMismatch(100, 50, 'too_short'), ['after 50 bytes', '100']],
  [sizeMismatch(100, 0, 'empty'), ['empty']],
  [digestMismatch('part 3', 'AAAA', 'BBBB'), ['part 3', 'AAAA', 'BBBB']],
  [aborted('user pressed Ctrl-C'), ['aborted', 'Ctrl-C']],
  [untrustedEndpoint('https://evil.net'), ['https://evil.net', 'allowedHosts', 'If you trust that host']],
  [invalidInput('fileSize must be positive'), ['fileSize must be positive']],
  [sourceError(new Error('EIO: i/o error, read')), ['Reading the source failed', 'EIO', 'nothing was committed']],
  [hashError(new Error('a SHA-1 worker thread exited (code 1)')), ['Computing a SHA-1 failed', 'worker thread exited', 'nothing was committed', 'not at fault']],
]

for (const [error, fragments] of table) {
  Message(`should explain ${error._tag} ${'code' in error ? String(error.code) : ''}`, () => {
    const text = message(error)
    for (const fragment of fragments) assert.ok(text.includes(fragment), `${JSON.stringify(fragment)} missing from: ${text}`)
  })
}

Message('should name the field path of a bad part_size (missing, string, 0) and nested fields', () => {
  const valid = { id: 'S', part_size: 8, total_parts: 1, num_parts_processed: 0, session_expires_at: '2030-01-01T00:00:00Z',
    session_endpoints: { upload_part: 'u', commit: 'c', abort: 'a', list_parts: 'l', status: 's' } }
  const { part_size: _, ...missing } = valid
  for (const value of [missing, { ...valid, part_size: '8' }, { ...valid, part_size: 0 }]) {
    assert.match(message(decodeError('upload_session', errorsOf(UploadSession, value))), /part_size: expected PositiveInteger, got (nothing|"8"|0)/)
  }
  const nested = errorsOf(UploadSession, { ...valid, session_endpoints: { ...valid.session_endpoints, commit: 7 } })
  assert.is(errorPath(nested[0]!.context), 'session_endpoints.commit')
  assert.is(errorPath(errorsOf(t.type({ entries: t.array(t.type({ size: t.number })) }), { entries: [{ size: 1 }, { size: 'x' }] })[0]!.context), 'entries[1].size')
})

Message('should show at most 5 of the errors (and how many more), and cut a value past 60 characters to 57 and "..."', () => {
  const seven = t.type({ a: t.string, b: t.string, c: t.string, d: t.string, e: t.string, f: t.string, g: t.string })
  const text = message(decodeError('upload_session', errorsOf(seven, {})))
  assert.ok(text.includes('e: expected string, got nothing; and 2 more)'), text)
  assert.not.match(text, 'f: expected')
  // JSON of 61 characters: the quotes and 59 letters.
  const long = message(decodeError('upload_session', errorsOf(t.type({ id: t.number }), { id: 'x'.repeat(59) })))
  assert.ok(long.includes(`id: expected number, got "${'x'.repeat(56)}...)`), long)
})

Message('should not advise checking the parameters for a commit still answered 202 past its deadline: it says to commit again later', () => {
  const text = message(httpError({ status: 202, method: 'POST', url: 'https://upload.box.com/api/2.0/files/upload_sessions/S/commit',
    message: 'Box was still processing the parts, past the commit deadline or maxRetryAfterMs; commit again later', retryAfterMs: 5000 }))
  assert.not.match(text, 'Check the request')
  assert.ok(text.endsWith('commit again later". Box asks to wait 5 s.'), text)
  assert.match(message(httpError({ status: 400, method: 'POST', url: 'u' })), 'Check the request\'s parameters.')
})

Message('should say how long Box asks to wait only when it asks for a wait: none for Retry-After 0, a whole second for less', () => {
  const of = (retryAfterMs: number | undefined): string => message(httpError({ status: 429, code: 'rate_limit_exceeded', method: 'PUT', url: 'u', retryAfterMs }))
  assert.not.match(of(0), 'asks to wait')
  assert.not.match(of(undefined), 'asks to wait')
  assert.ok(of(300).endsWith(' Box asks to wait 1 s.'), of(300))
  assert.ok(of(61_001).endsWith(' Box asks to wait 62 s.'), of(61_001))
})

Message('should name a cause that is an object without a message, one without a prototype too (String would throw on it), and take a thrown text as it is', () => {
  for (const make of [networkError.bind(null, 'PUT', 'u'), sourceError, hashError, aborted]) {
    assert.match(message(make(Object.create(null))), '(an object)')
    assert.match(message(make([1, 2])), '(an array)')
    assert.match(message(make('socket hang up')), '(socket hang up)')
  }
})

const Retryable = suite('isRetryable')

Retryable('should retry network errors, 408, 429 and 5xx but 507, and nothing else', () => {
  const status = (s: number) => isRetryable(httpError({ status: s, method: 'PUT', url: 'u' }))
  assert.equal([408, 429, 500, 502, 503, 507, 400, 401, 404, 409, 416].map(status), [true, true, true, true, true, false, false, false, false, false, false])
  assert.ok(isRetryable(networkError('PUT', 'u', new Error('reset'))))
  assert.not.ok(isRetryable(aborted()))
  assert.not.ok(isRetryable(untrustedEndpoint('https://evil.net')))
  assert.not.ok(isRetryable(sourceError(new Error('EIO'))))
  assert.not.ok(isRetryable(hashError(new Error('worker gone'))))
})

Retryable('should tell Box\'s status with hasStatus, exported by the package, narrowing the type to an HttpError of it', () => {
  const errors: ReadonlyArray<UploadError> = [httpError({ status: 409, method: 'POST', url: 'u', code: 'item_name_in_use' }), httpError({ status: 404, method: 'GET', url: 'u' }), networkError('PUT', 'u', 'reset')]
  const conflicts = errors.filter((e) => exported.hasStatus(e, 409))
  assert.equal(conflicts.map((e) => e._tag), ['HttpError'])
  const [first] = errors
  if (first !== undefined && exported.hasStatus(first, 409)) {
    // Narrowed: `code` is read with no check of the tag, and the status is typed 409.
    const status: 409 = first.status
    assert.is(`${status} ${first.code}`, '409 item_name_in_use')
  } else assert.unreachable('a 409')
  assert.not.ok(exported.hasStatus(networkError('PUT', 'u', 'reset'), 409))
})

const IsUploadError = suite('isUploadError')

IsUploadError("should accept this library's errors, and no other tagged value", () => {
  for (const [error] of table) assert.ok(isUploadError(error), error._tag)
  assert.ok(isUploadError(structuredClone(aborted('stop'))), 'a clone from another realm is still one')
  const others: ReadonlyArray<unknown> = [E.left(1), E.right(1), { _tag: 'None' }, { _tag: 'DiskError' }, { _tag: 'toString' }, { _tag: '__proto__' }, { _tag: 7 }, { _tag: ['HttpError'] }, { _tag: Object.create(null) }, null, 'HttpError', new Error('x')]
  for (const other of others) assert.not.ok(isUploadError(other), JSON.stringify(other))
})

Constructors.run()
Message.run()
Retryable.run()
IsUploadError.run()
