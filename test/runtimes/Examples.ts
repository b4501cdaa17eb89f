/**
 * Runs the README's examples (between `<!-- runtimes:start -->` and `<!-- runtimes:end -->`, each fenced block
 * after an `<!-- example: KIND -->` line) in their runtime, against a fresh emulator, and checks that the file
 * Box committed has the bytes of the file given. They use the package as npm would install it (built, packed,
 * unpacked into a node_modules), so its `exports` conditions are exercised by each real runtime and bundler.
 * The only change made to an example: `box-chunked-upload` resolves to a module that re-exports the package
 * with `client()` pointed at the emulator.
 */
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { basename, join, resolve } from 'node:path'
import { serve, type Served } from '../../src/emulator/node.ts'
import { installPacked } from '../packaging/Pack.ts'
import { bundleExample, root } from './Bundle.ts'
import { chromium, type Browser } from './Browsers.ts'
import { bun, deno, denoRun, exec, inBrowser, inWorkerd, type Echo, type Run } from './Hosts.ts'
import { viteBuild } from './ViteBuild.ts'

export type ExampleKind = 'node' | 'deno' | 'bun' | 'browser' | 'worker'

const token = 'dev-token'
const fileSize = 100_000 + 123
const exampleTimeoutMs = 60_000

/** The README's examples by kind. */
export const readmeExamples = (): ReadonlyMap<string, string> => {
  const readme = readFileSync(resolve(root, 'README.md'), 'utf8')
  const section = readme.slice(readme.indexOf('<!-- runtimes:start -->'), readme.indexOf('<!-- runtimes:end -->'))
  return new Map([...section.matchAll(/<!-- example: (\w+) -->\s*```\w*\n([\s\S]*?)\n```/g)].map((m) => [m[1]!, m[2]!] as const))
}

/** Inside the repository (git-ignored), so that the package's dependencies resolve from ours. */
const scratch = resolve(root, 'test/runtimes/.examples')

let installed: string | undefined
/** Builds, packs and installs the package into the scratch folder's node_modules, once per process. */
const installPackage = (): void => {
  if (installed !== undefined) return
  execFileSync(process.execPath, ['build.mjs'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] })
  installed = installPacked(scratch)
}

/** Removes the installed package and anything an interrupted example left. */
export const cleanExamples = (): void => {
  rmSync(scratch, { recursive: true, force: true })
  installed = undefined
}

/** `box-chunked-upload` for the examples: the installed package, with `client()` talking to the emulator. */
const library = (emulator: Served): string => `import { client as boxClient } from 'box-chunked-upload'
export * from 'box-chunked-upload'
export const client = (options) => boxClient({ ...options, uploadUrl: ${JSON.stringify(emulator.url)}, apiUrl: ${JSON.stringify(emulator.apiUrl)} })
`

