/**
 * The package as a user gets it: `npm pack`, unpacked into a consumer's node_modules (inside this repository,
 * so that fp-ts, io-ts and cross-fetch resolve from ours), then a real upload to the packaged emulator through
 * the packaged client: ESM and CommonJS in Node, ESM in Deno and Bun. Catches a broken `exports` map, a dist
 * file that imports something not shipped, or a bundle that only works from the sources.
 */
import { build } from 'esbuild'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { installPacked, root } from './Pack.ts'

const consumer = resolve(import.meta.dirname, '.consumer')

/** One upload of 50,000 bytes in 16 KiB parts, checked byte for byte; prints one `ok` line. */
const smoke = (load: string, label: string): string => `${load}
const bytes = new Uint8Array(50_000).map((_, i) => (i * 7919) % 251)
const box = await serve({ port: 0, minFileSize: 1, partSize: 16 * 1024 })
try {
  const source = new ReadableStream({ start: (c) => { c.enqueue(bytes.slice(0, 30_000)); c.enqueue(bytes.slice(30_000)); c.close() } })
  const result = await upload(client({ token: 'dev-token', uploadUrl: box.url, apiUrl: box.apiUrl }))({ source, folderId: '0', fileName: 'smoke.bin', fileSize: bytes.length })()
  if (result._tag === 'Left') throw new Error(message(result.left))
  const stored = new Uint8Array(await (await fetch(box.apiUrl + '/files/' + result.right.id + '/content', { headers: { authorization: 'Bearer dev-token' } })).arrayBuffer())
  if (stored.length !== bytes.length || stored.some((b, i) => b !== bytes[i])) throw new Error('the committed bytes differ')
  console.log('[package] ok ${label} sha1=' + sha1Implementation)
} finally {
  await box.close()
}
`

const esm = `import { client, message, sha1Implementation, upload } from 'box-chunked-upload'
import { serve } from 'box-chunked-upload/emulator/node'
import { emulator } from 'box-chunked-upload/emulator'
if (typeof emulator !== 'function') throw new Error('box-chunked-upload/emulator has no emulator()')`
const cjs = `const { client, message, sha1Implementation, upload } = require('box-chunked-upload')
const { serve } = require('box-chunked-upload/emulator/node')
if (typeof require('box-chunked-upload/emulator').emulator !== 'function') throw new Error('no emulator()')`

/**
 * What a user's bundler makes of the package for a platform: the SHA-1 variants in the bundle, any module of
 * fp-ts's CommonJS build in it (bundlers ship those whole; the `browser` + `module` entry imports `fp-ts/es6`), and
 * the fetch fallback (cross-fetch, whose browser ponyfill is whatwg-fetch), named with how it is imported: a bundler
 * that splits chunks makes a dynamic import a lazy one.
 * Without `conditions`, esbuild's defaults for the browser platform: `browser`, `module`, `import`, `default` (any
 * given, even none, drop `module`: Wrangler gives its own, so a Worker's bundle gets no `module` condition).
 */
