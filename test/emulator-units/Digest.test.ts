import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { equal, parse } from '../../src/emulator/Digest.ts'
import { fromBase64 } from '../../src/emulator/Sha1.ts'

const Parse = suite('Digest.parse')
const abc = 'qZk+NkcGgWq6PiVxeFDCbJzQ2J0='

for (const header of [`sha=${abc}`, `SHA=${abc}`, `sha-1=${abc}`, `sha-256=xyz, sha=${abc}`, ` sha = ${abc} `]) {
  Parse(`should read ${JSON.stringify(header)}`, () => {
    assert.equal(parse(header), { _tag: 'Sha1', bytes: fromBase64(abc)!, base64: abc })
  })
}

Parse('should tell missing from invalid', () => {
  assert.equal(parse(null), { _tag: 'Missing' })
  assert.equal(parse(' '), { _tag: 'Missing' })
  assert.is(parse('sha=abc')._tag, 'Invalid')
  assert.is(parse('md5=abc')._tag, 'Invalid')
  assert.is(parse(`sha=${abc.slice(0, -4)}`)._tag, 'Invalid')
})

Parse('should compare digests byte by byte', () => {
  assert.ok(equal(new Uint8Array([1, 2]), new Uint8Array([1, 2])))
  assert.not.ok(equal(new Uint8Array([1, 2]), new Uint8Array([1, 3])))
  assert.not.ok(equal(new Uint8Array([1]), new Uint8Array([1, 2])))
})

Parse.run()
