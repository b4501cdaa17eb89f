import { inspect } from 'node:util'
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

Console.run()
