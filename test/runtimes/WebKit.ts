/**
 * WebKit, Safari's engine, as WebKitGTK's MiniBrowser (Debian's webkit2gtk-driver), driven over W3C WebDriver by
 * WebKitWebDriver. That driver speaks classic WebDriver only (no BiDi, so no console events: pages send their
 * output to the control server, PageOutput.ts), and MiniBrowser has no headless mode: each run gets a virtual X
 * display of its own (Xvfb, which picks a free display number), and HOME and the XDG folders in the fresh profile,
 * so nothing is written outside it. Both are started in process groups of their own, stopped with everything in
 * them when the tab closes.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import type { Tab } from './Browsers.ts'

/** WebDriver's key for an element reference in its answers. */
const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf'
const startMs = 20_000

/** Resolves once `child` wrote a line to its descriptor 3 (Xvfb's -displayfd), with that line. */
const firstLine = (child: ChildProcess): Promise<string> =>
  new Promise((resolve, reject) => {
    let text = ''
    let errors = ''
    const timer = setTimeout(() => reject(new Error(`no display from Xvfb within ${startMs} ms: ${errors}`)), startMs)
    child.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString()))
    child.stdio[3]?.on('data', (chunk: Buffer) => {
      text += chunk.toString()
      if (!text.includes('\n')) return
      clearTimeout(timer)
      resolve(text.trim())
    })
    child.on('exit', (code) => reject(new Error(`Xvfb exited (${code}): ${errors}`)))
    child.on('error', (error) => reject(new Error(`Xvfb could not start (apt-get install -y xvfb): ${error.message}`)))
  })

/** A port nobody listens on now (WebKitWebDriver takes no port 0). */
const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))))
    })
  })

/** Stops a process started `detached` with everything it started (its process group: the driver's MiniBrowser and WebKit's processes). */
const stop = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once('exit', () => resolve())
    try {
      process.kill(-child.pid, 'SIGTERM')
    } catch {
      resolve()
    }
  })

/** One WebDriver command; its `value`, or an error with WebDriver's own words. */
const command = async (base: string, method: string, path: string, body?: unknown): Promise<unknown> => {
  const response = await fetch(`${base}${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  })
  const answer = (await response.json()) as { value?: { error?: string; message?: string } | null }
  if (!response.ok) throw new Error(`WebDriver ${method} ${path}: ${answer.value?.error} ${answer.value?.message ?? ''}`)
  return answer.value
}

/** Waits until the driver answers its status (it listens a moment after it starts). */
const ready = async (base: string, driver: ChildProcess): Promise<void> => {
  const until = Date.now() + startMs
  let failed: Error | undefined
  driver.on('error', (error) => (failed = error))
  while (Date.now() < until && driver.exitCode === null && failed === undefined) {
    if (await fetch(`${base}/status`).then((response) => response.ok, () => false)) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`WebKitWebDriver did not answer within ${startMs} ms (exit code ${driver.exitCode}${failed === undefined ? '' : `, ${failed.message}`})`)
}

/** Starts Xvfb, WebKitWebDriver (`executable`) and a MiniBrowser session on `profile`. */
export const openWebKit = async (executable: string, profile: string): Promise<Tab> => {
  const xvfb = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x800x24', '-nolisten', 'tcp'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'], detached: true })
  const processes: Array<ChildProcess> = [xvfb]
  const close = async (): Promise<void> => {
    for (const child of processes.reverse()) await stop(child)
  }
  try {
    const display = `:${await firstLine(xvfb)}`
    const port = await freePort()
    const home = (name: string): string => {
      mkdirSync(join(profile, name), { recursive: true })
      return join(profile, name)
    }
    const env = { ...process.env, DISPLAY: display, HOME: profile, XDG_CONFIG_HOME: home('config'), XDG_CACHE_HOME: home('cache'), XDG_DATA_HOME: home('data') }
    const driver = spawn(executable, [`--port=${port}`], { stdio: 'ignore', env, detached: true })
    processes.push(driver)
    const base = `http://127.0.0.1:${port}`
    await ready(base, driver)
    const { sessionId } = (await command(base, 'POST', '/session', { capabilities: {} })) as { sessionId: string }
    const session = `/session/${sessionId}`
    return {
      // Classic WebDriver's navigation waits for the load event (page load strategy "normal").
      goto: async (url) => void (await command(base, 'POST', `${session}/url`, { url })),
      pickFile: async (selector, path) => {
        const element = (await command(base, 'POST', `${session}/element`, { using: 'css selector', value: selector })) as Record<string, string>
        await command(base, 'POST', `${session}/element/${element[ELEMENT]}/value`, { text: path })
      },
      close: async () => {
        await command(base, 'DELETE', session).catch(() => undefined)
        await close()
      },
    }
  } catch (error) {
    await close()
    throw error
  }
}
