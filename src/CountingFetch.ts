/**
 * How much of the part bodies in flight the connections have taken: `fetch` reports no upload progress,
 * and Box confirms a part only once all of it is stored, so with 32 MiB parts on a slow uplink `onProgress`
 * (and `box-upload`'s bar) would sit still for minutes between parts. In Node and Bun a part's body is a
 * stream that their fetch reads a 1 MiB chunk at a time, each once the socket took the one before
 * (src/body/stream.ts): counting the chunks as they are read tells how far each request got. Bodies that are
 * not streams (JSON, and the parts of Deno and browsers, which are bytes) go through untouched and count nothing.
 */
import type { Fetch } from './Client.ts'

// ---------------------------------------------------------------------------------------------
// model

/** A `fetch` that counts what its stream bodies gave, and the count for the requests not yet answered. */
export interface CountingFetch {
  readonly fetch: Fetch
  /**
   * Bytes of stream bodies read so far by requests still waiting for their answer: a request's count
   * goes once it is answered or failed (a part Box confirmed is then counted by the upload's progress;
   * a failed one is sent again from its start). Up to a chunk per request ahead of the socket.
   */
  readonly inFlight: () => number
}

// ---------------------------------------------------------------------------------------------
// constructors

/**
 * Counts the stream bodies that `fetch` sends: give the client its `fetch`, and add `inFlight()` to the last
 * progress report's `bytesUploaded` to show bytes sent between confirmed parts.
 * @example
 * const counting = countingFetch(globalThis.fetch)
 * const box = client({ token, fetch: counting.fetch })
 * setInterval(() => show(confirmed + counting.inFlight()), 200)
 */
export const countingFetch = (fetch: Fetch): CountingFetch => {
  const counts = new Set<{ bytes: number }>()
  return {
    fetch: (input, init) => {
      const body = init?.body
      if (!(body instanceof ReadableStream)) return fetch(input, init)
      const count = { bytes: 0 }
      counts.add(count)
      return fetch(input, { ...init, body: counted(body as ReadableStream<Uint8Array>, count) }).finally(() => counts.delete(count))
    },
    inFlight: () => {
      let bytes = 0
      for (const count of counts) bytes += count.bytes
      return bytes
    },
  }
}

// ---------------------------------------------------------------------------------------------
// helpers

/**
 * `body` read one chunk per pull, as it is pulled (nothing read ahead: the high-water mark of 0), so the
 * body's own timing, which src/body/stream.ts's stall check reads, is that of the connection as before.
 */
const counted = (body: ReadableStream<Uint8Array>, count: { bytes: number }): ReadableStream<Uint8Array> => {
  const reader = body.getReader()
  return new ReadableStream<Uint8Array>(
    {
      pull: async (controller) => {
        const { done, value } = await reader.read()
        if (done) return controller.close()
        count.bytes += value.byteLength
        controller.enqueue(value)
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  )
}
