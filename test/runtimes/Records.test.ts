import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { RequestRecord } from '../../src/emulator/Options.ts'
import { serve } from '../../src/emulator/node.ts'
import { proxy, records } from './Records.ts'

const record = (method: string): RequestRecord => ({ method, path: '/x', status: 200, at: 0 })

const Log = suite('records')

Log('should answer a poll with the records from its index, and wait for one when there is none', async () => {
  const log = records()
  log.push(record('POST'))
  assert.equal((await log.poll(0)).map((r) => r.method), ['POST'])
  const waiting = log.poll(1)
  log.push(record('PUT'))
  assert.equal((await waiting).map((r) => r.method), ['PUT'])
  log.close()
})

Log('should not record CORS preflights', async () => {
  const log = records()
  log.push(record('OPTIONS'))
  assert.is(log.count(), 0)
  log.close()
})

Log('should hold an ack until a poll acknowledges the records, and release all at close', async () => {
  const log = records()
  log.push(record('POST'))
  let released = false
  const held = log.acked(1).then(() => { released = true })
  await new Promise((resolve) => setTimeout(resolve, 20))
  assert.is(released, false, 'released before the ack')
  void log.poll(1)
  await held
  assert.is(released, true)
  log.push(record('PUT'))
  const second = log.acked(2)
  log.close()
  await second
})

Log('should take the caller clock from each poll, and resolve a tick only at a poll that arrives after it', async () => {
  const log = records(1000)
  assert.is(log.now(), 1000)
  const waiting = log.poll(0)
  let ticked = false
  const tick = log.tick().then(() => { ticked = true })
  await waiting
  await new Promise((resolve) => setTimeout(resolve, 10))
  assert.is(ticked, false, 'a poll that was already waiting does not count')
  void log.poll(0, 5000)
  await tick
  assert.is(log.now(), 5000)
  log.close()
})

const Proxy = suite('proxy')

Proxy('should hand the record of a request to the poller before the answer to that request', async () => {
  const log = records()
  let port = 0
  const front = await proxy(() => port, log)
  const emulator = await serve({ port: 0, minFileSize: 1, onRequest: log.push, uploadBaseUrl: `${front.origin}/api/2.0` })
  port = Number(new URL(emulator.url).port)
  let polling = true
  let poller: Promise<void> = Promise.resolve()
  try {
    const seen: Array<string> = []
    let delivered = 0
    poller = (async () => {
      while (polling) {
        const got = await log.poll(delivered)
        // A page or a Worker is slow to get it: the answer must wait for it all the same.
        await new Promise((resolve) => setTimeout(resolve, 30))
        delivered += got.length
        got.forEach((r) => seen.push(`record ${r.method} ${r.status}`))
      }
    })()
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${front.origin}/api/2.0/files/upload_sessions`, { method: 'POST', headers: { authorization: 'Bearer dev-token', 'content-type': 'application/json' }, body: JSON.stringify({ folder_id: '0', file_size: 10, file_name: `r${i}.bin` }) })
      await response.arrayBuffer()
      seen.push(`answer ${response.status}`)
    }
    assert.equal(seen, ['record POST 201', 'answer 201', 'record POST 201', 'answer 201', 'record POST 201', 'answer 201'])
  } finally {
    polling = false
    log.close()
    await poller
    await emulator.close()
    await front.close()
  }
})

Log.run()
Proxy.run()
