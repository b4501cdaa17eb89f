/**
 * Conformance with a client no one here wrote: Box's official TypeScript SDK
 * (box-typescript-sdk-gen 1.19.1), base URLs pointed at the emulator. The SDK appends
 * `/2.0/files/upload_sessions` to `uploadUrl` and `/2.0/files/...` to `baseUrl`
 * (networking/baseUrls.generated.js, managers/chunkedUploads.generated.js), so both are given
 * without `/2.0`. The SDK cannot handle a 202 commit (protocol §8.1), so `processingDelayMs` is 0.
 */
import { createRequire } from 'node:module'
import { Readable } from 'node:stream'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import * as esmSdk from 'box-typescript-sdk-gen'
import type { BoxApiError } from 'box-typescript-sdk-gen/box/errors'
import type { RunningEmulator } from '../helpers/emulator.ts'
import { assertSameBytes, download, randomFile, sha1Base64, sha1Hex, uniqueName, withEmulator } from '../helpers/box.ts'

/** The SDK as `require` loads it: its CommonJS build (`import` gives its ESM build, `esmSdk`). */
const cjsSdk = createRequire(import.meta.url)('box-typescript-sdk-gen') as typeof esmSdk

const clientFor = (em: RunningEmulator, token = 'dev-token', sdk = esmSdk): esmSdk.BoxClient =>
  new sdk.BoxClient({ auth: new sdk.BoxDeveloperTokenAuth({ token }) }).withCustomBaseUrls({
    baseUrl: em.apiUrl.replace(/\/2\.0$/, ''),
    uploadUrl: em.url.replace(/\/2\.0$/, ''),
    oauth2Url: `${new URL(em.url).origin}/oauth2`,
  })

/** A Node stream of `bytes` in uneven chunks, as a file read would give. */
const streamOf = (bytes: Uint8Array): Readable =>
  Readable.from((function* () {
    for (let o = 0; o < bytes.length; o += 300_000) yield Buffer.from(bytes.subarray(o, Math.min(bytes.length, o + 300_000)))
  })())

const SIZE = 21 * 1000 * 1000

test('uploadBigFile of a 21 MB stream completes and the stored bytes equal the source', () =>
  withEmulator({ processingDelayMs: 0 }, async (em) => {
    const bytes = randomFile(SIZE)
    const name = uniqueName('sdk-big')
    const client = clientFor(em)
    const file = await client.chunkedUploads.uploadBigFile(streamOf(bytes), name, bytes.length, '0')
    assert.is(file.type, 'file')
    assert.is(file.name, name)
    assert.is(file.size, bytes.length)
    assert.is(file.sha1?.toLowerCase(), sha1Hex(bytes))
    const got = await download(em, file.id)
    assert.is(got.status, 200)
    assertSameBytes(got.bytes, bytes)
    // The SDK reads the file and its bytes back through the API base too.
    const again = await client.files.getFileById(file.id)
    assert.is(again.id, file.id)
    assert.is(again.size, bytes.length)
    const stream = await client.downloads.downloadFile(file.id)
    assert.ok(stream !== undefined, 'downloadFile answered')
    const chunks: Buffer[] = []
    for await (const c of stream as AsyncIterable<Buffer>) chunks.push(Buffer.from(c))
    assertSameBytes(new Uint8Array(Buffer.concat(chunks)), bytes, 'SDK download')
  }))

test('uploadBigFile of a size that is an exact multiple of part_size sends no empty trailing part', () =>
  withEmulator({ minFileSize: 1, partSize: 64 * 1024 }, async (em) => {
    const bytes = randomFile(4 * 64 * 1024)
    const file = await clientFor(em).chunkedUploads.uploadBigFile(streamOf(bytes), uniqueName('sdk-exact'), bytes.length, '0')
    assertSameBytes((await download(em, file.id)).bytes, bytes)
  }))

