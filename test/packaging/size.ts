/**
 * `npm run size`: minified + gzipped size of the core upload path as a browser app ships it: an esbuild bundle
 * of `client`, `upload`, `uploadVersion`, `resume` and `message` from src/index.ts with the `browser`
 * condition, tree-shaken, the emulator excluded. Our own code is measured with the third-party code left
 * out (fp-ts, io-ts, cross-fetch: runtime dependencies; hash-wasm: bundled into the browser hasher), and each
 * addition is printed apart. fp-ts comes from its ES module build, as the package's `browser` entry imports it
 * (build.mjs), not from the CommonJS `fp-ts/lib` the sources import. Fails when our own code is above the 12 KB budget.
 */
import { build, type Metafile, type Plugin } from 'esbuild'
import { resolve } from 'node:path'
import { gzipSync } from 'node:zlib'

const root = resolve(import.meta.dirname, '../..')
const budget = 12 * 1024
const dependencies = ['fp-ts', 'io-ts', 'cross-fetch']
const browserHasher = ['hash-wasm']
const names = ['client', 'upload', 'uploadVersion', 'resume', 'message']
const entry = `import { ${names.join(', ')} } from './src/index.ts'\nexport { ${names.join(', ')} }\n`

interface Measured {
  readonly min: number
  readonly gz: number
  readonly metafile: Metafile
}

/** `fp-ts/lib/X.js` as `fp-ts/es6/X.js`, what dist/index.browser.js imports. */
const fpTsEs6: Plugin = {
  name: 'fp-ts-es6',
  setup: (b) => b.onResolve({ filter: /^fp-ts\/lib\// }, (args) => b.resolve(args.path.replace(/^fp-ts\/lib\//, 'fp-ts/es6/'), { kind: args.kind, resolveDir: args.resolveDir })),
}

/** Minified, gzipped size of the entry with `external` packages left out. */
const measure = async (external: ReadonlyArray<string>): Promise<Measured> => {
  const result = await build({
    plugins: external.includes('fp-ts') ? [] : [fpTsEs6],
    // A JavaScript entry: there, importing a name src/index.ts lacks is an error (in TypeScript it could be a type).
    stdin: { contents: entry, resolveDir: root, loader: 'js', sourcefile: 'size-entry.js' },
    bundle: true,
    write: false,
    minify: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['browser'],
    target: 'es2022',
    metafile: true,
    external: external.flatMap((name) => [name, `${name}/*`]),
    logLevel: 'error',
  })
  const [output] = result.outputFiles
  if (output === undefined) throw new Error('esbuild produced no output')
  return { min: output.contents.length, gz: gzipSync(output.contents, { level: 9 }).length, metafile: result.metafile }
}

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`

const own = await measure([...dependencies, ...browserHasher])
const withHasher = await measure(dependencies)
const whole = await measure([])
const emulator = Object.keys(whole.metafile.inputs).filter((path) => path.includes('src/emulator/'))
if (emulator.length > 0) throw new Error(`the emulator is in the core bundle: ${emulator.join(', ')}`)

console.log(`core upload path (${names.join(', ')}), browser build, minified + gzipped:`)
console.log(`  our code               ${kb(own.gz).padStart(8)}  (${kb(own.min)} minified), budget ${kb(budget)}`)
console.log(`  + hash-wasm (browser)  ${kb(withHasher.gz - own.gz).padStart(8)}`)
console.log(`  + fp-ts, io-ts, cross-fetch ${kb(whole.gz - withHasher.gz).padStart(3)}`)
console.log(`  = all shipped          ${kb(whole.gz).padStart(8)}`)
console.log('  for comparison: AWS lib-storage 26.8 KB, Box TypeScript SDK chunked upload 26 KB, tus-js-client 16.2 KB')
if (own.gz > budget) {
  console.log(`size: our code ${kb(own.gz)} is over the ${kb(budget)} budget`)
  process.exitCode = 1
}
