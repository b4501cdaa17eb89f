/** Session calls against answers the faithful emulator never gives: malformed bodies and HTML error pages (node:http). */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { client } from '../src/Client.ts'
import { createSession } from '../src/Session.ts'
import { message } from '../src/UploadError.ts'
import { fixedServer } from './helpers/fixedServer.ts'
import { left } from './helpers/sessions.ts'

const TOKEN = 'dev-token'

const Malformed = suite('malformed answers')

const wire = { id: 'S1', type: 'upload_session', part_size: 1024, total_parts: 3, num_parts_processed: 0, session_expires_at: '2030-01-01T00:00:00Z' }

Malformed('should give a DecodeError naming part_size when it is missing, a string or 0, and total_parts when it disagrees', async () => {
  let body = ''
  const server = await fixedServer(() => ({ status: 201, headers: { 'content-type': 'application/json' }, body }))
  try {
    const box = client({ token: TOKEN, uploadUrl: `${server.origin}/api/2.0` })
    const endpoints = Object.fromEntries(['upload_part', 'commit', 'abort', 'list_parts', 'status'].map((k) => [k, `${server.origin}/api/2.0/files/upload_sessions/S1`]))
    const { part_size: _, ...missing } = wire
    const cases: ReadonlyArray<readonly [object, string]> = [
      [missing, 'part_size'], [{ ...wire, part_size: '1024' }, 'part_size'], [{ ...wire, part_size: 0 }, 'part_size'],
      [{ ...wire, total_parts: 2 }, 'total_parts'], [{ ...wire, session_endpoints: { ...endpoints, commit: null } }, 'session_endpoints.commit'],
    ]
    for (const [value, field] of cases) {
      body = JSON.stringify({ ...value, ...('session_endpoints' in value ? {} : { session_endpoints: endpoints }) })
      const error = await left(createSession(box)({ folderId: '0', fileName: 'f', fileSize: 2500 }))
      assert.is(error._tag, 'DecodeError', body)
      assert.ok(message(error).includes(`${field}:`), message(error))
    }
  } finally {
    await server.close()
  }
})

Malformed('should map an HTML 502 page to HttpError 502', async () => {
  const server = await fixedServer(() => ({ status: 502, headers: { 'content-type': 'text/html' }, body: '<html><h1>502 Bad Gateway</h1></html>' }))
  try {
    const box = client({ token: TOKEN, uploadUrl: `${server.origin}/api/2.0` })
    assert.equal(await left(createSession(box)({ folderId: '0', fileName: 'f', fileSize: 10 })),
      { _tag: 'HttpError', status: 502, method: 'POST', url: `${server.origin}/api/2.0/files/upload_sessions` })
  } finally {
    await server.close()
  }
})

Malformed.run()
