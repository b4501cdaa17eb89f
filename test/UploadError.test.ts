import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { UploadError } from '../src/index.ts'

test('should tag errors with _tag', () => {
  const e: UploadError = { _tag: 'Aborted' }
  assert.is(e._tag, 'Aborted')
})

test.run()
