import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import * as E from 'fp-ts/lib/Either.js'
import { agrees, sha1OfFile } from '../../src/cli/Verify.ts'

const Agrees = suite('agrees')

const ours = 'ab'.repeat(20)
const other = 'cd'.repeat(20)

Agrees('should agree only when the download and the SHA-1 Box confirmed (any case, if any) equal the local file\'s', () => {
  assert.ok(agrees({ local: ours, downloaded: ours, confirmed: ours.toUpperCase() }))
  assert.ok(agrees({ local: ours, downloaded: ours, confirmed: undefined }))
  assert.not.ok(agrees({ local: ours, downloaded: other, confirmed: ours }), 'another download')
  assert.not.ok(agrees({ local: ours, downloaded: ours, confirmed: other }), 'another SHA-1 confirmed by Box')
})

Agrees('should tell a local file that cannot be read again by its error code, not as a network failure', async () => {
  assert.equal(await sha1OfFile('/nonexistent/box-upload-check.bin')(), E.left('ENOENT'))
})

const Sha1OfFile = suite('sha1OfFile')

Sha1OfFile('should stop reading on its signal, not at the file\'s end (here /dev/zero, which has none)', async () => {
  const late = new Promise<string>((resolve) => setTimeout(() => resolve('still reading after 2 s'), 2000).unref())
  const hashed = await Promise.race([sha1OfFile('/dev/zero', AbortSignal.timeout(50))(), late])
  assert.equal(hashed, E.left('ABORT_ERR'))
})

Agrees.run()
Sha1OfFile.run()
