/**
 * Who a bearer token stands for. Each configured token is a user of its own, and owns what it
 * creates (sessions, files, names in its folders). A user keeps everything when its access token is
 * replaced (`rotateToken`): on Box an access token lasts an hour, and the client goes on as the same
 * user with a new one, while the old one is answered `401` like any unknown token.
 */

/** The user each accepted token stands for, by number (1 for the first configured token, 2 for the next…). */
export type Users = Map<string, number>

/** One user per configured token, numbered in the order given (a token listed twice is its first user). */
export const users = (tokens: ReadonlyArray<string>): Users => {
  const byToken: Users = new Map()
  tokens.forEach((token, i) => { if (!byToken.has(token)) byToken.set(token, i + 1) })
  return byToken
}

/**
 * Gives the user of `old` the token `fresh`, and stops accepting `old`. A `TypeError` (that never quotes
 * either token) when `old` is not accepted now, or `fresh` is no token a header carries or already someone's.
 */
export const rotate = (byToken: Users) => (old: string, fresh: string): void => {
  const user = byToken.get(old)
  if (user === undefined) throw new TypeError('rotateToken: the token to replace is not accepted now (never configured, or replaced already)')
  if (typeof fresh !== 'string' || fresh === '' || /\s/.test(fresh)) throw new TypeError('rotateToken: the new token must be a non-empty string without spaces')
  if (byToken.has(fresh)) throw new TypeError('rotateToken: the new token is already accepted (a user\'s current token)')
  byToken.delete(old)
  byToken.set(fresh, user)
}

/** The Box user object of user number `n`: ids from 10001. */
export const userJson = (n: number) =>
  ({ type: 'user' as const, id: String(10000 + n), name: `Emulator User ${n}`, login: `user${n}@example.com` })
