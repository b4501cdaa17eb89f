/**
 * Runs `box-upload` as a child process and collects what it prints: either the bin as a user runs
 * it in a checkout (tsx on the sources, ~0.5 s to start), or the CLI bundled once per test process
 * with esbuild, as `dist/cli.js` is published (~0.1 s to start). Every run is bounded: a child still
 * running after `timeoutMs` is killed and the test fails.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { createHash } from 'node:crypto'
import { chmodSync, mkdtempSync, rmSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { buildSync } from 'esbuild'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The bin, as `npx box-upload` runs it. */
export const BIN = fileURLToPath(new URL('../../bin/box-upload.mjs', import.meta.url))

/** The repository root (working directory of the children). */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url))

let bundle: string | undefined

/** The CLI bundled with its dependencies into a temp dir (readable by all: a test runs it as nobody), deleted at exit. */
export const bundled = (): string => {
  if (bundle !== undefined) return bundle
  const dir = mkdtempSync(join(tmpdir(), 'box-upload-cli-'))
  chmodSync(dir, 0o755)
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }))
  const outfile = join(dir, 'cli.mjs')
  // Unlike dist/cli.js (dependencies external), this bundles undici, CommonJS that requires Node's modules:
  // an ES module has no `require` unless it makes one.
  const banner = { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" }
  buildSync({ entryPoints: [join(ROOT, 'src/cli/main.ts')], bundle: true, platform: 'node', format: 'esm', target: 'es2022', outfile, logLevel: 'warning', banner })
  bundle = outfile
  return outfile
}

/** What a finished run printed, and its exit code. */
export interface Ran {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

/** A running child with its output so far. */
export interface Running {
  readonly child: ChildProcess
  readonly stdout: () => string
  readonly stderr: () => string
  /** Resolves when it exits (killed after `timeoutMs`). */
  readonly done: Promise<Ran>
}

/** An environment without the variables that would send uploads elsewhere. */
export const cleanEnv = (extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv => {
  const env = { ...process.env }
  // npm_command: tests run through npx would otherwise see `npx box-upload` in the hints (see ShellCommand.ts's invokedAs).
  // FORCE_COLOR: uvu's bin sets it (for its own colours); beside our NO_COLOR, Node 26 writes a warning to the
  // child's stderr at its first console write ("The 'NO_COLOR' env is ignored…"; 24.22.3 does not), which the tests compare.
  for (const name of ['BOX_TOKEN', 'BOX_UPLOAD_URL', 'BOX_API_URL', 'npm_command', 'FORCE_COLOR']) delete env[name]
  return { ...env, NO_COLOR: '1', ...extra }
}

/** How to start a child: `env`, a time limit, and `command` (default: the bundled CLI under node; `[process.execPath, BIN]` for the bin). */
export interface StartOptions {
  readonly env?: NodeJS.ProcessEnv
  readonly timeoutMs?: number
  readonly command?: ReadonlyArray<string>
  readonly spawn?: SpawnOptions
}

/** The bin as `npx box-upload` runs it, for `StartOptions.command`. */
export const viaBin: ReadonlyArray<string> = [process.execPath, BIN]

/** Starts `command args…` with a time limit. */
export const start = (args: ReadonlyArray<string>, options: StartOptions = {}): Running => {
  const [file, ...pre] = options.command ?? [process.execPath, bundled()]
  const child = spawn(file as string, [...pre, ...args], { cwd: ROOT, env: options.env ?? cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'], ...options.spawn })
  let stdout = ''
  let stderr = ''
  child.stdout?.setEncoding('utf8').on('data', (s: string) => { stdout += s })
  child.stderr?.setEncoding('utf8').on('data', (s: string) => { stderr += s })
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000)
  const done = new Promise<Ran>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr })
    })
  })
  return { child, stdout: () => stdout, stderr: () => stderr, done }
}

/** Runs the bin to the end. */
export const run = (args: ReadonlyArray<string>, options: StartOptions = {}): Promise<Ran> => start(args, options).done

/** Waits until `predicate` holds, polling every 10 ms, at most `timeoutMs`. */
export const until = async (predicate: () => boolean, timeoutMs = 10_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** A temp directory for one test; `remove` deletes it. */
export const tempDir = async (): Promise<{ readonly path: string; readonly remove: () => Promise<void> }> => {
  const path = await mkdtemp(join(tmpdir(), 'box-upload-test-'))
  return { path, remove: () => rm(path, { recursive: true, force: true }) }
}

/** Writes `size` deterministic pseudo-random bytes (seeded) to `path`; returns their SHA-1 in hex. */
export const writeFileOf = async (path: string, size: number, seed = 1): Promise<string> => {
  const bytes = new Uint8Array(size)
  let x = seed >>> 0 || 1
  for (let i = 0; i < size; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    bytes[i] = x & 0xff
  }
  await writeFile(path, bytes)
  return createHash('sha1').update(bytes).digest('hex')
}

/** SHA-1 (hex) of a file's bytes. */
export const sha1Of = async (path: string): Promise<string> => createHash('sha1').update(await readFile(path)).digest('hex')
