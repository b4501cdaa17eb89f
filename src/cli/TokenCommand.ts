/**
 * `--token-command CMD` (or BOX_TOKEN_COMMAND): a shell command that prints an access token, run when the upload
 * starts and again each time the library asks for a fresh token after a 401, as git's credential helpers,
 * kubectl's exec credentials and AWS's credential_process do. Box's access tokens last 60 minutes; a large
 * upload on a modest link lasts longer (50 GB at 10 MB/s: 83 minutes), and a fixed `--token` then meets a 401.
 *
 * What the command prints on stdout is the secret: it is never inherited by the terminal, never quoted in a
 * message (nor is the command, which may hold a client secret), and its stderr is kept, not passed through
 * (it would break the progress bar's line), to quote its last line when the command fails.
 */
import { spawn } from 'node:child_process'
import * as E from 'fp-ts/lib/Either.js'
import { defaultRetryPolicy } from '../Retry.ts'
import type { UploadError } from '../UploadError.ts'
import { type Raw, text } from './Argv.ts'
import { usableToken } from './FlagValues.ts'
import type { Target } from './Target.ts'
import { type UsageError, usageError } from './UsageError.ts'

// ---------------------------------------------------------------------------------------------
// model

/** A command that prints the access token, and where it was given (messages name that, never the command). */
export interface TokenCommand {
  readonly _tag: 'TokenCommand'
  readonly command: string
  readonly from: '--token-command' | 'BOX_TOKEN_COMMAND'
}

/** The environment variables of a token: given as it is, or the command that prints one. */
export interface TokenEnv {
  readonly BOX_TOKEN?: string
  readonly BOX_TOKEN_COMMAND?: string
}

/** Why the token command gave no token. None holds what it printed on stdout. */
export type TokenCommandError =
  /** It exited with another code than 0, or a signal ended it; `stderr`: its last line (masked, cut short), if any. */
  | { readonly _tag: 'Exited'; readonly code: number | null; readonly signal: NodeJS.Signals | null; readonly stderr: string }
  /** It printed nothing but spaces. */
  | { readonly _tag: 'NoToken' }
  /** It printed what no header can carry: more than one line, a control character, a character past Latin-1, too much. */
  | { readonly _tag: 'Unusable' }
  /** It did not finish within `ms`, and was killed. */
  | { readonly _tag: 'TimedOut'; readonly ms: number }
  /** The shell could not be started. */
  | { readonly _tag: 'NotStarted'; readonly reason: string }
  /** A Ctrl-C or signal stopped box-upload while it ran: killed with it (its own process group, which a terminal's Ctrl-C misses). */
  | { readonly _tag: 'Stopped' }

/**
 * A target as an upload connects to it (`started`'s): a token command's holds the client's token function in the
 * command's place, which runs it again (its first token had already, bounded by `boundMs`); the others as they were.
 */
export type Started =
  | Exclude<Target, { readonly _tag: 'Remote' }>
  | (Omit<Extract<Target, { readonly _tag: 'Remote' }>, 'token'> & { readonly token: string | (() => Promise<string>) })

/**
 * Longest a token command may run: a minute, or just under `--timeout` when shorter (`boundMs`). `box tokens:get`
 * or a curl to Box's token endpoint takes about a second.
 */
export const TOKEN_COMMAND_MS = 60_000

/**
 * How much sooner than `--timeout` a token command is stopped (half of `--timeout` when that is under 0.2 s). After a
 * 401 the library waits for a token no longer than the request's timeout, `--timeout` (Retry.ts, withTimeout), and
 * that wait starts a moment before the command does: were the two bounds equal, the library's would end first, and
 * the upload fail as a network timeout ("Check the network, proxy…") while the command that hung went unnamed.
 * A tenth of a second is far more than the microtasks between the two timers (the command's is set before its spawn).
 */
const RESERVE_MS = 100

/** Most bytes read of its stdout: a token is short (Box's 32 characters, a JWT a few KiB). */
const MAX_OUTPUT = 64 * 1024

/** Longest part of its stderr's last line quoted. */
const MAX_STDERR_LINE = 200

// ---------------------------------------------------------------------------------------------
// constructors

/**
 * The token the command line gives, from a flag or else from the environment: a flag takes the place of both
 * variables (as `--proxy` does of HTTPS_PROXY and HTTP_PROXY); both flags, or both variables without a flag,
 * are refused rather than one silently winning (a forgotten BOX_TOKEN would then fail after an hour).
 */
