/**
 * Contract tests of the wire codecs: each accepts the example Box's own OpenAPI spec gives for its
 * schema (built from the `example` of every property, shared/box-openapi-upload-sessions.json),
 * tolerates extra fields, and rejects the values the library must not accept.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import * as E from 'fp-ts/lib/Either.js'
import type * as t from 'io-ts'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { BoxError, details } from '../src/BoxError.ts'
import { BoxFile, Files } from '../src/BoxFile.ts'
import { UploadedPart, UploadPart, UploadParts } from '../src/UploadPart.ts'
import { NonNegativeInteger, PositiveInteger, SessionEndpoints, UploadSession } from '../src/UploadSession.ts'
import { decodeError, message } from '../src/UploadError.ts'

type Json = null | boolean | number | string | Json[] | { [k: string]: Json }
const spec = JSON.parse(readFileSync(fileURLToPath(new URL('./emulator/fixtures/box-openapi-upload-sessions.json', import.meta.url)), 'utf8'))
const schemas: Record<string, Json> = spec.components.schemas

/** An instance of a schema made of its properties' examples (`$ref` and `allOf` followed, bounded depth). */
const exampleOf = (schema: Json, depth = 0): Json => {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema) || depth > 16) return null
  const ref = schema['$ref']
  if (typeof ref === 'string') return exampleOf(schemas[ref.replace('#/components/schemas/', '')] ?? null, depth + 1)
  if ('example' in schema) return schema['example'] ?? null
  if (Array.isArray(schema['allOf'])) {
    const members = schema['allOf'].map((s) => exampleOf(s, depth + 1)).filter((v) => v !== null)
    const objects = members.filter((v) => typeof v === 'object' && !Array.isArray(v))
    return objects.length === members.length ? Object.assign({}, ...objects) : (members[0] ?? null)
  }
  if (schema['type'] === 'array') return [exampleOf(schema['items'] ?? null, depth + 1)]
  const properties = schema['properties']
  if (typeof properties !== 'object' || properties === null || Array.isArray(properties)) return null
  return Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, exampleOf(v, depth + 1)]).filter(([, v]) => v !== null))
}

const ok = (codec: t.Decoder<unknown, unknown>, value: unknown) => {
  const result = codec.decode(value)
  assert.ok(E.isRight(result), E.isLeft(result) ? message(decodeError(codec.name, result.left)) : '')
}

const failsAt = (codec: t.Decoder<unknown, unknown>, value: unknown, field: string) => {
  const result = codec.decode(value)
  assert.ok(E.isLeft(result) && message(decodeError(codec.name, result.left)).includes(`${field}:`), JSON.stringify(value))
}

const Spec = suite('OpenAPI examples')

Spec('should decode the spec example of each schema', () => {
  const session = exampleOf(schemas['UploadSession']!) as Record<string, Json>
  ok(UploadSession, session)
  ok(UploadPart, exampleOf(schemas['UploadPart']!))
  ok(UploadedPart, exampleOf(schemas['UploadedPart']!))
  ok(UploadParts, exampleOf(schemas['UploadParts']!))
  ok(BoxFile, exampleOf(schemas['File--Full']!))
  ok(Files, exampleOf(schemas['Files']!))
  ok(BoxError, exampleOf(schemas['ClientError']!))
})

const Rules = suite('codec rules')

const part = { part_id: '6F2D3486', offset: 16777216, size: 3222784, sha1: '134b65991ed521fcfe4724b7d814ab8ded5185dc' }

Rules('should drop extra fields of a part, so they never go back in a commit', () => {
  assert.equal(UploadPart.decode({ ...part, extra: 1 }), E.right(part))
  assert.equal(UploadedPart.decode({ part: { ...part, extra: 1 } }), E.right({ part }))
})

Rules('should reject bad parts, pages and files, naming the field', () => {
  failsAt(UploadPart, { ...part, size: 0 }, 'size')
  failsAt(UploadPart, { ...part, offset: -1 }, 'offset')
  failsAt(UploadPart, { ...part, sha1: undefined }, 'sha1')
  failsAt(UploadedPart, part, 'part')
  failsAt(UploadParts, { total_count: 2, entries: [part, { ...part, offset: '8' }] }, 'entries[1].offset')
  failsAt(Files, { total_count: 1, entries: [{ id: '1', type: 'file', name: 'a', size: '3' }] }, 'entries[0].size')
  failsAt(BoxFile, { id: '1', type: 'folder', name: 'a', size: 3 }, 'type')
})

