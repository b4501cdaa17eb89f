import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import * as E from 'fp-ts/lib/Either.js'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { confirmedSha1, explain, explainKept, json, jsonFailure, text } from '../../src/cli/Report.ts'
import type { Done } from '../../src/cli/Report.ts'
import type { BoxFile } from '../../src/BoxFile.ts'
import { client } from '../../src/Client.ts'
import { request } from '../../src/Http.ts'
import { retry, retryRequests } from '../../src/Retry.ts'
import { type UploadError, aborted, httpError, message, networkError, sizeMismatch, untrustedEndpoint } from '../../src/UploadError.ts'
import { closedPort } from '../helpers/fixedServer.ts'

const file: BoxFile = { id: '42', type: 'file', name: 'big.iso', size: 50_000_000, sha1: 'ab'.repeat(20), parent: { id: '7' } }
const toBox: Done = { file, where: 'Box', uploadUrl: 'https://upload.box.com/api/2.0', resumed: false, seconds: 2, sentBytes: file.size }

const Text = suite('text')

Text('should name the place, id, name, size, confirmed SHA-1 and speed of an upload to Box', () => {
  assert.is(text(toBox), [
    'Uploaded to Box at https://upload.box.com/api/2.0.',
    '  file id:  42',
    '  name:     big.iso',
    '  size:     50000000 bytes (50.0 MB)',
    `  SHA-1:    ${'ab'.repeat(20)} (confirmed by Box)`,
    '  check:    not downloaded back (Box checked the SHA-1 at commit)',
    '  time:     2.0 s, 25.0 MB/s',
  ].join('\n'))
})

// A resumed run sent only the parts Box did not hold: the whole file over its time would overstate its speed.
Text('should give a resumed upload the speed of what it sent, and say the rest was on Box already', () => {
  assert.match(text({ ...toBox, resumed: true, sentBytes: 10_000_000 }), '  time:     2.0 s, 5.00 MB/s (sent 10.0 MB: the rest was on Box already)')
})

// h83: a resume after a Ctrl-C during the commit finds every part on Box: it sent nothing, at no speed.
Text('should not give a speed to a resumed upload that sent nothing, nor call the whole file the rest', () => {
  const line = text({ ...toBox, resumed: true, sentBytes: 0 }).split('\n').find((l) => l.startsWith('  time:'))
  assert.is(line, '  time:     2.0 s (nothing sent: every part was on Box already)')
})

Text('should say the modified date Box recorded, when it sent one', () => {
  assert.match(text({ ...toBox, file: { ...file, content_modified_at: '2012-12-12T10:53:43-08:00' } }), '  size:     50000000 bytes (50.0 MB)\n  modified: 2012-12-12T10:53:43-08:00\n')
  assert.not.match(text({ ...toBox, file: { ...file, content_modified_at: null } }), 'modified:')
})

Text('should say a new version is one, and only then', () => {
  assert.match(text({ ...toBox, newVersion: true, file: { ...file, file_version: { id: '9' } } }), '  size:     50000000 bytes (50.0 MB)\n  version:  a new version of the file (file version 9)\n')
  assert.not.match(text({ ...toBox, newVersion: false }), 'version:')
  assert.is((JSON.parse(json({ ...toBox, newVersion: true })) as { newVersion: boolean }).newVersion, true)
  // No file_version in the answer: null, not a missing field.
  assert.is((JSON.parse(json(toBox)) as { fileVersionId: unknown }).fileVersionId, null)
})

Text('should not credit Box with the check of another server', () => {
  assert.match(text({ ...toBox, where: 'remote server', uploadUrl: 'http://127.0.0.1:8080/api/2.0' }), '  check:    not downloaded back (the server checked the SHA-1 at commit)')
})

Text('should say loudly that the embedded emulator was used', () => {
  const local = text({ ...toBox, where: 'embedded emulator', check: { local: 'x', downloaded: 'x', confirmed: 'x' } })
  assert.ok(local.startsWith('Uploaded to the LOCAL Box emulator started inside box-upload (no token given'), local)
  assert.match(local, '  check:    downloaded back: SHA-1 x matches the local file')
})

const Explain = suite('explain')

Explain('should advise one part at a time after a part body stalled (the parts in flight share the link), and only then', () => {
  const stalled = networkError('PUT', 'https://upload.box.com/api/2.0/files/upload_sessions/S', new DOMException('part 3 (bytes 100663296-134217727/500000000) stalled: the connection took under 1 MiB of it in 120 s', 'TimeoutError'))
  assert.ok(explain(stalled).endsWith('then retry. On a slow link, send one part at a time: --concurrency 1.'), explain(stalled))
  const timedOut = networkError('PUT', 'https://upload.box.com/api/2.0/files/upload_sessions/S', new DOMException('no answer within 600000 ms', 'TimeoutError'))
  assert.not.match(explain(timedOut), '--concurrency')
  assert.not.match(explain(networkError('PUT', 'u', null)), '--concurrency')
})