test('the manual flow by URL (create, upload parts, list, commit, delete) completes with equal bytes', () =>
  withEmulator({ processingDelayMs: 0 }, async (em) => {
    const bytes = randomFile(SIZE)
    const name = uniqueName('sdk-manual')
    const chunked = clientFor(em).chunkedUploads
    const session = await chunked.createFileUploadSession({ fileName: name, fileSize: bytes.length, folderId: '0' })
    const endpoints = session.sessionEndpoints!
    const partSize = session.partSize!
    assert.is(session.totalParts, Math.ceil(bytes.length / partSize))
    assert.is(session.numPartsProcessed, 0)
    const parts = []
    for (let i = 0; i < session.totalParts!; i++) {
      const start = i * partSize
      const chunk = bytes.subarray(start, Math.min(bytes.length, start + partSize))
      const uploaded = await chunked.uploadFilePartByUrl(endpoints.uploadPart!, Readable.from([Buffer.from(chunk)]), {
        digest: `sha=${sha1Base64(chunk)}`,
        contentRange: `bytes ${start}-${start + chunk.length - 1}/${bytes.length}`,
      })
      assert.is(uploaded.part!.offset, start)
      assert.is(uploaded.part!.size, chunk.length)
      assert.is(uploaded.part!.sha1, sha1Hex(chunk))
      parts.push(uploaded.part!)
    }
    const listed = await chunked.getFileUploadSessionPartsByUrl(endpoints.listParts!)
    assert.is(listed.totalCount, session.totalParts)
    assert.equal(listed.entries!.map((p) => p.partId), parts.map((p) => p.partId))
    const status = await chunked.getFileUploadSessionByUrl(endpoints.status!)
    assert.is(status.numPartsProcessed, session.totalParts)
    const committed = await chunked.createFileUploadSessionCommitByUrl(endpoints.commit!, { parts }, { digest: `sha=${sha1Base64(bytes)}` })
    assert.ok(committed !== undefined, 'commit answered 201, not 202')
    const file = committed!.entries![0]!
    assert.is(file.name, name)
    await chunked.deleteFileUploadSessionByUrl(endpoints.abort!)
    const got = await download(em, file.id)
    assertSameBytes(got.bytes, bytes)
  }))

test('the manual flow by session id (the SDK builds the URLs from uploadUrl) completes', () =>
  withEmulator({ minFileSize: 1, partSize: 64 * 1024 }, async (em) => {
    const bytes = randomFile(200_000)
    const chunked = clientFor(em).chunkedUploads
    const session = await chunked.createFileUploadSession({ fileName: uniqueName('sdk-id'), fileSize: bytes.length, folderId: '0' })
    const id = session.id!
    const partSize = session.partSize!
    const parts = []
    for (let start = 0; start < bytes.length; start += partSize) {
      const chunk = bytes.subarray(start, Math.min(bytes.length, start + partSize))
      const uploaded = await chunked.uploadFilePart(id, Readable.from([Buffer.from(chunk)]), {
        digest: `sha=${sha1Base64(chunk)}`,
        contentRange: `bytes ${start}-${start + chunk.length - 1}/${bytes.length}`,
      })
      parts.push(uploaded.part!)
    }
    assert.is((await chunked.getFileUploadSessionParts(id)).totalCount, parts.length)
    assert.is((await chunked.getFileUploadSessionById(id)).id, id)
    const committed = await chunked.createFileUploadSessionCommit(id, { parts }, { digest: `sha=${sha1Base64(bytes)}` })
    const file = committed!.entries![0]!
    await chunked.deleteFileUploadSessionById(id)
    assertSameBytes((await download(em, file.id)).bytes, bytes)
  }))