Rules('should accept nulls where Box sends them and keep extra file fields', () => {
  const file = { id: '1', type: 'file', name: 'a', size: 3, etag: null, parent: null, content_modified_at: null, shared_link: null, tags: [] }
  assert.equal(BoxFile.decode(file), E.right(file))
})

// Box's count of a session with no part stored yet is 0: a resume right after the session was made lists it.
Rules('should decode a page of parts with a total_count of 0 and no entries', () => {
  assert.equal(UploadParts.decode({ total_count: 0, entries: [] }), E.right({ total_count: 0, entries: [] }))
})

// Whole decode results, errors included (value, context, message), as DecodeError keeps and `message` prints them.
Rules('should decode safe whole numbers only, from 1 up (PositiveInteger) and from 0 up (NonNegativeInteger)', () => {
  const values: ReadonlyArray<unknown> = [1, 7, 2 ** 53 - 1, 0, -0, -1, 1.5, 2 ** 53, Infinity, NaN, '8', null, undefined, [3], { n: 3 }]
  for (const [codec, min] of [[PositiveInteger, 1], [NonNegativeInteger, 0]] as const) {
    for (const value of values) {
      const whole = typeof value === 'number' && Number.isSafeInteger(value) && value >= min
      const expected = whole ? E.right(value) : E.left([{ value, context: [{ key: '', type: codec, actual: value }], message: undefined }])
      assert.equal(codec.decode(value), expected, `${codec.name} ${String(value)}`)
      assert.is(codec.is(value), whole, `${codec.name}.is ${String(value)}`)
    }
    assert.is(codec.encode(5), 5)
  }
  assert.equal([PositiveInteger.name, NonNegativeInteger.name], ['PositiveInteger', 'NonNegativeInteger'])
})

/** The decoded value, typed as the codec's own type (the test fails when it does not decode). */
const decoded = <A>(result: E.Either<t.Errors, A>): A => {
  assert.ok(E.isRight(result))
  return (result as E.Right<A>).right
}

// h108: the data the library hands out is typed readonly, at every depth (io-ts's t.type types every field mutable),
// and what a codec decodes, mutable, still fits its name's type. Each assignment in `changes` (never called) must
// stay a type error: a @ts-expect-error with no error under it fails the type check.
Rules('should type the data of each codec readonly at every depth, and take what the codec decodes', () => {
  const file: BoxFile = decoded(BoxFile.decode({ id: '1', type: 'file', name: 'a', size: 3, parent: { id: '0' }, file_version: { id: 'v' } }))
  const files: Files = decoded(Files.decode({ total_count: 1, entries: [file] }))
  const stored: UploadPart = decoded(UploadPart.decode(part))
  const uploaded: UploadedPart = decoded(UploadedPart.decode({ part }))
  const page: UploadParts = decoded(UploadParts.decode({ total_count: 1, entries: [part] }))
  const wire: UploadSession = decoded(UploadSession.decode(exampleOf(schemas['UploadSession']!)))
  const endpoints: SessionEndpoints = wire.session_endpoints
  const body: BoxError = decoded(BoxError.decode({ code: 'x' }))
  const changes = (): void => {
    // @ts-expect-error a file's fields are Box's answer, read-only
    file.size = 0
    // @ts-expect-error nested objects too
    file.parent!.id = '1'
    // @ts-expect-error nested objects too
    file.file_version!.id = 'v2'
    // @ts-expect-error the files of a commit's answer too
    files.entries[0]!.name = 'b'
    // @ts-expect-error a stored part, which goes back in the commit as it is
    stored.offset = 0
    // @ts-expect-error the answer to a part
    uploaded.part = stored
    // @ts-expect-error a page of parts
    page.total_count = 0
    // @ts-expect-error Box's upload_session
    wire.part_size = 1
    // @ts-expect-error its endpoints
    endpoints.upload_part = ''
    // @ts-expect-error Box's error body
    body.code = 'y'
  }
  assert.is(typeof changes, 'function')
})

const Errors = suite('BoxError.details')

Errors('should read Box, OAuth and foreign bodies', () => {
  const box = { type: 'error', status: 409, code: 'item_name_in_use', message: 'taken', request_id: 'r1', context_info: { conflicts: { id: '9' } }, help_url: 'h' }
  assert.equal(details(box), { code: 'item_name_in_use', message: 'taken', requestId: 'r1', contextInfo: { conflicts: { id: '9' } } })
  assert.equal(details({ error: 'invalid_grant', error_description: 'expired' }), { code: 'invalid_grant', message: 'expired' })
  for (const foreign of [undefined, null, 'oops', [1], { status: 'bad' }]) assert.equal(details(foreign), {}, JSON.stringify(foreign))
})

Spec.run()
Rules.run()
Errors.run()
