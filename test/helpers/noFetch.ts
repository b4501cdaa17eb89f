/**
 * Run as its own process by Client.node.test.ts: removes `globalThis.fetch` (a runtime without fetch),
 * then makes one request through the library, which must fall back to cross-fetch. Prints a JSON line.
 */
import { fixedServer } from './fixedServer.ts'

const server = await fixedServer((request) => ({ status: 200, body: String(request.headers.authorization) }))
Reflect.deleteProperty(globalThis, 'fetch')
const { client } = await import('../../src/Client.ts')
const { request } = await import('../../src/Http.ts')
const result = await request(client({ token: 'fallback-token', uploadUrl: server.origin }))({ method: 'GET', url: `${server.origin}/x` })()
const body = result._tag === 'Right' ? await result.right.text() : undefined
console.log(JSON.stringify({ tag: result._tag, body, fetch: typeof globalThis.fetch }))
await server.close()
