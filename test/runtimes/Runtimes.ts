/**
 * The runtimes: how each runs the portable test files, which SHA-1 implementation it must report, and
 * which README example it runs. Processes (Node 20, 22, 24 and 26, `node-min`: the oldest Node package.json's engines
 * allows, Deno, Bun) run the TypeScript sources through uvu.ts; browsers (Chromium, Firefox, WebKit) and workerd
 * run an esbuild bundle and reach emulators through the control server.
 */
import { bundle } from './Bundle.ts'
import { runExample, type ExampleKind } from './Examples.ts'
import { chromium, firefox, webkit, type Browser } from './Browsers.ts'
import { bun, deno, denoRun, exec, inBrowser, inWorkerd, installNodeMajor, installNodeMin, type Echo, type Run } from './Hosts.ts'
import { DONE } from './uvuQueue.ts'

export interface Runtime {
  readonly name: string
  /** Whether the SHA-1 implementation the runtime reported is the intended one. */
  readonly expectSha1: (implementation: string) => boolean
  /** Runs the test files (relative to the root), echoing output through `echo`. */
  readonly run: (files: ReadonlyArray<string>, echo: Echo) => Promise<Run>
  /** Runs the README example of this runtime; resolves to its problems. */
  readonly example: (echo: Echo) => Promise<ReadonlyArray<string>>
}

const nodeCrypto = (implementation: string): boolean => implementation.includes('node:crypto')
const uvu = 'test/runtimes/uvu.ts'

const inProcess = (name: string, kind: ExampleKind, command: () => Promise<readonly [string, ReadonlyArray<string>]>): Runtime => ({
  name,
  example: async (echo) => runExample(kind, echo, { node: (await command())[0] }),
  expectSha1: nodeCrypto,
  run: async (files, echo) => {
    const [cmd, args] = await command()
    return exec(cmd, [...args, uvu, ...files], echo)
  },
})

/** The test page: its module runs the bundle; a failure to load it is an unhandled rejection, which PageOutput.ts reports. */
const testPage = (code: string) => ({
  html: `<title>box-chunked-upload tests</title>
<script type="module">
import('./bundle.js').then((bundle) => bundle.default(location.origin))
</script>`,
  assets: { '/bundle.js': { type: 'text/javascript', body: code } },
  until: (output: string) => output.includes(DONE),
})

/**
 * A browser runs the bundle of Page.ts, and the README's browser example, bundled by each of `bundlers` (the
 * esbuild call of Bundle.ts; Chromium also runs a `vite build` of it, so a real bundler's resolution is tested).
 */
const inPage = (browser: Browser, bundlers: ReadonlyArray<'esbuild' | 'vite'> = ['esbuild']): Runtime => ({
  name: browser.name,
  example: async (echo) => {
    const problems: Array<string> = []
    for (const bundler of bundlers) problems.push(...(await runExample('browser', echo, { browser, bundler })).map((problem) => `${bundler}: ${problem}`))
    return problems
  },
  // No native incremental SHA-1 in browsers: hash-wasm, or the pure TypeScript one.
  expectSha1: (implementation) => implementation.includes('hash-wasm') || implementation.includes('pure'),
  run: async (files, echo) => inBrowser(browser, testPage(await bundle({ files, entry: 'test/runtimes/Page.ts', conditions: ['browser'] })), echo),
})

export const runtimes: ReadonlyArray<Runtime> = [
  inProcess('node20', 'node', async () => [process.execPath, ['--import', 'tsx']]),
  // Maintenance (22) and the LTS lines users run (24; 26, active LTS since October 2026), from the registry.
  ...[22, 24, 26].map((major) => inProcess(`node${major}`, 'node', async () => [await installNodeMajor(major, () => undefined), ['--import', 'tsx']])),
  // The oldest Node package.json's engines claims (tsx's --import needs 20.6 or later).
  inProcess('node-min', 'node', async () => [await installNodeMin(() => undefined), ['--import', 'tsx']]),
  inProcess('deno', 'deno', async () => [deno, denoRun()]),
  inProcess('bun', 'bun', async () => [bun, ['run']]),
  inPage(chromium, ['esbuild', 'vite']),
  inPage(firefox),
  inPage(webkit),
  {
    name: 'workerd',
    example: (echo) => runExample('worker', echo),
    expectSha1: (implementation) => implementation.includes('digest-stream'),
    run: async (files, echo) => {
      const script = await bundle({ files, entry: 'test/runtimes/Worker.ts', conditions: ['workerd', 'worker', 'browser'] })
      return inWorkerd({ script, request: (control) => [`http://localhost/?control=${encodeURIComponent(control)}`] }, echo)
    },
  },
]
