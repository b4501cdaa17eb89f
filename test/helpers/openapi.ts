/**
 * Box's OpenAPI schemas (shared/box-openapi-upload-sessions.json, copied to test/emulator/fixtures/) as JSON Schema for ajv,
 * following protocol §14: drop `example`/`examples`/`x-*`, turn `nullable: true` into a `null`
 * member, load `components` under an `$id`, validate against `…#/components/schemas/<Name>`.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Ajv, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'
import * as assert from 'uvu/assert'

/** The schemas of the subset that response bodies of the emulator are checked against. */
export type SchemaName = 'UploadSession' | 'UploadedPart' | 'UploadPart' | 'UploadParts' | 'Files' | 'File--Full' | 'ClientError'

const SPEC_ID = 'https://box.example/box-openapi-upload-sessions.json'
// A copy of shared/box-openapi-upload-sessions.json kept in the repository, so a clean clone has it.
const specPath = fileURLToPath(new URL('../emulator/fixtures/box-openapi-upload-sessions.json', import.meta.url))

type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [k: string]: Json }

const isObject = (x: Json | undefined): x is { readonly [k: string]: Json } => typeof x === 'object' && x !== null && !Array.isArray(x)

/** OpenAPI 3.0 schema → JSON Schema (draft 7 as ajv reads it). */
export const toJsonSchema = (x: Json): Json => {
  if (Array.isArray(x)) return x.map(toJsonSchema)
  if (!isObject(x)) return x
  const out: Record<string, Json> = {}
  for (const [k, v] of Object.entries(x)) {
    if (k === 'example' || k === 'examples' || k === 'nullable' || k.startsWith('x-')) continue
    // `properties` maps names to schemas: a property may be called `example` or `type`.
    out[k] = k === 'properties' && isObject(v)
      ? Object.fromEntries(Object.entries(v).map(([name, s]) => [name, toJsonSchema(s)]))
      : toJsonSchema(v)
  }
  if (x['nullable'] !== true) return out
  if (typeof out['type'] === 'string') {
    const withNull: Record<string, Json> = { ...out, type: [out['type'], 'null'] }
    if (Array.isArray(out['enum'])) withNull['enum'] = [...out['enum'], null]
    return withNull
  }
  return { anyOf: [{ type: 'null' }, out] }
}

const loadSpec = (): Json => {
  const spec = JSON.parse(readFileSync(specPath, 'utf8')) as { components: Json }
  const components = toJsonSchema(spec.components)
  if (!isObject(components) || !isObject(components['schemas'])) throw new Error('spec has no components.schemas')
  const schemas: Record<string, Json> = { ...components['schemas'] }
  // ClientError.code is an enum of generic codes only (`bad_request`, `not_found`, …), while the
  // same spec's response descriptions and Box's docs name specific codes (`item_name_in_use`,
  // `file_size_too_small`, `digest_mismatch`, …; protocol §5). The enum is incomplete, so only the
  // type of `code` is checked here; the tests assert the exact code separately.
  const clientError = schemas['ClientError']
  if (isObject(clientError) && isObject(clientError['properties']) && isObject(clientError['properties']['code'])) {
    const { enum: _dropped, ...code } = clientError['properties']['code']
    schemas['ClientError'] = { ...clientError, properties: { ...clientError['properties'], code } }
  }
  return { $id: SPEC_ID, components: { schemas } }
}

const makeAjv = (): Ajv => {
  const ajv = new Ajv({ strict: false, allErrors: true })
  const addFormats = addFormatsModule as unknown as (a: Ajv) => Ajv
  addFormats(ajv)
  // Box-specific formats the spec uses without defining them: accepted as plain strings.
  for (const f of ['digest', 'token', '<width>x<height>']) ajv.addFormat(f, true)
  ajv.addSchema(loadSpec() as object)
  return ajv
}

let shared: Ajv | undefined
const validators = new Map<SchemaName, ValidateFunction>()

/** The ajv validator of one component schema. */
export const validatorOf = (name: SchemaName): ValidateFunction => {
  const cached = validators.get(name)
  if (cached !== undefined) return cached
  shared ??= makeAjv()
  const v = shared.getSchema(`${SPEC_ID}#/components/schemas/${name}`)
  if (v === undefined) throw new Error(`no schema ${name}`)
  validators.set(name, v)
  return v
}

/** The validation errors of `value` against schema `name`, as text ('' when valid). */
export const schemaErrors = (name: SchemaName, value: unknown): string => {
  const v = validatorOf(name)
  return v(value) ? '' : JSON.stringify(v.errors, null, 1)
}

/** Fails the test when `value` does not validate against component schema `name`. */
export const assertSchema = (name: SchemaName, value: unknown): void => {
  const errors = schemaErrors(name, value)
  assert.is(errors, '', `body does not match ${name}: ${errors}\nbody: ${JSON.stringify(value)}`)
}
