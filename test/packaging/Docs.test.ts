import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'

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

Docs.run()