const longerTimeout = ' If the server or the link is only slow, not dead, give each try more time: a longer --timeout (in seconds; default 600).'

// The errors come from the library's own timeouts, as an upload meets them: their wording is what the advice looks for.
Explain('should advise a longer --timeout after tries that timed out, and only then', async () => {
  // A request the server takes and never answers: the request's own timeout (Http), as a part's or a commit's.
  const silent = createServer(() => undefined)
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()))
  try {
    const origin = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`
    const box = client({ token: 'report-test-token', uploadUrl: origin })
    const timedOut = await retryRequests(box, { retries: 0, baseDelayMs: 0, maxDelayMs: 0, timeoutMs: 50 })((signal) =>
      request(box)({ method: 'PUT', url: `${origin}/api/2.0/files/upload_sessions/S`, signal }))()
    assert.ok(E.isLeft(timedOut) && timedOut.left._tag === 'NetworkError', JSON.stringify(timedOut))
    const said = explain((timedOut as E.Left<UploadError>).left)
    assert.ok(said.startsWith(`PUT ${origin}/api/2.0/files/upload_sessions/S got no answer (no answer within 50 ms).`), said)
    assert.ok(said.endsWith(`then retry.${longerTimeout}`), said)
    assert.ok(explainKept((timedOut as E.Left<UploadError>).left).endsWith(longerTimeout))
  } finally {
    silent.closeAllConnections()
    await new Promise((resolve) => silent.close(resolve))
  }
  // An attempt that ended as aborted by its timeout (a wait, the token function): the library's '(timed out)' error.
  const stopped = await retry({ retries: 0, baseDelayMs: 0, maxDelayMs: 0, timeoutMs: 10 })((signal) => () =>
    new Promise<E.Either<UploadError, never>>((resolve) => signal.addEventListener('abort', () => resolve(E.left(aborted(signal.reason))))))()
  assert.ok(E.isLeft(stopped) && stopped.left._tag === 'NetworkError', JSON.stringify(stopped))
  assert.ok(explain((stopped as E.Left<UploadError>).left).endsWith(longerTimeout), explain((stopped as E.Left<UploadError>).left))
  // Not after a stall (fewer parts at once is the advice then), a refused connection, no cause, or an answer.
  const stalled = networkError('PUT', 'https://upload.box.com/api/2.0/files/upload_sessions/S', new DOMException('part 3 (bytes 100663296-134217727/500000000) stalled: the connection took under 1 MiB of it in 120 s', 'TimeoutError'))
  const port = await closedPort()
  const box = client({ token: 'report-test-token', uploadUrl: `http://127.0.0.1:${port}` })
  const refused = await request(box)({ method: 'PUT', url: `http://127.0.0.1:${port}/api/2.0/files/upload_sessions/S` })()
  assert.ok(E.isLeft(refused) && refused.left._tag === 'NetworkError', JSON.stringify(refused))
  for (const other of [stalled, (refused as E.Left<UploadError>).left, networkError('PUT', 'u', null), httpError({ status: 504, method: 'PUT', url: 'https://upload.box.com/x' })]) {
    assert.not.match(explain(other), '--timeout')
  }
})

Explain('should give a command-line user advice they can follow, not the client options a program has', () => {
  const cases: ReadonlyArray<readonly [UploadError, string]> = [
    [untrustedEndpoint('https://uploads.elsewhere.example'), 'only to Box, or to --upload-url and --api-url'],
    [httpError({ status: 302, method: 'PUT', url: 'https://upload.box.com/x' }), 'use the final URL.'],
    [httpError({ status: 401, method: 'PUT', url: 'https://upload.box.com/x' }), '(give it with --token or BOX_TOKEN)'],
    [httpError({ status: 409, method: 'POST', url: 'https://upload.box.com/x', code: 'item_name_in_use' }), 'choose another name with --name, or upload a new version of that file with --overwrite.'],
  ]
  for (const [error, advice] of cases) {
    const text = explain(error)
    assert.match(text, advice)
    // A new version, only with the flag that makes one.
    for (const libraryOnly of ['allowedHosts', 'token function', 'new version of that file.']) assert.not.match(text, libraryOnly)
    assert.ok(text.startsWith(message(error).slice(0, 30)), 'the rest of the message is the library\'s')
  }
})

Explain('should tell a 401 after a token command ran again to mend the command, on Box and off it', () => {
  const unauthorized = httpError({ status: 401, method: 'PUT', url: 'https://upload.box.com/x', code: 'unauthorized' })
  const onBox = explain(unauthorized, 'Box', { tokenFrom: 'BOX_TOKEN_COMMAND' })
  assert.ok(onBox.endsWith('The server did not accept the token the token command (BOX_TOKEN_COMMAND) printed, nor the one it printed when run again after that 401: ' +
    'make it print a valid access token alone (for a JSON answer `jq -r`: plain `jq` keeps the quotes).'), onBox)
  const offBox = explainKept(unauthorized, 'remote server', { tokenFrom: '--token-command' })
  assert.ok(offBox.endsWith('make it print one the server accepts (a `box-upload emulator` takes dev-token, `serve` its tokens option).'), offBox)
  for (const text of [onBox, offBox]) assert.not.match(text, '--token or BOX_TOKEN')
  assert.match(explain(unauthorized, 'Box'), '(give it with --token or BOX_TOKEN)', 'a fixed token keeps its advice')
})

