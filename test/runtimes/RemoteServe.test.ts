/**
 * RemoteServe.ts in Node, as a page or a Worker uses it: `serve(options)` through the control server (Control.ts),
 * which starts a real emulator; here, that the Node adapter's `bodyIdleTimeoutMs` reaches it, `Infinity` too.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { stalledBody } from '../helpers/rawHttp.ts'
import { startControl } from './Control.ts'
import { CONTROL, serve } from './RemoteServe.ts'

const Remote = suite('RemoteServe.serve')

Remote('should hand bodyIdleTimeoutMs to the emulator the runner starts, Infinity (not JSON) as never', async () => {
  const control = await startControl()
  const global = globalThis as Record<string, unknown>
  global[CONTROL] = control.url
  try {
    const idle = await serve({ minFileSize: 1, bodyIdleTimeoutMs: 300 })
    try {
      const closedAfter = await stalledBody(idle.url, 5_000)
      assert.ok(closedAfter !== undefined && closedAfter >= 250, `closed after ${closedAfter} ms`)
    } finally {
      await idle.close()
    }
    const never = await serve({ minFileSize: 1, bodyIdleTimeoutMs: Number.POSITIVE_INFINITY })
    try {
      assert.is(await stalledBody(never.url, 800), undefined, 'still open')
    } finally {
      await never.close()
    }
  } finally {
    delete global[CONTROL]
    await control.close()
  }
})

Remote.run()
