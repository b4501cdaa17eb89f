/**
 * `--token-command` and BOX_TOKEN_COMMAND as the command line reads them (which token wins, what is refused), and
 * one run of a command: its token, its failures' messages. The uploads with one are in TokenRefresh.test.ts.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import * as E from 'fp-ts/lib/Either.js'
import { parse } from '../../src/cli/Args.ts'
import type { Command } from '../../src/cli/Command.ts'
import { BOX_UPLOAD_URL } from '../../src/cli/Target.ts'
import { connect } from '../../src/cli/Connect.ts'
import type { Target } from '../../src/cli/Target.ts'
import { type TokenCommand, TOKEN_COMMAND_MS, boundMs, isTokenCommandFailure, message, runOnce, started, tokenFunction } from '../../src/cli/TokenCommand.ts'
import { usage } from '../../src/cli/Usage.ts'
import { usageError } from '../../src/cli/UsageError.ts'
import { accessToken, client } from '../../src/Client.ts'
import { invalidInput } from '../../src/UploadError.ts'

const target = (env: Readonly<Record<string, string>>, argv: ReadonlyArray<string>) =>
  E.map((c: Command) => (c._tag === 'Upload' ? c.target : undefined))(parse(env)(['f', ...argv]))
const box = (token: unknown) => E.right({ _tag: 'Remote', uploadUrl: BOX_UPLOAD_URL, token })
const spec = (command: string, from: TokenCommand['from'] = '--token-command'): TokenCommand => ({ _tag: 'TokenCommand', command, from })

const Parse = suite('--token-command and BOX_TOKEN_COMMAND')

Parse('should take the command from the flag, else from the environment, to Box or --upload-url', () => {
  assert.equal(target({}, ['--token-command', 'box tokens:get -q']), box(spec('box tokens:get -q')))
  assert.equal(target({ BOX_TOKEN_COMMAND: 'vault read -field=token x' }, []), box(spec('vault read -field=token x', 'BOX_TOKEN_COMMAND')))
  assert.equal(target({}, ['--token-command=cat t', '--upload-url', 'http://127.0.0.1:9/api/2.0']),
    E.right({ _tag: 'Remote', uploadUrl: 'http://127.0.0.1:9/api/2.0', token: spec('cat t') }))
  // An empty variable is unset, as BOX_TOKEN's is.
  assert.equal(target({ BOX_TOKEN_COMMAND: '' }, []), E.right({ _tag: 'Embedded' }))
})

Parse('should let a flag take the place of both variables, as --token does of BOX_TOKEN', () => {
  assert.equal(target({ BOX_TOKEN_COMMAND: 'cat t' }, ['--token', 'T']), box('T'))
  assert.equal(target({ BOX_TOKEN: 'T' }, ['--token-command', 'cat t']), box(spec('cat t')))
  assert.equal(target({ BOX_TOKEN: 'T', BOX_TOKEN_COMMAND: 'cat t' }, ['--token-command', 'cat u']), box(spec('cat u')))
  assert.equal(target({ BOX_TOKEN: 'T', BOX_TOKEN_COMMAND: 'cat t' }, ['--token', 'U']), box('U'))
})

Parse('should refuse both flags, both variables without a flag, and a blank command', () => {
  const cases: ReadonlyArray<readonly [Readonly<Record<string, string>>, ReadonlyArray<string>, string]> = [
    [{}, ['--token', 'T', '--token-command', 'cat t'], '--token and --token-command cannot both be given: a fixed token, or a command that prints one'],
    [{ BOX_TOKEN: 'T', BOX_TOKEN_COMMAND: 'cat t' }, [],
      'BOX_TOKEN and BOX_TOKEN_COMMAND are both set: unset one, or give --token or --token-command, which takes the place of both'],
    [{}, ['--token-command', '  '], '--token-command is blank'],
    [{ BOX_TOKEN_COMMAND: ' ' }, [], 'BOX_TOKEN_COMMAND is blank'],
    [{}, ['--token-command'], '--token-command needs a value'],
    [{}, ['--token-command', 'cat t', '--part-size', '1MiB'], '--part-size only applies to the embedded emulator (no token, no --upload-url); Box chooses the part size'],
  ]
  for (const [env, argv, why] of cases) assert.equal(parse(env)(['f', ...argv]), E.left(usageError(why)), argv.join(' '))
})

Parse('should say in --help what --token-command does', () => {
  assert.match(usage, '  --token-command CMD  a shell command that prints an access token (default: $BOX_TOKEN_COMMAND)')
})

Parse.run()

const Run = suite('one run of a token command')

Run('should give its stdout trimmed, a line break after it or not', async () => {
  assert.equal(await runOnce(spec('printf "  abc-token-1 \\n\\n"'), 5000), E.right('abc-token-1'))
  assert.equal(await runOnce(spec('printf abc-token-2'), 5000), E.right('abc-token-2'))
})

Run('should close its stdin: a command reading it gets an end, not the terminal', async () => {
  assert.equal(await runOnce(spec('cat; echo after-stdin'), 5000), E.right('after-stdin'))
})

Run('should refuse a token no header can carry, or more output than a token', async () => {
  assert.equal(await runOnce(spec('printf "abc\\tdef"'), 5000), E.left({ _tag: 'Unusable' }))
  assert.equal(await runOnce(spec('printf "\\342\\200\\234token\\342\\200\\235"'), 5000), E.left({ _tag: 'Unusable' }))
  assert.equal(await runOnce(spec('head -c 200000 /dev/zero | tr "\\0" a'), 5000), E.left({ _tag: 'Unusable' }))
})

Run('should keep only the last line of stderr, cut short, with the tokens given before masked', async () => {
  const ran = await runOnce(spec(`echo first >&2; echo "was: previous-token-1 $(printf '%0300d' 0)" >&2; exit 2`), 5000, ['previous-token-1'])
  assert.ok(E.isLeft(ran) && ran.left._tag === 'Exited')
  const { stderr } = ran.left as { stderr: string }
  assert.is(stderr.length, 200)
  assert.ok(stderr.startsWith('was: [masked] 000'), stderr)
  assert.ok(stderr.endsWith('0…'), stderr)
})

Run('should say each failure naming where the command was given, never the command', () => {
  const say = message(spec('secret-holding command', 'BOX_TOKEN_COMMAND'))
  assert.is(say({ _tag: 'Exited', code: 127, signal: null, stderr: 'sh: 1: nope: not found' }),
    'the token command (BOX_TOKEN_COMMAND) exited with code 127; the last line of its stderr: sh: 1: nope: not found')
  assert.is(say({ _tag: 'NotStarted', reason: 'spawn /bin/sh ENOENT' }), 'the token command (BOX_TOKEN_COMMAND) could not be started (spawn /bin/sh ENOENT)')
  assert.is(say({ _tag: 'TimedOut', ms: 60_000 }),
    'the token command (BOX_TOKEN_COMMAND) did not finish within 60 s and was stopped (a token command may take a minute, or just under --timeout when that is shorter)')
})

Run('should be bounded by a minute, or a tenth of a second less than --timeout when shorter (half of one under 0.2 s)', () => {
  // After a 401 the library's wait for the token ends at --timeout: the command's bound ends before it, with its own message.
  const cases = [[undefined, TOKEN_COMMAND_MS], [3_600_000, TOKEN_COMMAND_MS], [60_100, TOKEN_COMMAND_MS], [60_000, 59_900],
    [2000, 1900], [300, 200], [200, 100], [150, 75], [3, 2], [1, 1]] as const
  assert.equal(cases.map(([timeout]) => boundMs(timeout)), cases.map(([, bound]) => bound))
})

Run('should give the first token once, then run the command at each call; its failure is the library\'s InvalidInput the CLI knows', async () => {
  const tokens = tokenFunction(spec('printf again-token'), 5000, 'first-token')
  assert.equal([await tokens(), await tokens()], ['first-token', 'again-token'])
  const failing = client({ token: tokenFunction(spec('exit 9'), 5000) })
  const asked = await accessToken(failing)()
  assert.ok(E.isLeft(asked) && isTokenCommandFailure(asked.left), JSON.stringify(asked))
  assert.not.ok(isTokenCommandFailure(invalidInput('The token function failed (it gave no token): fix the token provider given to client().')))
})

// Connect.ts had a twin of `started`'s token function, bounded at a flat minute, for a command target given without
// one: unreachable, and a second rule. Now `started` gives the target connect takes, and connect takes no other.
Run('should make of a command target one with its token function, run once already; other targets as they were', async () => {
  const remote = { _tag: 'Remote', uploadUrl: 'http://127.0.0.1:9/api/2.0' } as const
  const ready = await started({ ...remote, token: spec('printf first-token') })
  assert.ok(E.isRight(ready) && ready.right._tag === 'Remote' && typeof ready.right.token === 'function', JSON.stringify(ready))
  const token = ready.right.token as () => Promise<string>
  assert.equal([ready.right, await token()], [{ ...remote, token }, 'first-token'])
  for (const target of [{ ...remote, token: 'T' }, { _tag: 'Embedded', partSize: 1024 }] satisfies ReadonlyArray<Target>) {
    assert.equal(await started(target), E.right(target), target._tag)
  }
  assert.equal(await started({ ...remote, token: spec('exit 3') }), E.left('nothing was sent: the token command (--token-command) exited with code 3 and wrote nothing to stderr'))
  // Never run: a type test. A command target that did not go through `started` has no token for the client.
  const unstarted = () =>
    // @ts-expect-error: connect takes started()'s targets, whose token is a string or a function, not a TokenCommand
    connect({ ...remote, token: spec('printf t') }, 1, 1)
  assert.type(unstarted, 'function')
})

Run.run()