Explain('should tell a kept upload whose part was refused 409 to resume once the server let go of it, and only then', () => {
  const held = httpError({ status: 409, method: 'PUT', url: 'https://upload.box.com/x', code: 'conflict', message: 'Part at offset 0 is being uploaded by another request' })
  assert.ok(explainKept(held).endsWith('resume once it has let go (minutes).'), explainKept(held))
  assert.not.match(explain(held), 'let go', 'a failure whose session is not kept says nothing of a resume')
  const nameTaken = httpError({ status: 409, method: 'POST', url: 'https://upload.box.com/x', code: 'item_name_in_use' })
  assert.not.match(explainKept(nameTaken), 'let go')
  assert.not.match(explainKept(httpError({ status: 410, method: 'PUT', url: 'https://upload.box.com/x', code: 'upload_failed' })), 'let go')
})

Explain('should call a folder holding the name a folder, and not advise --overwrite, which only versions a file', () => {
  const url = 'https://upload.box.com/api/2.0/files/upload_sessions'
  for (const conflicts of [{ type: 'folder', id: '55', name: 'big.iso' }, [{ type: 'folder', id: '55', name: 'big.iso' }]]) {
    const text = explain(httpError({ status: 409, method: 'POST', url, code: 'item_name_in_use', contextInfo: { conflicts } }))
    assert.match(text, 'The folder already has a folder (folder 55) with that name: choose another name with --name (a folder has no versions: --overwrite cannot replace it).')
    assert.not.match(text, 'file 55')
    assert.not.match(text, 'with --overwrite.')
  }
  // A file holding it keeps the advice to make a new version of it.
  const file = explain(httpError({ status: 409, method: 'POST', url, code: 'item_name_in_use', contextInfo: { conflicts: { type: 'file', id: '56' } } }))
  assert.match(file, 'The folder already has file 56 with that name: choose another name with --name, or upload a new version of that file with --overwrite.')
})

Explain('should say that the file changed while it was read, not ask to declare a size a command-line user never declared', () => {
  assert.is(explain(sizeMismatch(300, 271, 'too_short')), 'the file changed while it was read: 300 bytes when the upload started, its end reached after 271. Upload it again once nothing writes to it.')
  assert.is(explain(sizeMismatch(300, 301, 'too_long')), 'the file changed while it was read: 300 bytes when the upload started, more than that read. Upload it again once nothing writes to it.')
})

const Json = suite('json')

Json('should print one object, with the SHA-1 of the file version when the file has none', () => {
  const { sha1: _, ...noSha1 } = file
  const versioned: BoxFile = { ...noSha1, file_version: { id: 'v1', sha1: 'cd'.repeat(20) } }
  assert.is(confirmedSha1(versioned), 'cd'.repeat(20))
  assert.equal(JSON.parse(json({ ...toBox, file: versioned, resumed: true, seconds: 1.23456 })), {
    ok: true, id: '42', name: 'big.iso', size: 50_000_000, sha1: 'cd'.repeat(20), fileVersionId: 'v1', folderId: '7', contentModifiedAt: null, where: 'Box',
    uploadUrl: 'https://upload.box.com/api/2.0', verified: null, resumed: true, newVersion: false, seconds: 1.235, sentBytes: 50_000_000,
  })
})

Json('should carry Box\'s status, code and request id on failure', () => {
  const error = httpError({ status: 409, method: 'POST', url: 'https://upload.box.com/api/2.0/files/upload_sessions', code: 'item_name_in_use', requestId: 'r1' })
  const parsed = JSON.parse(jsonFailure(1, 'upload failed', error, '/s.json')) as { error: Record<string, unknown> }
  assert.equal({ ...parsed, error: { ...parsed.error, message: 'M' } }, {
    ok: false, exitCode: 1, message: 'upload failed', state: '/s.json',
    error: { tag: 'HttpError', status: 409, code: 'item_name_in_use', requestId: 'r1', message: 'M' },
  })
  assert.match(parsed.error['message'] as string, 'item_name_in_use')
  // A kept session is resumed under its name, also when its state file could not be written (no state path).
  for (const [state, kept] of [['/s.json', undefined], [undefined, true]] as const) {
    const advice = (JSON.parse(jsonFailure(1, 'upload failed', error, state, kept)) as { error: { message: string } }).error.message
    assert.match(advice, 'rename, move or delete that file in Box')
    assert.not.match(advice, '--name')
  }
  const notKept = (JSON.parse(jsonFailure(1, 'upload failed', error)) as { error: { message: string } }).error.message
  assert.match(notKept, 'choose another name with --name, or upload a new version of that file with --overwrite.')
})

Text.run()
Explain.run()
Json.run()
