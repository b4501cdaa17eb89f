/**
 * Where an upload goes, made concrete: a `Client` for Box, for a running emulator, or for an
 * emulator started in this process on 127.0.0.1 (the default without a token).
 */
import { type Client, client, defaultFetch } from '../Client.ts'
import { type CountingFetch, countingFetch } from '../CountingFetch.ts'
import { serve } from '../emulator/node.ts'
import { exchangeLog } from './ExchangeLog.ts'
import type { Proxies } from './Proxy.ts'
import { proxied } from './ProxyFetch.ts'
import { BOX_UPLOAD_URL } from './Target.ts'
import type { Started } from './TokenCommand.ts'

// ---------------------------------------------------------------------------------------------
// model

/** How the result names the place the file went. */
export type Where = 'embedded emulator' | 'Box' | 'remote server'

/** A connected target. */
export interface Endpoint {
  readonly client: Client
  readonly where: Where
  /** Where to download the committed file from to check it, when that is possible. */
  readonly apiUrl?: string
  /** Through a proxy: fires when it refused the credentials (407), its reason the refused request's error (`Proxied.refused`). */
  readonly refused?: AbortSignal
  /** Bytes of part bodies sent and not yet answered (`CountingFetch.inFlight`): the progress bar between parts. */
  readonly inFlight: () => number
  /** Stops the embedded emulator, or closes the connections kept to a proxy. */
  readonly close: () => Promise<void>
}

/**
 * Largest file the embedded emulator keeps in memory to send back for the download check; above it
 * it keeps digests only (constant memory) and checks the SHA-1 at commit, as Box does.
 */
export const EMBEDDED_MEMORY_LIMIT = 512 * 1024 * 1024

/** The token a `box-upload emulator` and the embedded emulator accept by default. */
export const EMULATOR_TOKEN = 'dev-token'

// ---------------------------------------------------------------------------------------------
// constructors

/**
 * Connects to `target` for a file of `fileSize` bytes, through `proxies` when they apply; the embedded
 * emulator (on loopback: never through a proxy) refuses files under `minFileSize`, as the CLI does.
 * `target` is `TokenCommand.started`'s: a token command's holds its token function, which alone runs it.
 * `log`, with `--verbose`: where each HTTP exchange's line goes (`ExchangeLog`).
 */
export const connect = async (
  target: Started, minFileSize: number, fileSize: number, proxies?: Proxies, log?: (line: string) => void,
): Promise<Endpoint> => {
  // Outside the proxy's fetch, whose errors have its credentials masked already.
  const sent = (counting: CountingFetch) => (log === undefined ? counting.fetch : exchangeLog(counting.fetch, log))
  if (target._tag === 'Remote') {
    // Off Box, the API base is the server's own too: left to its default (Box's), it would make the
    // client trust every https *.box.com host with the token, which the user never named.
    const apiUrl = target.apiUrl ?? (target.uploadUrl === BOX_UPLOAD_URL ? undefined : target.uploadUrl)
    const through = proxies === undefined ? undefined : proxied(proxies)
    const counting = countingFetch(through?.fetch ?? defaultFetch)
    return {
      client: client({ token: target.token, uploadUrl: target.uploadUrl, ...(apiUrl ? { apiUrl } : {}), fetch: sent(counting) }),
      where: target.uploadUrl === BOX_UPLOAD_URL ? 'Box' : 'remote server',
      ...(target.apiUrl ? { apiUrl: target.apiUrl } : {}),
      ...(through ? { refused: through.refused } : {}),
      inFlight: counting.inFlight,
      close: through?.close ?? (async () => undefined),
    }
  }
  const inMemory = fileSize <= EMBEDDED_MEMORY_LIMIT
  const served = await serve({
    port: 0,
    tokens: [EMULATOR_TOKEN],
    minFileSize,
    storage: inMemory ? 'memory' : 'digest',
    ...(target.partSize !== undefined ? { partSize: target.partSize } : {}),
  })
  const counting = countingFetch(defaultFetch)
  return {
    client: client({ token: EMULATOR_TOKEN, uploadUrl: served.url, apiUrl: served.apiUrl, fetch: sent(counting) }),
    where: 'embedded emulator',
    ...(inMemory ? { apiUrl: served.apiUrl } : {}),
    inFlight: counting.inFlight,
    close: served.close,
  }
}