test('a new version through the SDK (createFileUploadSessionForExistingFile) replaces the content', () =>
  withEmulator({ minFileSize: 1, partSize: 64 * 1024 }, async (em) => {
    const client = clientFor(em)
    const v1 = randomFile(100_000)
    const first = await client.chunkedUploads.uploadBigFile(streamOf(v1), uniqueName('sdk-v'), v1.length, '0')
    const v2 = randomFile(150_000)
    const chunked = client.chunkedUploads
    const session = await chunked.createFileUploadSessionForExistingFile(first.id, { fileSize: v2.length })
    const partSize = session.partSize!
    const parts = []
    for (let start = 0; start < v2.length; start += partSize) {
      const chunk = v2.subarray(start, Math.min(v2.length, start + partSize))
      parts.push((await chunked.uploadFilePartByUrl(session.sessionEndpoints!.uploadPart!, Readable.from([Buffer.from(chunk)]), {
        digest: `sha=${sha1Base64(chunk)}`,
        contentRange: `bytes ${start}-${start + chunk.length - 1}/${v2.length}`,
      })).part!)
    }
    const committed = await chunked.createFileUploadSessionCommitByUrl(session.sessionEndpoints!.commit!, { parts }, { digest: `sha=${sha1Base64(v2)}` })
    assert.is(committed!.entries![0]!.id, first.id)
    assertSameBytes((await download(em, first.id)).bytes, v2)
  }))

test("uploadBigFile rides over the emulator's transient faults with the SDK's own retries (429, connection reset, 500 before storing)", () =>
  withEmulator({
    minFileSize: 1, partSize: 64 * 1024,
    faults: { retryAfterSeconds: 0, script: [{ part: 0, fault: 'rate_limit' }, { part: 1, fault: 'reset' }, { part: 2, fault: 'error_before' }] },
  }, async (em) => {
    const bytes = randomFile(4 * 64 * 1024 + 123)
    const file = await clientFor(em).chunkedUploads.uploadBigFile(streamOf(bytes), uniqueName('sdk-faults'), bytes.length, '0')
    assertSameBytes((await download(em, file.id)).bytes, bytes)
  }))

test('the SDK surfaces the emulator errors as BoxApiError with Box code and status', () =>
  withEmulator({}, async (em) => {
    const chunked = clientFor(em).chunkedUploads
    let caught: unknown
    try {
      await chunked.createFileUploadSession({ fileName: uniqueName(), fileSize: 1000, folderId: '0' })
    } catch (e) {
      caught = e
    }
    // The SDK builds its message from the body's status, message and request_id (boxNetworkClient.js);
    // `responseInfo` is undefined on what 1.19.1's ESM build throws (next test), so the message is checked.
    const e = caught as { name?: string; message?: string }
    assert.ok(e !== undefined, 'a too-small file is refused')
    assert.is(e.name, 'BoxApiError')
    assert.match(e.message ?? '', /^400 /)
    assert.match(e.message ?? '', /Request ID: "[0-9a-zA-Z]+"/)
  }))

// README, Coming from Box's SDK: what a user's `catch` reads there. 1.19.1's ESM build declares `responseInfo` as a
// class field, which wipes the value its base constructor assigned; its `code` is the body's `code` through
// JSON.stringify (boxNetworkClient.js: sdToJson), quotes included.
test("a name in use: 1.19.1's BoxApiError carries responseInfo under require only, its code JSON-quoted, the file in contextInfo.conflicts", () =>
  withEmulator({ minFileSize: 1, partSize: 64 * 1024 }, async (em) => {
    const bytes = randomFile(100_000)
    const name = uniqueName('sdk-clash')
    const first = await clientFor(em).chunkedUploads.uploadBigFile(streamOf(bytes), name, bytes.length, '0')
    const thrown = (sdk: typeof esmSdk): Promise<Partial<BoxApiError>> =>
      clientFor(em, 'dev-token', sdk).chunkedUploads.uploadBigFile(streamOf(bytes), name, bytes.length, '0')
        .then((): never => { throw new Error('uploadBigFile went through, though the name is in use') }, (e: BoxApiError) => e)
    const imported = await thrown(esmSdk)
    assert.is(imported.name, 'BoxApiError')
    assert.match(imported.message ?? '', /^409 /)
    assert.is(imported.responseInfo, undefined)
    const required = await thrown(cjsSdk)
    assert.is(required.name, 'BoxApiError')
    assert.is(required.responseInfo?.code, '"item_name_in_use"')
    assert.is(required.responseInfo?.contextInfo?.['conflicts']?.id, first.id)
  }))

test.run()
