/**
 * The first script of every browser page the runner opens (a classic script, bundled on its own, so it runs
 * before any module): what the page prints with `console.log`, and its uncaught errors, go to the control
 * server's `POST /output`, in order, where the runner reads them. One way for every browser, whether or not its
 * driver reports console messages (WebKit's WebDriver does not). Texts are joined without separators, as the
 * runner always read them: uvu prints fragments and its own newlines.
 */
export {} // a module, so that its names do not clash with the DOM's globals (`print`)

// Kept from the start: a test may replace `fetch` or `console.log` while the page still prints.
const post = fetch.bind(globalThis)
const log = console.log.bind(console)

let queued = ''
let sending = false

/** One request at a time, carrying everything printed while the previous one was out: order is kept. */
const send = async (): Promise<void> => {
  sending = true
  while (queued !== '') {
    const body = queued
    queued = ''
    await post('/output', { method: 'POST', headers: { 'content-type': 'text/plain; charset=utf-8' }, body }).catch((error: unknown) => log('output lost:', error))
  }
  sending = false
}

const print = (text: string): void => {
  queued += text
  if (!sending) void send()
}

console.log = (...args: Array<unknown>): void => {
  log(...args)
  print(args.map(String).join(' '))
}

/** Chromium's stacks start with the error's name and message; Firefox's and WebKit's are only frames. */
const describe = (error: unknown): string =>
  error instanceof Error ? (error.stack?.includes(error.message) ? error.stack : `${String(error)}\n${error.stack ?? ''}`) : String(error)

const crashed = (error: unknown): void => print(`\n[runtimes] crashed: ${describe(error)}\n`)
addEventListener('error', (event) => crashed(event.error ?? event.message))
addEventListener('unhandledrejection', (event) => crashed(event.reason))
