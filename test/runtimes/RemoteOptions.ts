/**
 * EmulatorOptions (and the Node adapter's `bodyIdleTimeoutMs`) as they travel from a page or a Worker to the
 * Node runner that starts the emulator: JSON, with the function-valued options made data. `partSize` travels as
 * its source text (so it must be a pure arrow); `onRequest` becomes a flag, and its records are fetched back by
 * the caller; `clock` travels as its value, sent again with every poll, which the runner asks for before each
 * request reaches the emulator; `bodyIdleTimeoutMs` `Infinity`, which JSON cannot write, as its equal 0 (never).
 * Web globals only: used on both sides.
 */
import type { ServeOptions } from '../../src/emulator/node.ts'
import type { EmulatorOptions, RequestRecord } from '../../src/emulator/Options.ts'

/** What crosses: the emulator's options and the one option of the Node adapter a test may set (not its port or host). */
export type Forwarded = EmulatorOptions & Pick<ServeOptions, 'bodyIdleTimeoutMs'>

/** The JSON body of `POST /emulators`. */
export interface RemoteOptions {
  readonly options: Omit<EmulatorOptions, 'partSize' | 'onRequest' | 'clock'>
  readonly partSize?: number | { readonly source: string }
  /** Whether the caller wants the request records (`onRequest` was given). */
  readonly records: boolean
  /** The caller's clock now, when it gave one. */
  readonly clock?: number
  /** `serve`'s `bodyIdleTimeoutMs`, 0 for never. */
  readonly bodyIdleTimeoutMs?: number
}

/** The answer of `POST /emulators`. */
export interface RemoteEmulator {
  readonly id: string
  readonly url: string
  readonly apiUrl: string
}

/** The answer of `GET /emulators/:id/records?from=N` (a long poll; N acks the records the caller has): the records from index N on. */
export type RemoteRecords = ReadonlyArray<RequestRecord>

/** Options -> wire form. Any other function cannot cross: that is an error, not a silent drop. */
export const toRemote = ({ partSize, onRequest, clock, bodyIdleTimeoutMs, ...options }: Forwarded): RemoteOptions => {
  const functions = Object.entries(options).filter(([, value]) => typeof value === 'function').map(([key]) => key)
  if (functions.length > 0) {
    throw new Error(`emulator option(s) ${functions.join(', ')} are functions of this test and cannot reach the emulator the runner starts outside this runtime: move the test to a *.node.test.ts file`)
  }
  return {
    options,
    records: onRequest !== undefined,
    ...(clock === undefined ? {} : { clock: clock() }),
    ...(bodyIdleTimeoutMs === undefined ? {} : { bodyIdleTimeoutMs: bodyIdleTimeoutMs === Number.POSITIVE_INFINITY ? 0 : bodyIdleTimeoutMs }),
    ...(partSize === undefined ? {} : { partSize: typeof partSize === 'number' ? partSize : { source: String(partSize) } }),
  }
}

/** Wire form -> options (on the Node side), with the records collector as `onRequest` and the caller's clock as last polled. */
export const fromRemote = (remote: RemoteOptions, onRequest: (record: RequestRecord) => void, clock: () => number): Forwarded => {
  const { partSize, bodyIdleTimeoutMs } = remote
  return {
    ...remote.options,
    onRequest,
    ...(remote.clock === undefined ? {} : { clock }),
    ...(bodyIdleTimeoutMs === undefined ? {} : { bodyIdleTimeoutMs }),
    ...(partSize === undefined
      ? {}
      : { partSize: typeof partSize === 'number' ? partSize : (new Function(`return (${partSize.source})`)() as (size: number) => number) }),
  }
}
