/**
 * The commands box-upload's hints tell the user to run (src/cli/ShellCommand.ts): a path that reads as an option or
 * a subcommand given as `./…`, and every path quoted so that a POSIX shell gives it back as it was.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { execFileSync } from 'node:child_process'
import { asFileArgument, invokedAs, shellQuote } from '../../src/cli/ShellCommand.ts'

const Hint = suite('the hints\' command line')

Hint('should give a file that reads as an option or a subcommand as ./…, and no other', () => {
  for (const path of ['-x.bin', '--json', 'emulator', 'demo', 'help']) assert.is(asFileArgument(path), `./${path}`)
  for (const path of ['demo.bin', 'my-demo', 'a-b', '/tmp/demo', 'dir/-x']) assert.is(asFileArgument(path), path)
})

Hint('should quote a path only when it needs it, so that the shell reads back the same path', () => {
  assert.is(shellQuote('/tmp/dir/big.iso'), '/tmp/dir/big.iso')
  const paths = ["it's.bin", 'two words.bin', '$HOME.bin', 'a"b`c\\d.bin', "''", 'ünï.bin']
  for (const path of paths) {
    const back = execFileSync('/bin/sh', ['-c', `printf %s ${shellQuote(path)}`], { encoding: 'utf8' })
    assert.is(back, path, shellQuote(path))
  }
})

Hint('should say npx box-upload when run through npx (npm exec), else box-upload', () => {
  assert.is(invokedAs({ npm_command: 'exec' }), 'npx box-upload')
  assert.is(invokedAs({ npm_command: 'run-script' }), 'box-upload')
  assert.is(invokedAs({}), 'box-upload')
})

Hint.run()
