/** Connect.connect: what a started target connects to, said as the report says it (`where`), and its API base. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { connect } from '../../src/cli/Connect.ts'
import { BOX_UPLOAD_URL } from '../../src/cli/Target.ts'

// Nothing is sent by connect itself for a remote target: no Box account is needed to see what it names Box.
test('should name Box for Box\'s upload URL and a remote server for any other, with the API base downloads are checked at', async () => {
  const cases = [
    [BOX_UPLOAD_URL, 'Box', undefined],
    ['http://127.0.0.1:9/api/2.0', 'remote server', undefined],
  ] as const
  for (const [uploadUrl, where, apiUrl] of cases) {
    const endpoint = await connect({ _tag: 'Remote', uploadUrl, token: 'T' }, 1, 1)
    try {
      assert.equal([endpoint.where, endpoint.apiUrl], [where, apiUrl], uploadUrl)
    } finally {
      await endpoint.close()
    }
  }
  const given = await connect({ _tag: 'Remote', uploadUrl: 'http://127.0.0.1:9/api/2.0', apiUrl: 'http://127.0.0.1:9/2.0', token: 'T' }, 1, 1)
  assert.equal([given.where, given.apiUrl], ['remote server', 'http://127.0.0.1:9/2.0'])
  await given.close()
})

test.run()
