/** How a part's bytes become a request body: the interface the `#partBody` variants implement. */

/** A request body for `bytes`, and the headers it needs. Called once per attempt (a stream is read once). */
export type PartBody = (bytes: Uint8Array) => {
  readonly body: NonNullable<RequestInit['body']>
  readonly headers: Readonly<Record<string, string>>
}
