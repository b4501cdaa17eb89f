/**
 * Whether two URLs name the same server (src/cli/SameServer.ts): the same origin, scheme and port included, or
 * sessions kept under the same base.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { sameOrigin, sameSessionsBase } from '../../src/cli/SameServer.ts'

const Same = suite('the same server')

Same('should take the same origin only: the scheme and the port count, the path does not', () => {
  assert.ok(sameOrigin('http://127.0.0.1:8080/api/2.0', 'http://127.0.0.1:8080/2.0'))
  assert.ok(sameOrigin('https://box.example/api/2.0', 'https://BOX.example:443/2.0'))
  // The same host over plain http is another origin: a token meant for https is not sent there.
  assert.not.ok(sameOrigin('https://box.example/api/2.0', 'http://box.example/2.0'))
  assert.not.ok(sameOrigin('http://127.0.0.1:8080/api/2.0', 'http://127.0.0.1:8081/api/2.0'))
  assert.not.ok(sameOrigin('not a url', 'not a url'), 'what does not parse names no server')
})

Same('should take sessions under the same base as one server\'s, whatever each is called', () => {
  const at = (url: string) => ({ endpoints: { commit: `${url}/files/upload_sessions/${Math.random().toString(16).slice(2)}/commit` } })
  assert.ok(sameSessionsBase(at('http://127.0.0.1:8080/api/2.0'), at('http://127.0.0.1:8080/api/2.0')))
  assert.not.ok(sameSessionsBase(at('http://127.0.0.1:8080/api/2.0'), at('http://127.0.0.1:8081/api/2.0')))
  assert.not.ok(sameSessionsBase({ endpoints: { commit: 'nope' } }, { endpoints: { commit: 'nope' } }))
})

Same.run()
