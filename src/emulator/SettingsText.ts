/**
 * The emulator's settings written as text, as a process of its own is given them (`box-upload emulator`'s flags,
 * the `BOX_*` variables of main.ts): read here, so that both take and refuse the same values in the same words,
 * each naming where its value came from (`--folders`, `BOX_FOLDERS`). A refusal is a `TypeError`; so is a listen
 * address or port it cannot have said, in words that name them (`listenRefused`).
 */

// ---------------------------------------------------------------------------------------------
// model

/** The names a process takes its listen address and port under: `--host` and `--port`, or `BOX_HOST` and `PORT`. */
export interface ListenNames {
  readonly host: string
  readonly port: string
}

/** Most digits of a Box id: 20 (2^64 has 20), as a session's `folder_id` may have (Sessions.ts). */
const maxIdDigits = 20

// ---------------------------------------------------------------------------------------------
// operations

/**
 * The `folders` `text` writes: `any` (every all-digits id), or the folder ids that exist besides the root `0`,
 * comma-separated, each of 1 to 20 digits. An empty list or entry is refused, not dropped: `1,,2` is likely a mistake.
 */
export const foldersFromText = (name: string) => (text: string): ReadonlyArray<string> | 'any' => {
  if (text.trim() === 'any') return 'any'
  const ids = text.split(',').map((id) => id.trim())
  if (text.trim() === '') throw new TypeError(`${name} needs at least one folder id (comma-separated, like 123,456)`)
  if (ids.includes('')) throw new TypeError(`${name} has an empty entry (a comma too many?): give folder ids separated by single commas, like 123,456`)
  const bad = ids.find((id) => !/^\d+$/.test(id) || id.length > maxIdDigits)
  if (bad === undefined) return ids
  throw new TypeError(/^\d+$/.test(bad)
    ? `${name} must be a Box folder id of at most ${maxIdDigits} digits, not '${bad}' (${bad.length} digits)`
    : `${name} must be a Box folder id (digits), not '${bad}'`)
}

/**
 * The `uploadBaseUrl` `text` writes: an http(s) URL without a query or fragment (paths are added to it), scheme and
 * host in lower case, no default port, no trailing slash. A user or password in it is refused without being repeated,
 * also when it does not parse (any '@' may end a password, which may hold '/', '?' or '#'): clients are sent to this
 * URL, so every one of them would get the credentials. Nor is a query quoted, which may carry a token.
 */
export const uploadBaseUrlFromText = (name: string) => (text: string): string => {
  const url = URL.canParse(text) ? new URL(text) : undefined
  if (url === undefined ? text.includes('@') : url.username !== '' || url.password !== '') {
    throw new TypeError(`${name} must not hold a user or password: it is the URL clients are sent to (session_endpoints are under it), so the credentials would leak to every client`)
  }
  if (url === undefined || !/^https?:\/\/[^\s/]/i.test(text) || /[?#]/.test(text)) {
    throw new TypeError(`${name} must be an http(s) URL without a query or fragment, not '${text.replace(/[?#][\s\S]*/, '?…')}'`)
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '')
}

/**
 * Why the emulator cannot listen on `host` and `port`, for the code of the error the listen failed with, in words that
 * say what to give instead and name where they came from (`names`); `undefined` for an error of another kind.
 */
export const listenRefused = (names: ListenNames) => (host: string, port: number, code: unknown): string | undefined => {
  const taken = code === 'EADDRINUSE' ? 'is in use' : code === 'EACCES' ? 'is not open to this user (ports under 1024 need privileges)' : undefined
  if (taken !== undefined) return `port ${port} on ${host} ${taken}: choose another ${names.port}, or 0 for any free port`
  const address = code === 'EADDRNOTAVAIL' ? 'is no address of this machine'
    : code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME' ? `names no address (an address or host name, without a port: that is ${names.port})`
    : undefined
  return address === undefined ? undefined
    : `${names.host} ${host} ${address}: give one this machine has (127.0.0.1, the default; 0.0.0.0 or :: for every interface)`
}
