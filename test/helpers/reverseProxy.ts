/**
 * A plain HTTP proxy in front of an emulator, for the CLI's tests of what the emulator itself never does:
 * a refusal at one step, an answer that never comes, sessions named on another host.
 */
import { type ServerResponse, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { EmulatorOptions } from '../../src/emulator/Options.ts'
import { startEmulator } from './emulator.ts'

/** What a `proxy` hook sees of a request: its method and path (with the query). */
export type Seen = { readonly method: string; readonly url: string }

/**
 * An HTTP proxy on 127.0.0.1 forwarding to `target()` (an origin, which may be set once the proxy
 * listens); `answer` may take a request itself (answering it, or holding it: never answering, or
 * forwarding it later with `forward`, which resolves once the answer is passed on), and `rewrite`
 * may change the forwarded answers' bodies.
 */
export const proxy = async (
  target: () => string,
  answer: (request: Seen, response: ServerResponse, forward: () => Promise<void>) => boolean = () => false,
  rewrite: (body: string) => string = (body) => body,
) => {
  const seen: Array<Seen> = []
  const server = createServer((request, response) => {
    const chunks: Array<Buffer> = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const asked = { method: request.method ?? 'GET', url: request.url ?? '' }
      seen.push(asked)
      const headers = Object.fromEntries(Object.entries(request.headers).filter(([name, value]) => typeof value === 'string' && !['host', 'connection', 'content-length'].includes(name))) as Record<string, string>
      const forward = () => fetch(target() + asked.url, { method: asked.method, headers, ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}) })
        .then(async (forwarded) => {
          const body = Buffer.from(await forwarded.arrayBuffer())
          const json = (forwarded.headers.get('content-type') ?? '').includes('json')
          response.writeHead(forwarded.status, { 'content-type': forwarded.headers.get('content-type') ?? 'application/json', ...(forwarded.headers.has('retry-after') ? { 'retry-after': forwarded.headers.get('retry-after') as string } : {}) })
          response.end(json ? rewrite(body.toString('utf8')) : body)
        }, () => void response.destroy())
      if (!answer(asked, response, forward)) void forward()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: async () => {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

/** Answers as Box refuses a request: `status` with a JSON error body of `code`, `message` and `request_id`; true, for a `proxy` hook. */
export const answerBoxError = (response: ServerResponse, status: number, code: string, message: string, requestId: string): true => {
  response.writeHead(status, { 'content-type': 'application/json' })
  response.end(JSON.stringify({ type: 'error', status, code, message, request_id: requestId }))
  return true
}

/**
 * An emulator (`options`) behind a `proxy` whose `answer` sees each request first: the sessions it creates name
 * the proxy (`uploadUrl`), so every later request of an upload passes the proxy too. `close` stops both.
 */
export const emulatorBehindProxy = async (options: EmulatorOptions, answer?: Parameters<typeof proxy>[1]) => {
  let target = ''
  const front = await proxy(() => target, answer)
  const uploadUrl = `${front.origin}/api/2.0`
  const behind = await startEmulator({ ...options, uploadBaseUrl: uploadUrl })
  target = new URL(behind.url).origin
  return {
    front, behind, uploadUrl,
    close: async () => {
      await behind.close()
      await front.close()
    },
  }
}