const importing = (code: string, path: string): string => code.replace(/(['"])(?:npm:)?box-chunked-upload\1/g, JSON.stringify(path))

interface Setup {
  readonly code: string
  readonly dir: string
  readonly fixture: string
  readonly library: string
  readonly bytes: Uint8Array<ArrayBuffer>
}

/**
 * Where an example runs, when its kind leaves a choice: which Node binary, which browser (Chromium unless said),
 * and for a browser which bundler makes the page (esbuild through Bundle.ts unless said, or a `vite build`).
 */
export interface Host {
  readonly node?: string
  readonly browser?: Browser
  readonly bundler?: 'esbuild' | 'vite'
}

/** How each kind runs its example. */
const runners: Readonly<Record<ExampleKind, (setup: Setup, echo: Echo, host: Host) => Promise<Run>>> = {
  node: ({ code, dir, fixture, library }, echo, { node = process.execPath }) => {
    const file = join(dir, 'upload.mjs')
    writeFileSync(file, importing(code, library))
    return exec(node, [file, fixture], echo, { BOX_TOKEN: token })
  },
  deno: ({ code, dir, fixture, library }, echo) => {
    const file = join(dir, 'upload.ts')
    writeFileSync(file, importing(code, library))
    return exec(deno, [...denoRun(dir), file, fixture], echo, { BOX_TOKEN: token })
  },
  bun: ({ code, dir, fixture, library }, echo) => {
    const file = join(dir, 'upload.ts')
    writeFileSync(file, importing(code, library))
    return exec(bun, ['run', file, fixture], echo, { BOX_TOKEN: token })
  },
  browser: async ({ code, dir, fixture, library }, echo, { browser = chromium, bundler = 'esbuild' }) => {
    const script = code.match(/<script type="module">([\s\S]*?)<\/script>/)?.[1]
    if (script === undefined) throw new Error('the browser example has no <script type="module">')
    const html = code.replace(/<script type="module">[\s\S]*?<\/script>/, '<script type="module" src="./example.js"></script>')
    const page = bundler === 'vite'
      ? await viteBuild(dir, html, importing(script, `./${basename(library)}`))
      : { html, assets: { '/example.js': { type: 'text/javascript', body: await bundleExample(script, library, ['browser']) } }, problems: [] }
    if (page.problems.length > 0) return { output: page.problems.join('\n'), exitCode: 1 }
    if ('gzipped' in page) echo(`\n[runtimes] vite build: ${page.gzipped} bytes of JavaScript gzipped loaded by the page\n`)
    return inBrowser(browser, {
      html: page.html,
      assets: { ...page.assets, '/box-token': { type: 'text/plain', body: token } },
      // The tab has loaded, so the example's module has run and its listener is there.
      act: (tab) => tab.pickFile('#file', fixture),
      until: (output) => /as file \S+/.test(output),
      timeoutMs: exampleTimeoutMs,
    }, echo)
  },
  worker: async ({ code, library, bytes }, echo) =>
    inWorkerd({
      script: await bundleExample(code, library, ['workerd', 'worker', 'browser']),
      bindings: { BOX_TOKEN: token, BOX_FOLDER_ID: '0' },
      request: () => [`http://localhost/example%20worker.bin`, { method: 'PUT', body: bytes, headers: { 'content-length': String(bytes.length) } }],
    }, echo),
}

/** The id of the committed file, from what the example printed (a line or the Worker's JSON answer). */
const fileId = (output: string): string | undefined => output.match(/as file (\S+)/)?.[1] ?? output.match(/"id":"([^"]+)","type":"file"/)?.[1] ?? output.match(/"type":"file","id":"([^"]+)"/)?.[1]

/** Runs the README example of `kind`; resolves to its problems (none when the committed bytes equal the file). */
export const runExample = async (kind: ExampleKind, echo: Echo, host: Host = {}): Promise<ReadonlyArray<string>> => {
  const code = readmeExamples().get(kind)
  if (code === undefined) return [`README has no "<!-- example: ${kind} -->" block`]
  installPackage()
  const emulator = await serve({ port: 0, minFileSize: 1, partSize: 16 * 1024, tokens: [token] })
  const dir = mkdtempSync(join(scratch, `${kind}-`))
  try {
    const bytes = Uint8Array.from(randomBytes(fileSize))
    const fixture = join(dir, `example ${kind}.bin`)
    writeFileSync(fixture, bytes)
    const wrapper = join(dir, 'box-chunked-upload.mjs')
    writeFileSync(wrapper, library(emulator))
    const run = await runners[kind]({ code, dir, fixture, library: wrapper, bytes }, echo, host)
    const id = fileId(run.output)
    if (run.exitCode !== 0 || id === undefined) return [`README example "${kind}" failed (exit ${run.exitCode}): ${run.output.slice(-400)}`]
    const response = await fetch(`${emulator.apiUrl}/files/${id}/content`, { headers: { authorization: `Bearer ${token}` } })
    const stored = new Uint8Array(await response.arrayBuffer())
    const same = response.ok && stored.length === bytes.length && stored.every((byte, i) => byte === bytes[i])
    return same ? [] : [`README example "${kind}": file ${id} does not hold the bytes uploaded (status ${response.status}, ${stored.length} bytes)`]
  } finally {
    await emulator.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
