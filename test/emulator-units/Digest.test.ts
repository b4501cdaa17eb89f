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

const abc256 = 'ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0='

for (const header of [`sha-256=${abc256}`, `SHA-256=${abc256}`, `md5=xyz, Sha-256=${abc256}`]) {
  Parse(`should read ${JSON.stringify(header)} as SHA-256`, () => {
    assert.equal(parse(header), { _tag: 'Sha256', bytes: fromBase64(abc256)!, base64: abc256 })
  })
}

Parse('should prefer the SHA-1 of a header carrying both', () => {
  assert.is(parse(`sha-256=${abc256}, sha=${abc}`)._tag, 'Sha1')
  assert.is(parse(`sha-256=${abc256}, sha=${abc.slice(0, -4)}`)._tag, 'Invalid')
})

Parse('should refuse a SHA-256 that is not 32 bytes, naming the length', () => {
  for (const header of [`sha-256=${abc}`, `sha-256=${abc256.slice(0, -4)}`, 'sha-256=!!']) {
    const d = parse(header)
    assert.equal(d, { _tag: 'Invalid', reason: 'the SHA-256 digest must be 32 bytes, base64-encoded (44 characters)' }, header)
  }
})

Parse('should ignore tokens that are not algorithms, such as constructor or __proto__', () => {
  assert.is(parse(`constructor=${abc}`)._tag, 'Invalid')
  assert.is(parse(`__proto__=${abc}, sha=${abc}`)._tag, 'Sha1')
})

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
