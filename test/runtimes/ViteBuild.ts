/**
 * The README's browser example as a web developer ships it: a production `vite build` of its page, with the
 * package resolved by Vite itself (its `browser` and `import` conditions, its own pre-bundling rules, Rollup's
 * tree-shaking), not by the esbuild call of Bundle.ts. What Vite warns about fails the example: a `node:` module
 * reaching the browser graph is only a warning there ("externalized for browser compatibility"). So does fp-ts's
 * CommonJS build in the bundle (its modules whole, not tree-shaken), found through Vite's source map.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import type { Asset } from './Control.ts'

export interface Built {
  /** The built page's content after its `<head>` (Vite's `<script>` tags moved into the body). */
  readonly html: string
  /** Every file Vite wrote, by its path on the page's origin. */
  readonly assets: Readonly<Record<string, Asset>>
  /** What Vite warned about, and anything in the JavaScript that must not reach a browser. */
  readonly problems: ReadonlyArray<string>
  /** The gzipped size of the JavaScript the page loads at start (lazy chunks left out). */
  readonly gzipped: number
}

const types: Readonly<Record<string, string>> = { js: 'text/javascript', map: 'application/json', html: 'text/html', wasm: 'application/wasm' }

/** Builds `html` (whose module script is `./example.js`) and `script` in `dir` with Vite; `dir` must resolve `box-chunked-upload`. */
export const viteBuild = async (dir: string, html: string, script: string): Promise<Built> => {
  const { build, createLogger } = await import('vite')
  writeFileSync(join(dir, 'index.html'), html)
  writeFileSync(join(dir, 'example.js'), script)
  const problems: Array<string> = []
  const logger = createLogger('warn')
  const customLogger = { ...logger, warn: (text: string) => void problems.push(`vite warned: ${text}`), warnOnce: (text: string) => void problems.push(`vite warned: ${text}`) }
  const outDir = join(dir, 'dist')
  await build({ root: dir, configFile: false, logLevel: 'warn', customLogger, cacheDir: join(dir, '.vite'), build: { outDir, sourcemap: true } })
  const files = readdirSync(outDir, { recursive: true }).map(String).filter((file) => !file.endsWith('/') && file.includes('.'))
  const assets = Object.fromEntries(files.map((file) => [`/${file}`, { type: types[file.split('.').pop() ?? ''] ?? 'application/octet-stream', body: readFileSync(join(outDir, file)) }] as const))
  const page = readFileSync(join(outDir, 'index.html'), 'utf8')
  const loaded = [...page.matchAll(/<script type="module" crossorigin src="([^"]+)"><\/script>/g)].map((m) => m[1]!)
  if (loaded.length === 0) problems.push(`Vite's page loads no module script: ${page}`)
  const code = loaded.map((src) => String(assets[src]?.body ?? ''))
  for (const [pattern, what] of [[/node:[a-z_]+/, 'a node: module'], [/worker_threads/, 'worker_threads']] as const) {
    const found = code.join('\n').match(pattern)
    if (found !== null) problems.push(`the browser bundle holds ${what} (${found[0]})`)
  }
  if (!code.join('\n').includes('subtle+hash-wasm')) problems.push('the browser bundle has not the browser SHA-1 (subtle+hash-wasm)')
  // fp-ts's CommonJS build cannot be tree-shaken: each of its modules would ship whole (build.mjs, fpTsEs6).
  const sources = loaded.flatMap((src) => (JSON.parse(String(assets[`${src}.map`]?.body ?? '{"sources":[]}')) as { sources: ReadonlyArray<string> }).sources)
  const commonJs = sources.filter((source) => source.includes('/fp-ts/lib/')).map((source) => source.replace(/^.*\/fp-ts\//, 'fp-ts/'))
  if (commonJs.length > 0) problems.push(`the browser bundle holds fp-ts's CommonJS build, which no bundler tree-shakes: ${commonJs.join(', ')}`)
  const body = page.replace(/<script type="module" crossorigin src="[^"]+"><\/script>/g, '').replace(/^[\s\S]*<body>|<\/body>[\s\S]*$/g, '')
  return {
    html: `${body}\n${loaded.map((src) => `<script type="module" src="${src}"></script>`).join('\n')}`,
    assets,
    problems,
    gzipped: code.reduce((sum, text) => sum + gzipSync(text, { level: 9 }).length, 0),
  }
}
