import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'

/**
 * Sources pick runtime variants through package.json `imports` (`#sha1`, `#partBody`); the published bundles
 * import the package itself instead (`box-chunked-upload/sha1`, …), routed by `exports`. The two maps must
 * send every condition to the same variant, or the package behaves differently from the tests.
 */
const root = resolve(import.meta.dirname, '../..')
const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as {
  readonly imports: Record<string, Record<string, string>>
  readonly exports: Record<string, { readonly import: Record<string, string>; readonly require: Record<string, string> }>
  readonly typesVersions: { readonly '*': Record<string, ReadonlyArray<string>> }
}
const build = readFileSync(resolve(root, 'build.mjs'), 'utf8')
/** build.mjs `entries`: source file -> dist path without extension. */
const entries = new Map([...build.matchAll(/'(src\/[^']+\.ts)':\s*'([^']+)'/g)].map((m) => [m[1]!, m[2]!] as const))
/** build.mjs `routes`: `#name` -> export subpath. */
const routes = new Map([...build.matchAll(/'(#\w+)':\s*'([\w-]+)'/g)].map((m) => [m[1]!, m[2]!] as const))

const Routes = suite('package routes')

Routes('should route every #import in dist through an export of the package', () => {
  assert.equal([...routes.keys()].sort(), Object.keys(pkg.imports).sort())
})

for (const [name, conditions] of Object.entries(pkg.imports)) {
  Routes(`should send each condition of ${name} to the dist build of the same source`, () => {
    const subpath = routes.get(name)
    assert.ok(subpath !== undefined, `build.mjs has no route for ${name}`)
    const exported = pkg.exports[`./${subpath}`]
    assert.ok(exported !== undefined, `package.json exports has no ./${subpath}`)
    assert.ok(pkg.typesVersions['*'][subpath] !== undefined, `typesVersions has no ${subpath} (node10 resolution)`)
    for (const [condition, source] of Object.entries(conditions)) {
      if (condition === 'types') continue
      const out = entries.get(source.replace(/^\.\//, ''))
      assert.ok(out !== undefined, `${source} (${name} ${condition}) is not built by build.mjs`)
      assert.is(exported.import[condition], `./dist/${out}.js`, `${name} ${condition} (import)`)
      assert.is(exported.require[condition], `./dist/${out}.cjs`, `${name} ${condition} (require)`)
    }
    const extra = Object.keys(exported.import).filter((condition) => conditions[condition] === undefined)
    assert.equal(extra, [], `./${subpath} has conditions ${name} lacks`)
  })
}

Routes.run()
