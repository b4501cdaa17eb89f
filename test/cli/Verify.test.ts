import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { agrees } from '../../src/cli/Verify.ts'

const Agrees = suite('agrees')

const ours = 'ab'.repeat(20)
const other = 'cd'.repeat(20)

Agrees('should agree only when the download and the SHA-1 Box confirmed (any case, if any) equal the local file\'s', () => {
  assert.ok(agrees({ local: ours, downloaded: ours, confirmed: ours.toUpperCase() }))
  assert.ok(agrees({ local: ours, downloaded: ours, confirmed: undefined }))
  assert.not.ok(agrees({ local: ours, downloaded: other, confirmed: ours }), 'another download')
  assert.not.ok(agrees({ local: ours, downloaded: ours, confirmed: other }), 'another SHA-1 confirmed by Box')
})

Agrees.run()
