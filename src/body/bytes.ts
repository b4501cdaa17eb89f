/**
 * A part's body as its bytes: what every runtime accepts. Browsers refuse streaming request bodies
 * over HTTP/1.1, so this is the default (the `#partBody` import's `default` condition).
 */
import type { PartBody } from './PartBody.ts'

/**
 * The bytes themselves (the runtime's fetch copies them, as the Fetch standard says); a view of
 * shared memory, which `fetch` refuses, is copied into a plain buffer first. Sent with the attempt's
 * signal as it is: `fetch` reports no upload progress here, so only the retry policy's `timeoutMs` ends a stalled body.
 */
export const partBody: PartBody = ({ bytes }, signal) => ({ body: isPlain(bytes) ? bytes : new Uint8Array(bytes), signal })

const isPlain = (bytes: Uint8Array): bytes is Uint8Array<ArrayBuffer> => bytes.buffer instanceof ArrayBuffer
