/**
 * The `reset` fault: the connection dies in the middle of a request body. The core handler cannot
 * reset a socket, so it rejects with a `TypeError` (what `fetch` gives on a network failure) that
 * carries a private mark; the Node adapter sees the mark and destroys the socket instead of answering.
 */

const RESET: unique symbol = Symbol.for('box-chunked-upload.emulator.reset')

/** The rejection of a request hit by a `reset` fault, or (with its own message) whose client went away mid-body. */
export const resetError = (message = 'fetch failed: connection reset by the emulator (fault "reset")'): TypeError =>
  Object.assign(new TypeError(message), { [RESET]: true })

/** Whether a rejection is a `reset` fault. */
export const isReset = (e: unknown): boolean =>
  typeof e === 'object' && e !== null && (e as { [RESET]?: boolean })[RESET] === true
