// Builds dist/: one ESM and one CJS bundle per public entry (esbuild), plus type declarations (tsc).
// Runtime dependencies stay external so users dedupe fp-ts/io-ts with their own copies.
import { build } from 'esbuild'
import { execFileSync } from 'node:child_process'
import { readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'))
const external = [...Object.keys(pkg.dependencies ?? {}), 'node:*']

/** Public entry points: source file -> dist path without extension. */
export const entries = {
  'src/index.ts': 'index',
  'src/emulator/index.ts': 'emulator/index',
  'src/emulator/node.ts': 'emulator/node',
  // The SHA-1 variants, one per runtime; package.json `exports["./sha1"]` routes by condition.
  'src/sha1/node.ts': 'sha1/node',
  'src/sha1/subtle.node.ts': 'sha1/subtle.node',
  'src/sha1/digestStream.ts': 'sha1/workerd',
  'src/sha1/hashWasm.ts': 'sha1/browser',
  'src/sha1/default.ts': 'sha1/default',
  // How a part's bytes become a request body; `exports["./part-body"]` routes by condition.
  'src/body/stream.ts': 'part-body/node',
  'src/body/bytes.ts': 'part-body/default',
}

/**
 * In source, `#sha1` and `#partBody` (package.json `imports`) pick a variant by condition. A bundle
 * made here would freeze one choice, so the dist bundles import `box-chunked-upload/sha1` and
 * `box-chunked-upload/part-body` instead: the package resolving itself, routed at the user's side by
 * the same conditions (`exports["./sha1"]`, `exports["./part-body"]`).
 */
const routes = { '#sha1': 'sha1', '#partBody': 'part-body' }
const route = {
  name: 'condition-route',
  setup: (b) => b.onResolve({ filter: /^#(sha1|partBody)$/ }, (args) => ({ path: `${pkg.name}/${routes[args.path]}`, external: true })),
}

/**
 * For bundlers building for browsers (`exports["."].import.browser.module`) or Workers (`exports["."].import.workerd`:
 * Wrangler's esbuild gets `workerd`, `worker`, `browser` and no `module`): the same ESM bundle with fp-ts from
 * its ES module build, `fp-ts/es6/*`, which bundlers tree-shake and which io-ts's own ES build (its `module` field)
 * imports too. `fp-ts/lib/*`, what Node's ESM needs (fp-ts has no `exports` map), is CommonJS: every bundler ships
 * each of its modules whole, beside io-ts's es6 copies (about 15 KB gzipped of a 41 KB upload app). Node cannot
 * load fp-ts/es6, hence `module` (set by Vite, webpack, Rollup's node-resolve and esbuild, not by Node) under
 * `browser`: a test runner that loads the package in Node with the `browser` condition alone (Vitest's
 * `resolve.conditions: ['browser']` under jsdom, Jest, `node --conditions=browser`) gets dist/index.js.
 */
const fpTsEs6 = {
  name: 'fp-ts-es6',
  setup: (b) => b.onResolve({ filter: /^fp-ts\/lib\// }, (args) => ({ path: args.path.replace(/^fp-ts\/lib\//, 'fp-ts/es6/'), external: true })),
}

/**
 * For Workers only (`exports["."].import.workerd`): `defaultFetch` (src/Client.ts) falls back to `import('cross-fetch')`
 * where a runtime has no global fetch. workerd always has one, but its bundler cannot know it: Wrangler's esbuild
 * inlines the dynamic import (it splits no chunks), and cross-fetch's browser ponyfill, whatwg-fetch, went into every
 * Worker (22.8 of the README's Worker's 133.9 KiB, 4.9 KiB gzipped, as Wrangler 4.164 counts). Here `cross-fetch` is a
 * stand-in that only says why there is no fetch. Browsers keep the fallback (an old browser may lack fetch; their
 * bundlers make it a lazy chunk), and the sources stay as they are, so every other build is the same as before.
 */
const noFetchFallback = {
  name: 'no-fetch-fallback',
  setup: (b) => {
    b.onResolve({ filter: /^cross-fetch$/ }, () => ({ path: 'cross-fetch', namespace: 'no-fetch-fallback' }))
    b.onLoad({ filter: /^/, namespace: 'no-fetch-fallback' }, () => ({
      contents: `export default () => Promise.reject(new TypeError(${JSON.stringify("no global fetch, and the package's workerd build has no cross-fetch: give client() a fetch")}))`,
      loader: 'js',
    }))
  },
}
/** The ESM builds of src/index.ts for bundlers (dist path without extension -> its plugins). */
const bundlerBuilds = { 'index.browser': [fpTsEs6, route], 'index.workerd': [noFetchFallback, fpTsEs6, route] }

rmSync('dist', { recursive: true, force: true })

const common = (source) => ({
  entryPoints: [source], bundle: true, platform: source.endsWith('node.ts') ? 'node' : 'neutral', target: 'es2022', external,
  sourcemap: true, logLevel: 'warning', mainFields: ['module', 'main'], plugins: [route],
})
for (const [source, out] of Object.entries(entries)) {
  await build({ ...common(source), format: 'esm', outfile: `dist/${out}.js` })
  await build({ ...common(source), format: 'cjs', outfile: `dist/${out}.cjs` })
}
for (const [out, plugins] of Object.entries(bundlerBuilds)) await build({ ...common('src/index.ts'), format: 'esm', outfile: `dist/${out}.js`, plugins })

// The `box-upload` command for installed packages (bin/box-upload.mjs runs it when the sources are absent):
// one Node ESM bundle of the CLI, the library and the emulator, with the same condition routes.
await build({
  entryPoints: ['src/cli/main.ts'], bundle: true, platform: 'node', target: 'node20', format: 'esm', external,
  outfile: 'dist/cli.js', sourcemap: true, logLevel: 'warning', plugins: [route],
})

// Declarations mirror src/ under dist/types; each entry gets a .d.ts and .d.cts that re-export it.
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' })
// Sources import with `.ts` extensions (so Deno runs them as they are); declarations must say `.js`.
// A CommonJS mirror (`.d.cts` importing `.cjs`) for `require` consumers: under `module: Node16`, a
// `.d.cts` that re-exports ESM declarations is an error (TS1479) unless `skipLibCheck` hides it.
const relative = /(from\s+|import\()(['"])(\.{1,2}\/[^'"]*)\.ts\2/g
for (const file of readdirSync('dist/types', { recursive: true })) {
  if (!String(file).endsWith('.d.ts')) continue
  const path = `dist/types/${file}`
  const text = readFileSync(path, 'utf8')
  writeFileSync(path, text.replace(relative, '$1$2$3.js$2'))
  mkdirSync(dirname(`dist/types-cjs/${file}`), { recursive: true })
  writeFileSync(`dist/types-cjs/${String(file).replace(/\.d\.ts$/, '.d.cts')}`, text.replace(relative, '$1$2$3.cjs$2'))
}
for (const [source, out] of Object.entries(entries)) {
  const target = (dir, ext) => './' + source.replace(/^src\//, `${dir}/`).replace(/\.ts$/, ext)
  const depth = out.split('/').length - 1
  const rel = (path) => (depth === 0 ? path : '../'.repeat(depth) + path.slice(2))
  mkdirSync(dirname(`dist/${out}`), { recursive: true })
  writeFileSync(`dist/${out}.d.ts`, `export * from '${rel(target('types', '.js'))}'\n`)
  writeFileSync(`dist/${out}.d.cts`, `export * from '${rel(target('types-cjs', '.cjs'))}'\n`)
}
// On stderr: `npm pack --json` runs this (prepack), and its stdout must stay JSON.
console.error('built dist/')