export const token = (raw: Raw, env: TokenEnv): E.Either<UsageError, string | TokenCommand | undefined> => {
  const flagToken = text(raw, 'token')
  const flagCommand = text(raw, 'token-command')
  if (flagToken !== undefined && flagCommand !== undefined) {
    return E.left(usageError('--token and --token-command cannot both be given: a fixed token, or a command that prints one'))
  }
  if (flagToken !== undefined) return usableToken('--token', flagToken)
  if (flagCommand !== undefined) return command('--token-command', flagCommand)
  if (env.BOX_TOKEN && env.BOX_TOKEN_COMMAND) {
    return E.left(usageError('BOX_TOKEN and BOX_TOKEN_COMMAND are both set: unset one, or give --token or --token-command, which takes the place of both'))
  }
  return env.BOX_TOKEN ? usableToken('BOX_TOKEN', env.BOX_TOKEN) : env.BOX_TOKEN_COMMAND ? command('BOX_TOKEN_COMMAND', env.BOX_TOKEN_COMMAND) : E.right(undefined)
}

const command = (from: TokenCommand['from'], given: string): E.Either<UsageError, TokenCommand> =>
  given.trim() === '' ? E.left(usageError(`${from} is blank`)) : E.right({ _tag: 'TokenCommand', command: given, from })

// ---------------------------------------------------------------------------------------------
// operations

/**
 * Runs `spec`'s command once under the shell (`/bin/sh -c`; cmd.exe on Windows), stdin closed, for at most `ms`:
 * its stdout, trimmed, is the token. Killed with its whole process group when late (a pipeline's commands too), or
 * once `signal` aborts. `known`: tokens to mask in the stderr line quoted (the last one given).
 */
export const runOnce = (spec: TokenCommand, ms: number, known: ReadonlyArray<string> = [], signal?: AbortSignal): Promise<E.Either<TokenCommandError, string>> =>
  new Promise((resolve) => {
    const group = process.platform !== 'win32'
    // Timed from before the spawn, which takes milliseconds (more on a loaded machine): after a 401 this bound must
    // end before the library's wait for the token (RESERVE_MS), which started a moment before this call.
    const timer = setTimeout(() => {
      kill()
      settle(E.left({ _tag: 'TimedOut', ms }))
    }, ms)
    const child = spawn(spec.command, { shell: true, stdio: ['ignore', 'pipe', 'pipe'], detached: group, windowsHide: true })
    const out: Array<Buffer> = []
    let outBytes = 0
    let err = ''
    let settled = false
    const kill = (): void => {
      try {
        if (group && child.pid !== undefined) process.kill(-child.pid, 'SIGKILL')
        else child.kill('SIGKILL')
      } catch {
        // Gone already.
      }
    }
    // A box-upload that exits (a third Ctrl-C) does not leave the command running on.
    process.once('exit', kill)
    // Its own process group keeps a terminal's Ctrl-C from reaching it: stopped here, with box-upload.
    const stopped = (): void => {
      kill()
      settle(E.left({ _tag: 'Stopped' }))
    }
    const settle = (result: E.Either<TokenCommandError, string>): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      process.removeListener('exit', kill)
      signal?.removeEventListener('abort', stopped)
      resolve(result)
    }
    if (signal?.aborted) stopped()
    else signal?.addEventListener('abort', stopped, { once: true })
    child.stdout.on('data', (chunk: Buffer) => {
      outBytes += chunk.length
      if (outBytes > MAX_OUTPUT) {
        kill()
        return settle(E.left({ _tag: 'Unusable' }))
      }
      out.push(chunk)
    })
    // Only its end is quoted: the rest is not kept.
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { err = (err + chunk).slice(-MAX_OUTPUT) })
    child.once('error', (cause) => {
      kill()
      settle(E.left({ _tag: 'NotStarted', reason: cause.message }))
    })
    child.once('close', (code, signal) => {
      const printed = Buffer.concat(out).toString('utf8')
      if (code !== 0) return settle(E.left({ _tag: 'Exited', code, signal, stderr: lastLine(err, [printed, ...known]) }))
      settle(usable(printed))
    })
  })

/**
 * The client's token function for `spec`: the token `first` asked already, then the command run again at each
 * later call (the library's refresh after a 401). A failure throws its message, which the library wraps as
 * `InvalidInput` "The token function failed (…)" (`isTokenCommandFailure`).
 */
export const tokenFunction = (spec: TokenCommand, ms: number, first?: string, signal?: AbortSignal): (() => Promise<string>) => {
  let pending = first
  let last = first
  return async () => {
    if (pending !== undefined) {
      const given = pending
      pending = undefined
      return given
    }
    const ran = await runOnce(spec, ms, last === undefined ? [] : [last], signal)
    if (E.isLeft(ran)) throw new Error(message(spec)(ran.left))
    return (last = ran.right)
  }
}

/**
 * Before the upload: for a token command, its first run, so that a command that fails says so before anything is
 * sent (exit 1, as a token Box refuses), and the target with the client's token function that runs it again; a
 * fixed token or none has nothing to run. `timeoutMs`: `--timeout`, which bounds the command when shorter than a
 * minute (`boundMs`); `signal`: the run stopping (a Ctrl-C or signal), which stops it, this run or one after a 401.
 */
