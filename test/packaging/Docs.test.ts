import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import * as t from 'io-ts'
import * as library from '../../src/index.ts'
import type { UploadError } from '../../src/UploadError.ts'

/**
 * docs/style.md: one JSDoc line on every export. What a user hovers in an editor is the JSDoc of the declaration
 * a public entry re-exports, so each name the package's entries export must have one: directly above its
 * declaration (`//` lines between are the why of its code, which the JSDoc reads past), on any of its
 * declarations (a codec's const and its type share one name and one JSDoc).
 */
const root = resolve(import.meta.dirname, '../..')
const entries = ['src/index.ts', 'src/emulator/index.ts', 'src/emulator/node.ts']

const read = (file: string): string => readFileSync(file, 'utf8')

/** `export { a, type B } from './X.ts'` in a file: each name with the file it comes from. */
const reExports = (file: string): ReadonlyArray<readonly [string, string]> =>
  [...read(file).matchAll(/export (?:type )?\{([^}]*)\} from '(\.[^']+)'/g)].flatMap((m) =>
    m[1]!.split(',').map((n) => n.trim().replace(/^type /, '').split(' as ')[0]!.trim()).filter((n) => n !== '')
      .map((name) => [name, resolve(dirname(file), m[2]!)] as const))

/** Whether `name` is declared in `file` (or in the file it re-exports it from) under a JSDoc comment. */
const documented = (name: string, file: string): boolean => {
  const lines = read(file).split('\n')
  const declaration = new RegExp(`^export (?:const|let|type|interface|function|class) ${name}\\b`)
  const at = lines.flatMap((line, i) => (declaration.test(line) ? [i] : []))
  if (at.length === 0) {
    const from = reExports(file).find(([exported]) => exported === name)
    return from !== undefined && documented(name, from[1])
  }
  return at.some((i) => {
    let above = i - 1
    while (above >= 0 && lines[above]!.trim().startsWith('//')) above -= 1
    return (lines[above] ?? '').trim().endsWith('*/')
  })
}

const Docs = suite('package docs')

for (const entry of entries) {
  Docs(`should have a JSDoc comment on every export of ${entry}`, () => {
    const file = resolve(root, entry)
    const declared = [...read(file).matchAll(/^export (?:const|type|interface) (\w+)/gm)].map((m) => [m[1]!, file] as const)
    const names = [...reExports(file), ...declared]
    assert.ok(names.length > 0, 'no exports found: the pattern no longer reads the entry')
    assert.equal(names.filter(([name, from]) => !documented(name, from)).map(([name]) => name), [])
  })
}

/** The README's paragraph that starts with `start` (up to the blank line after it). */
const paragraph = (start: string): string => {
  const readme = read(resolve(root, 'README.md'))
  const at = readme.indexOf(start)
  assert.ok(at >= 0, `the README has no paragraph starting ${start}`)
  return readme.slice(at, readme.indexOf('\n\n', at))
}

/**
 * Every field of every error, by tag. Typed so that it must name each field of each tag and nothing else: a field
 * or tag added to the union fails to compile here until it is listed, and then this test until the README says it.
 */
const errorFields: { readonly [Tag in UploadError['_tag']]: { readonly [K in Exclude<keyof Extract<UploadError, { _tag: Tag }>, '_tag'>]-?: true } } = {
  HttpError: { status: true, method: true, url: true, code: true, message: true, requestId: true, contextInfo: true, retryAfterMs: true },
  DecodeError: { what: true, errors: true },
  NetworkError: { method: true, url: true, cause: true },
  SizeMismatch: { expected: true, actual: true, reason: true },
  DigestMismatch: { what: true, expected: true, actual: true },
  Aborted: { reason: true },
  UntrustedEndpoint: { origin: true },
  InvalidInput: { message: true },
  SourceError: { cause: true },
  HashError: { cause: true },
}

Docs('should name every field of every error tag in the README, after the tag', () => {
  const text = paragraph('**Errors**')
  const tags = Object.keys(errorFields) as ReadonlyArray<keyof typeof errorFields>
  const at = tags.map((tag) => [tag, text.indexOf(`\`${tag}\``)] as const).sort((a, b) => a[1] - b[1])
  const missing = at.flatMap(([tag, start], i) => {
    if (start < 0) return [tag]
    const own = text.slice(start, at[i + 1]?.[1] ?? text.length)
    return Object.keys(errorFields[tag]).filter((field) => !own.includes(`\`${field}\``)).map((field) => `${tag}.${field}`)
  })
  assert.equal(missing, [])
})

Docs('should name every io-ts codec the package exports in the README', () => {
  const codecs = Object.entries(library).filter(([, value]) => value instanceof t.Type).map(([name]) => name)
  assert.ok(codecs.includes('BoxFile') && codecs.includes('Session'), `codecs found: ${codecs.join(', ')}`)
  const text = paragraph('**Codecs.**')
  assert.equal(codecs.filter((name) => !text.includes(`\`${name}\``)), [])
})

Docs.run()
