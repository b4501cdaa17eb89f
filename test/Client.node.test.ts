import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { inspect, promisify } from 'node:util'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { client } from '../src/Client.ts'

const TOKEN = 'secret-token-0123456789'

const Console = suite('client in the console')

Console('should never show the token in console.log output', () => {
  for (const token of [TOKEN, () => Promise.resolve(TOKEN)]) {
    assert.not.ok(inspect(client({ token }), { depth: 10, showHidden: true }).includes(TOKEN))
  }
})

const Fallback = suite('default fetch')

Fallback('should fall back to cross-fetch where the runtime has no global fetch', async () => {
  const script = fileURLToPath(new URL('./helpers/noFetch.ts', import.meta.url))
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], { timeout: 30_000 })
  assert.equal(JSON.parse(stdout.trim()), { tag: 'Right', body: 'Bearer fallback-token', fetch: 'undefined' })
})

Console.run()
Fallback.run()
