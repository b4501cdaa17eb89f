/**
 * A part's body as its bytes: what every runtime accepts. Browsers refuse streaming request bodies
 * over HTTP/1.1, so this is the default (the `#partBody` import's `default` condition).
 */
import type { PartBody } from './PartBody.ts'

/** The bytes themselves (the runtime's fetch copies them, as the Fetch standard says). */
export const partBody: PartBody = (bytes) => ({ body: bytes, headers: {} })
