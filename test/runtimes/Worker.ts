/**
 * Entry of the workerd bundle: a Worker whose `fetch(request)` runs the queued test files inside the request
 * (workerd allows no I/O at global scope) and streams uvu's output back as the response body. The control
 * server's URL comes in the request's `control` query parameter.
 */
import { CONTROL } from './RemoteServe.ts'
import { runFiles, type TestFile } from './uvuQueue.ts'

interface Context {
  readonly waitUntil: (promise: Promise<unknown>) => void
}

export const main = (files: ReadonlyArray<TestFile>) => ({
  fetch: (request: Request, _env: unknown, context: Context): Response => {
    ;(globalThis as Record<string, unknown>)[CONTROL] = new URL(request.url).searchParams.get('control')
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>()
    const writer = writable.getWriter()
    const encoder = new TextEncoder()
    const write = (text: string): void => void writer.write(encoder.encode(text)).catch(() => undefined)
    // uvu writes fragments (`• `) and its own newlines, like process.stdout.write. It keeps a reference to console.log from its first evaluation, which happens inside runFiles, after this.
    console.log = (...args: Array<unknown>) => write(args.map(String).join(' '))
    const run = runFiles(files).then(
      () => writer.close(),
      (error: unknown) => {
        write(`\n[runtimes] crashed: ${error instanceof Error ? error.stack : String(error)}\n`)
        return writer.close()
      },
    )
    context.waitUntil(run)
    return new Response(readable, { headers: { 'content-type': 'text/plain; charset=utf-8' } })
  },
})
