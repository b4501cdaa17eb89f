/** How a part's bytes become a request body: the interface the `#partBody` variants implement. */
import type { Part } from '../Part.ts'

/**
 * A request body for `part`, the headers it needs, and the signal to send it with: the attempt's
 * `signal`, or one of the body's own (Node, Bun: it also fires when the body stalls, and holds the attempt's
 * timeout while the body is being sent, so it follows the `caller`'s abort itself). Called once per
 * attempt (a stream is read once).
 */
export type PartBody = (part: Part<ArrayBufferLike>, signal: AbortSignal, caller?: AbortSignal | undefined) => {
  readonly body: NonNullable<RequestInit['body']>
  readonly headers?: Readonly<Record<string, string>> | undefined
  readonly signal: AbortSignal
}