const bundled = async (conditions?: ReadonlyArray<string>): Promise<ReadonlyArray<string>> => {
  const result = await build({
    stdin: { contents: `export { upload, sha1Implementation } from 'box-chunked-upload'`, resolveDir: consumer, loader: 'js' },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    ...(conditions === undefined ? {} : { conditions: [...conditions] }),
    metafile: true,
    logLevel: 'error',
  })
  const text = result.outputFiles[0]?.text ?? ''
  const { inputs } = result.metafile
  const commonJs = Object.keys(inputs).filter((path) => path.includes('fp-ts/lib/')).map((path) => path.replace(/^.*fp-ts\/lib\//, 'fp-ts/lib/'))
  const fetchFallback = /node_modules\/(cross-fetch|whatwg-fetch)\//
  const imports = Object.values(inputs).flatMap((input) => input.imports).filter((imported) => fetchFallback.test(imported.path))
  const fallback = imports.length === 0 ? [] : [`cross-fetch (${[...new Set(imports.map((imported) => imported.kind))].join(', ')})`]
  return [...['node:crypto', 'subtle+digest-stream', 'subtle+hash-wasm'].filter((name) => text.includes(`"${name}`)), ...commonJs, ...fallback]
}

/**
 * The package's declarations as a TypeScript user gets them, ESM and CommonJS, under `module` node16 and
 * nodenext, without `skipLibCheck`: a `.d.cts` that re-exported ESM declarations failed under node16 (TS1479).
 * Also with Node's own types and no DOM lib (declarations naming DOM-only types, `BodyInit` or `RequestInfo`,
 * failed there), and emitting declarations of values typed by the package (a type it uses but does not export,
 * such as `chunker`'s, is TS2742 in the user's build).
 */
const typeCheck = (): void => {
  const use = (load: string) => `${load}
export const check = async (): Promise<string> => {
  const box = client({ token: 'dev-token', fetch: emulator({ minFileSize: 1 }).fetch })
  const failure: UploadError | undefined = undefined as UploadError | undefined
  const tag: string | undefined = failure?._tag
  return typeof upload(box) + typeof emulator + typeof serve + String(tag)
}
export const makeChunker = chunker
export const sessionChunker = (session: Session) => session.chunker
`
  const load = `import { chunker, client, upload, type Session, type UploadError } from 'box-chunked-upload'
import { emulator } from 'box-chunked-upload/emulator'
import { serve } from 'box-chunked-upload/emulator/node'`
  writeFileSync(join(consumer, 'types.mts'), use(load))
  writeFileSync(join(consumer, 'types.cts'), use(load))
  // Under exactOptionalPropertyTypes, an option typed \`x?: T\` refuses \`undefined\`: what a program forwards (an
  // env variable, an optional signal, a BoxFile's etag) must still be taken.
  writeFileSync(join(consumer, 'exact.mts'), `import { chunker, client, commit, createSession, defaultSha1, resume, upload, uploadVersion, type BoxFile, type FileHasher, type Session, type Sha1, type UploadPart } from 'box-chunked-upload'
import { emulator } from 'box-chunked-upload/emulator'
export const forwarded = (file: BoxFile, signal: AbortSignal | undefined, env: Record<string, string | undefined>, source: ReadableStream<Uint8Array>) => {
  const box = client({ token: 't', uploadUrl: env['BOX_UPLOAD_URL'], apiUrl: env['BOX_API_URL'], fetch: emulator({ minFileSize: env['MIN'] === undefined ? undefined : 1, faults: undefined }).fetch })
  const options = { signal, concurrency: env['C'] === undefined ? undefined : 2, onProgress: undefined, retry: undefined }
  return [
    uploadVersion(box)({ source, fileId: file.id, fileSize: file.size, ifMatch: file.etag, fileName: env['NAME'] }, options),
    upload(box)({ source, folderId: '0', fileName: 'a', fileSize: 1 }, options),
    resume(box)({ session: 'S', source, fileSize: undefined, ifMatch: undefined }, options),
    createSession(box)({ folderId: '0', fileName: 'a', fileSize: 1, signal }),
  ]
}
// Commit attributes a program has or not (a description from an env variable, an Option made undefined).
export const attributes = (box: ReturnType<typeof client>, session: Session, parts: ReadonlyArray<UploadPart>, source: ReadableStream<Uint8Array>, env: Record<string, string | undefined>, modified: Date | undefined) => [
  upload(box)({ source, folderId: '0', fileName: 'a', fileSize: 1 }, { attributes: { description: env['DESCRIPTION'], content_modified_at: modified, content_created_at: env['CREATED'] } }),
  commit(box, session)({ parts, digest: 'x', attributes: { description: env['DESCRIPTION'] } }),
]
// A SHA-1 of one's own for the chunker, its optional members forwarded (shared parts turned off, no abandon).
export const hashing = (env: Record<string, string | undefined>, abandon: (() => void) | undefined) => {
  const shared = env['SHARED'] === undefined ? undefined : defaultSha1.shared && { ...defaultSha1.shared, pool: undefined, copy: undefined, warm: undefined }
  const sha1: Sha1 = { ...defaultSha1, shared, file: (): FileHasher => ({ ...defaultSha1.file(), abandon }) }
  return chunker({ partSize: 1024, fileSize: 1, sha1 })
}
`)
  // Values a user's pipeline infers from the package: their emitted declarations (and hovers) must name BoxFile and
  // UploadPart, as its signatures do, not spell out every field of the codec's type.
  writeFileSync(join(consumer, 'names.mts'), `import { client, fromJSON, listParts, resume, revive, upload, uploadVersion, type Session, type StoredSession } from 'box-chunked-upload'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { pipe } from 'fp-ts/lib/function.js'
const box = client({ token: 't' })
export const newVersion = (source: ReadableStream<Uint8Array>) => pipe(
  upload(box)({ source, folderId: '0', fileName: 'a', fileSize: 1 }),
  TE.flatMap((file) => uploadVersion(box)({ source, fileId: file.id, fileSize: file.size, ifMatch: file.etag ?? null })),
)
export const laterParts = (session: Session) => pipe(listParts(box)(session), TE.map((parts) => parts.filter((part) => part.offset > 0)))
// A stored session (README): as JSON.parse reads it, kept typed StoredSession, or typed unknown and checked by fromJSON.
export const resumed = (text: string, kept: StoredSession, value: unknown, source: ReadableStream<Uint8Array>) => [
  resume(box)({ session: JSON.parse(text), source }),
  resume(box)({ session: kept, source }),
  resume(box)({ session: revive(kept), source }),
  pipe(TE.fromEither(fromJSON(value)), TE.flatMap((session) => resume(box)({ session, source }))),
]
`)
  const configs = [
    { name: 'module node16', module: 'node16', lib: ['es2022', 'dom'] },
    { name: 'module nodenext', module: 'nodenext', lib: ['es2022', 'dom'] },
    { name: "module nodenext, Node's types without the DOM lib", module: 'nodenext', lib: ['es2022'] },
    { name: 'module nodenext, exactOptionalPropertyTypes', module: 'nodenext', lib: ['es2022', 'dom'], exact: true },
  ]
  configs.forEach(({ name, module, lib, exact = false }, i) => {
    const compilerOptions = { strict: true, module, moduleResolution: module, target: 'es2022', lib, types: ['node'], skipLibCheck: false, declaration: true, emitDeclarationOnly: true, outDir: `declarations-${i}`, exactOptionalPropertyTypes: exact, noUncheckedIndexedAccess: exact }
    writeFileSync(join(consumer, `tsconfig.${i}.json`), JSON.stringify({ compilerOptions, files: ['types.mts', 'types.cts', 'names.mts', ...(exact ? ['exact.mts'] : [])] }))
    run(process.execPath, [resolve(root, 'node_modules/typescript/bin/tsc'), '-p', `tsconfig.${i}.json`])
    const names = readFileSync(join(consumer, `declarations-${i}`, 'names.d.mts'), 'utf8')
    if (!/TaskEither<[^<>]*UploadFailure, [^<>]*BoxFile>/.test(names) || !/TaskEither<[^<>]*UploadError, [^<>]*UploadPart\[\]>/.test(names) || /content_modified_at|part_id/.test(names)) {
      throw new Error(`a user's declarations spell out the package's types instead of naming them (${name}):\n${names}`)
    }
    console.log(`[package] ok types (ESM and CommonJS, ${name}, no skipLibCheck, declarations emitted)`)
  })
}

const run = (command: string, args: ReadonlyArray<string>, cwd = consumer): string =>
  execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })

