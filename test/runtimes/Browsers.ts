/**
 * The browsers the tests run in, each from Debian's package and driven through the few steps the runner needs:
 * start headless on a fresh profile with one tab, load a page, pick a file in an `<input type=file>`, close.
 * What a page prints reaches the runner through the control server (PageOutput.ts), not through the driver.
 * Chromium is driven by playwright-core over CDP; Firefox by puppeteer-core over WebDriver BiDi (playwright
 * drives only its own patched Firefox builds, which cannot be downloaded here); WebKit by WebKitGTK's own
 * WebDriver (WebKit.ts).
 */
import type { ElementHandle } from 'puppeteer-core'
import { openWebKit } from './WebKit.ts'

/** One tab of a running browser. */
export interface Tab {
  /** Loads `url`; resolves once it has loaded (its module scripts have run). */
  readonly goto: (url: string) => Promise<void>
  /** Gives the `<input type=file>` matched by `selector` the file at `path`, which fires its `change`. */
  readonly pickFile: (selector: string, path: string) => Promise<void>
  /** Closes the browser. */
  readonly close: () => Promise<void>
}

export interface Browser {
  /** The runtime's name, e.g. `firefox`. */
  readonly name: string
  readonly executable: string
  /** The Debian package that installs `executable`. */
  readonly apt: string
  /** Starts the browser headless on `profile` (a fresh empty folder, removed by the caller), with one tab. */
  readonly open: (profile: string) => Promise<Tab>
}

/** A browser from Debian's package `apt`, at `path` unless the environment variable `variable` names another. */
const debian = (name: string, apt: string, variable: string, path: string, open: (executable: string, profile: string) => Promise<Tab>): Browser => {
  const executable = process.env[variable] ?? path
  return { name, executable, apt, open: (profile) => open(executable, profile) }
}

const chromiumFlags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

export const chromium = debian('chromium', 'chromium', 'CHROMIUM_PATH', '/usr/bin/chromium', async (executable, profile) => {
  const { chromium: driver } = await import('playwright-core')
  const context = await driver.launchPersistentContext(profile, { executablePath: executable, headless: true, args: chromiumFlags })
  const page = context.pages()[0] ?? (await context.newPage())
  return {
    goto: async (url) => void (await page.goto(url)),
    pickFile: (selector, path) => page.setInputFiles(selector, path),
    close: () => context.close(),
  }
})

export const firefox = debian('firefox', 'firefox-esr', 'FIREFOX_PATH', '/usr/bin/firefox-esr', async (executable, profile) => {
  const { default: puppeteer } = await import('puppeteer-core')
  // puppeteer's Firefox preferences already turn off updates, telemetry and other background traffic.
  const browser = await puppeteer.launch({ browser: 'firefox', executablePath: executable, headless: true, userDataDir: profile })
  const page = (await browser.pages())[0] ?? (await browser.newPage())
  return {
    goto: async (url) => void (await page.goto(url)),
    pickFile: async (selector, path) => {
      const input = (await page.waitForSelector(selector)) as ElementHandle<HTMLInputElement> | null
      if (input === null) throw new Error(`no ${selector} in the page`)
      await input.uploadFile(path)
    },
    close: () => browser.close(),
  }
})

export const webkit = debian('webkit', 'webkit2gtk-driver xvfb', 'WEBKIT_DRIVER_PATH', '/usr/bin/WebKitWebDriver', openWebKit)
