/**
 * The emulator's settings written as text, as a process of its own is given them (`box-upload emulator`'s flags,
 * the `BOX_*` variables of main.ts): read here, so that both take and refuse the same values in the same words,
 * each naming where its value came from (`--upload-base-url`, `BOX_UPLOAD_BASE_URL`). A refusal is a `TypeError`.
 */

// ---------------------------------------------------------------------------------------------
// operations

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