export const started = async (target: Target, timeoutMs?: number, signal?: AbortSignal): Promise<E.Either<string, Started>> => {
  if (target._tag !== 'Remote') return E.right(target)
  const spec = target.token
  if (typeof spec === 'string') return E.right({ ...target, token: spec })
  const ms = boundMs(timeoutMs)
  const first = await runOnce(spec, ms, [], signal)
  return E.isLeft(first) ? E.left(`nothing was sent: ${message(spec)(first.left)}`) : E.right({ ...target, token: tokenFunction(spec, ms, first.right, signal) })
}

/**
 * How long a token command may run with `--timeout` at `timeoutMs` (the library's 10 minutes when not given): a
 * minute, or `RESERVE_MS` less than `timeoutMs` when shorter, so that after a 401 it is the command's own bound that
 * ends the wait, with its own message. The same at the start, where nothing races it: one rule to tell.
 */
export const boundMs = (timeoutMs: number | undefined): number => {
  const timeout = timeoutMs ?? defaultRetryPolicy.timeoutMs ?? TOKEN_COMMAND_MS
  return Math.min(TOKEN_COMMAND_MS, timeout - Math.min(RESERVE_MS, Math.floor(timeout / 2)))
}

/** What went wrong, naming where the command was given, never the command nor its stdout. */
export const message = (spec: TokenCommand) => (error: TokenCommandError): string => {
  const it = `the token command (${spec.from})`
  switch (error._tag) {
    case 'Exited':
      return `${it} ${error.code !== null ? `exited with code ${error.code}` : `was ended by ${error.signal ?? 'a signal'}`}` +
        (error.stderr === '' ? ' and wrote nothing to stderr' : `; the last line of its stderr: ${error.stderr}`)
    case 'NoToken':
      return `${it} printed no token (its output was empty)`
    case 'Unusable':
      return `${it} printed what no header can carry (more than one line, a control character, a character past Latin-1, or over 64 KiB): it must print the access token alone`
    case 'TimedOut':
      return `${it} did not finish within ${error.ms / 1000} s and was stopped (a token command may take a minute, or just under --timeout when that is shorter)`
    case 'NotStarted':
      return `${it} could not be started (${error.reason})`
    case 'Stopped':
      return `${it} was stopped with box-upload`
  }
}

/**
 * Whether an upload stopped because the token command failed when the library asked it again after a 401: the
 * CLI's only token function is a token command's, whose failure the library makes `InvalidInput` (Client.ts,
 * tokenFailed). The session is then kept for a `--resume` once the command works, as for a token Box refused.
 */
export const isTokenCommandFailure = (error: UploadError): boolean =>
  error._tag === 'InvalidInput' && error.message.startsWith(`${libraryWording[0]}the token command (`)

/** How the library words a token function's failure (Client.ts, tokenFailed), its two ends; `Report.explain` rewords them. */
export const libraryWording = ['The token function failed (', '): fix the token provider given to client().'] as const

/** The same words after a 401, for a command-line user: a new token was asked for (the server refused the one sent) and not had. */
export const commandLineWording = ['The server refused the token (expired or revoked) and a new one could not be had: ', '.'] as const

/**
 * What a `--resume` hint adds about the token, for a token command: to give it again (`refused`: once it prints a
 * valid token of the user who started the upload); `undefined` for a fixed token or none.
 */
export const resumeWith = (target: Target, refused: boolean): string | undefined =>
  target._tag !== 'Remote' || typeof target.token === 'string' ? undefined
    : refused ? ' (with --token-command or BOX_TOKEN_COMMAND, once it prints a valid token of the user who started it)'
    : ' (with the same --token-command or BOX_TOKEN_COMMAND)'

// ---------------------------------------------------------------------------------------------
// helpers

/** The token in what the command printed: one line, trimmed, that a header can carry. */
const usable = (printed: string): E.Either<TokenCommandError, string> => {
  const trimmed = printed.trim()
  if (trimmed === '') return E.left({ _tag: 'NoToken' })
  // usableToken's checks (a control character, past Latin-1), with the command's own words.
  return E.isLeft(usableToken('', trimmed)) ? E.left({ _tag: 'Unusable' }) : E.right(trimmed)
}

/**
 * The last line of `stderr` with something in it, without control characters, cut short, and with whatever the
 * command printed on stdout (a token, a line of it) masked, and the tokens given before: a failing command may
 * also echo to stderr (a `set -x`).
 */
const lastLine = (stderr: string, secrets: ReadonlyArray<string>): string => {
  const line = stderr.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '').at(-1) ?? ''
  const pieces = secrets.flatMap((s) => [s.trim(), ...s.split(/\r?\n/).map((l) => l.trim())]).filter((s) => s.length > 7)
  const masked = pieces.reduce((text, secret) => text.split(secret).join('[masked]'), line).replace(/[\u0000-\u001f\u007f]/g, ' ')
  return masked.length > MAX_STDERR_LINE ? `${masked.slice(0, MAX_STDERR_LINE - 1)}…` : masked
}
