/** How a part's bytes become a request body: the interface the `#partBody` variants implement. */
import type { Part } from '../Part.ts'

/**
 * A request body for `part`, the headers it needs, and the signal to send it with: the attempt's
 * `signal`, or one that also fires when the body stalls (Node). Called once per attempt (a stream is read once).
 */
export type PartBody = (part: Part<ArrayBufferLike>, signal: AbortSignal) => {
  readonly body: NonNullable<RequestInit['body']>
  readonly headers?: Readonly<Record<string, string>> | undefined
  readonly signal: AbortSignal
}