const bun = resolve(root, 'node_modules/.bin/bun')

/**
 * `bun build --target=bun` of the Bun smoke (README, Bun), run by Bun from a folder with no node_modules: the bundle
 * must carry all it needs, the SHA-1 worker threads' code included, and still hash with `node:crypto` on them.
 */
const bunBuilt = (): string => {
  const away = mkdtempSync(join(tmpdir(), 'box-bun-build-'))
  try {
    run(bun, ['build', '--target=bun', 'bun-build.mjs', `--outfile=${join(away, 'app.js')}`])
    return run(bun, ['run', 'app.js'], away)
  } finally {
    rmSync(away, { recursive: true, force: true })
  }
}

rmSync(consumer, { recursive: true, force: true })
try {
  installPacked(consumer)
  // The source maps carry the TypeScript sources (README, With a bundler): a debugger, or a bundler's map that follows them, reaches src/.
  for (const file of ['index.js', 'index.cjs', 'index.browser.js', 'index.workerd.js']) {
    const map = JSON.parse(readFileSync(join(consumer, 'node_modules/box-chunked-upload/dist', `${file}.map`), 'utf8')) as { sources: ReadonlyArray<string>; sourcesContent?: ReadonlyArray<string | null> }
    if (typeof map.sourcesContent?.[map.sources.indexOf('../src/Upload.ts')] !== 'string') throw new Error(`dist/${file}.map does not carry the TypeScript sources`)
  }
  console.log('[package] ok source maps carry the TypeScript sources')
  writeFileSync(join(consumer, 'smoke.mjs'), smoke(esm, 'node esm'))
  writeFileSync(join(consumer, 'smoke.cjs'), `(async () => {\n${smoke(cjs, 'node cjs')}\n})().catch((e) => { console.error(e); process.exit(1) })\n`)
  writeFileSync(join(consumer, 'deno.mjs'), smoke(esm, 'deno esm'))
  writeFileSync(join(consumer, 'bun.mjs'), smoke(esm, 'bun esm'))
  writeFileSync(join(consumer, 'bun-build.mjs'), smoke(esm, 'bun build, run from another folder'))
  const lines = [
    run(process.execPath, ['smoke.mjs']),
    run(process.execPath, ['smoke.cjs']),
    // Node with the `browser` condition, as a test runner under jsdom may load the package (Vitest's
    // resolve.conditions, Jest): it must not reach dist/index.browser.js, whose fp-ts/es6 Node cannot load.
    run(process.execPath, ['--conditions=browser', 'smoke.mjs']).replace('node esm', 'node esm --conditions=browser'),
    run(resolve(root, 'node_modules/.bin/deno'), ['run', '--no-prompt', '--no-lock', '--allow-net=127.0.0.1', '--allow-env', `--allow-read=${root}`, 'deno.mjs']),
    run(bun, ['run', 'bun.mjs']),
    bunBuilt(),
  ]
  process.stdout.write(lines.join(''))
  typeCheck()
  // Node, Deno and Bun: node:crypto (through the package's own `exports["./sha1"]` conditions).
  if (lines.some((line) => !/\[package\] ok .* sha1=\S*node:crypto/.test(line))) throw new Error('a consumer run failed or did not get the node:crypto SHA-1')
  if (!lines.some((line) => line.includes('bun build, run from another folder sha1=node:crypto+worker'))) throw new Error("Bun's bundle, run from another folder, did not hash on the node:crypto worker threads")
  // The installed package's bin: no sources, no tsx of its own in the package, so it must run dist/cli.js.
  writeFileSync(join(consumer, 'sample.bin'), new Uint8Array(300_000).map((_, i) => (i * 31) % 256))
  const bin = join(consumer, 'node_modules/box-chunked-upload/bin/box-upload.mjs')
  const cli = JSON.parse(run(process.execPath, [bin, 'sample.bin', '--min-file-size', '1', '--part-size', '64KiB', '--json'])) as { ok?: boolean; verified?: boolean; size?: number }
  if (cli.ok !== true || cli.verified !== true || cli.size !== 300_000) throw new Error(`the packaged box-upload did not upload and verify: ${JSON.stringify(cli)}`)
  console.log('[package] ok box-upload bin (dist/cli.js) uploaded and verified 300000 bytes')
  // Its version is package.json's, bundled into dist/cli.js.
  const version = run(process.execPath, [bin, '--version'])
  const expected = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version
  if (version !== `box-upload ${expected}\n`) throw new Error(`the packaged box-upload --version printed ${JSON.stringify(version)}`)
  const browser = await bundled()
  // Wrangler's own esbuild options (wrangler 4.164 `bundleWorker`): these conditions, no `platform` (so esbuild's
  // browser defaults, `mainFields` browser, module, main: io-ts's ES build, importing fp-ts/es6), and no `module`
  // condition. The package's `workerd` entry keeps fp-ts/lib out; without it, the Worker held both fp-ts builds. It
  // also has no cross-fetch (workerd always has fetch), which Wrangler, splitting no chunks, put into every Worker;
  // browsers keep it, behind the dynamic import that a bundler splitting chunks loads only where fetch is missing.
  const workerd = await bundled(['workerd', 'worker', 'browser'])
  console.log(`[package] bundled for browsers: ${browser.join(', ')}; for workerd (as Wrangler): ${workerd.join(', ')}`)
  if (browser.join() !== 'subtle+hash-wasm,cross-fetch (dynamic-import)' || workerd.join() !== 'subtle+digest-stream') {
    throw new Error('a bundler does not get the intended SHA-1, gets fp-ts/lib (CommonJS) for browsers or Workers, gets cross-fetch for Workers, or gets it other than lazily for browsers, from the package conditions')
  }
} finally {
  rmSync(consumer, { recursive: true, force: true })
}
