/**
 * `box-upload` as a child process: wrong usage and bad input, each with exit code 2 and a one-line
 * reason on stderr, nothing on stdout (or one JSON object with --json), and no request made.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { chmod, mkdir, readFile, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ROOT, bundled, run, tempDir, viaBin, type StartOptions } from '../helpers/cli.ts'

const BadInput = suite('bad input')

let dir: Awaited<ReturnType<typeof tempDir>>

BadInput.before(async () => {
  dir = await tempDir()
  await writeFile(join(dir.path, 'small.bin'), new Uint8Array(1000))
  await writeFile(join(dir.path, 'secret.bin'), new Uint8Array(30))
  await chmod(join(dir.path, 'secret.bin'), 0o000)
  await mkdir(join(dir.path, 'folder'))
})

BadInput.after(() => dir.remove())

/** The one line a refused run prints on stderr. */
const refused = async (args: ReadonlyArray<string>, options: StartOptions = {}): Promise<string> => {
  const ran = await run(args, options)
  assert.is(ran.code, 2, `exit code of ${args.join(' ')}: ${ran.stderr}`)
  assert.is(ran.stdout, '', 'nothing on stdout')
  const lines = ran.stderr.split('\n').filter(Boolean)
  assert.is(lines.length, 1, `one line: ${ran.stderr}`)
  return lines[0] as string
}

BadInput('should refuse a missing file (through the bin too)', async () => {
  assert.is(await refused([join(dir.path, 'nope.bin')]), `box-upload: no such file: ${join(dir.path, 'nope.bin')}`)
  assert.is(await refused([join(dir.path, 'nope.bin')], { command: viaBin }), `box-upload: no such file: ${join(dir.path, 'nope.bin')}`)
})

BadInput('should say a missing file is a dangling symbolic link, and name a loop of them', async () => {
  const dangling = join(dir.path, 'dangling.bin')
  await symlink(join(dir.path, 'gone.bin'), dangling)
  assert.is(await refused([dangling]), `box-upload: no such file: ${dangling} (a symbolic link to ${join(dir.path, 'gone.bin')}, which does not exist)`)
  const [a, b] = [join(dir.path, 'loop-a'), join(dir.path, 'loop-b')]
  await symlink(b, a)
  await symlink(a, b)
  assert.is(await refused([a]), `box-upload: cannot read ${a}: its symbolic links point at one another in a loop`)
})

BadInput('should refuse a directory', async () => {
  assert.is(await refused([join(dir.path, 'folder')]), `box-upload: ${join(dir.path, 'folder')} is a directory, not a file`)
})

BadInput('should refuse an unreadable file', async () => {
  const path = join(dir.path, 'secret.bin')
  // root reads anything: run the child as nobody there (the checkout and node_modules are world-readable)
  const asNobody = process.getuid?.() === 0 ? { spawn: { uid: 65534, gid: 65534 } } : {}
  assert.is(await refused([path, '--min-file-size', '1'], asNobody), `box-upload: cannot read ${path}: permission denied`)
})

BadInput('should refuse a file under the 20 MB chunked minimum, pointing to the direct upload', async () => {
  const path = join(dir.path, 'small.bin')
  const line = await refused([path])
  assert.is(line, `box-upload: ${path} is 1000 bytes (1.00 kB), under the 20000000-byte (20.0 MB) minimum of Box's chunked upload; ` +
    `upload it with Box's direct upload (POST https://upload.box.com/api/2.0/files/content) instead`)
  // A minimum the user chose is called theirs, not Box's.
  assert.is(await refused([path, '--min-file-size', '2000']), `box-upload: ${path} is 1000 bytes (1.00 kB), under the 2000-byte (2.00 kB) minimum given with --min-file-size`)
  const one = join(dir.path, 'one.bin')
  await writeFile(one, Uint8Array.of(1))
  assert.is(await refused([one, '--min-file-size', '2']), `box-upload: ${one} is 1 byte (1 B), under the 2-byte (2 B) minimum given with --min-file-size`)
})

BadInput('should refuse what is not a regular file', async () => {
  assert.is(await refused(['/dev/null']), 'box-upload: /dev/null is not a regular file (a device, socket or pipe has no size to declare)')
})

BadInput('should say a file whose name is not UTF-8 cannot be opened by its name, not that there is no such file', async () => {
  // A Latin-1 name (an old archive, a Windows zip): Node decodes argv as UTF-8, the byte 0xE9 becomes U+FFFD, and
  // the path it then opens is another one. The file is there, listed with that name: 'no such file' sends one looking.
  await writeFile(Buffer.from(`${dir.path}/caf\xe9.bin`, 'latin1'), new Uint8Array(1000))
  const line = await refused([], { command: ['/bin/sh', '-c', 'exec "$0" "$1" "$(printf "%s/caf\\351.bin" "$2")" --min-file-size 1', process.execPath, bundled(), dir.path] })
  assert.is(line, `box-upload: no such file: ${dir.path}/caf\ufffd.bin (a name shown with \ufffd is not valid UTF-8, which box-upload cannot open by its name: rename the file)`)
})

BadInput('should refuse unknown flags and other wrong usage before looking at the file', async () => {
  assert.is(await refused(['big.bin', '--colour']), 'box-upload: unknown option --colour (see box-upload --help)')
  assert.is(await refused([]), 'box-upload: no file given (box-upload <file>; see box-upload --help)')
  assert.is(await refused(['a', 'b']), "box-upload: one file at a time (got 'a' and 'b')")
  assert.is(await refused(['emulator', '--port', 'x']), "box-upload: --port must be a whole number from 0 to 65535, not 'x'")
  assert.is(await refused(['big.bin', '--timeout', '0']), "box-upload: --timeout must be a number of seconds from 0.001 to 2147483 (like 30, 0.5 or 10m), not '0'")
})

BadInput('should refuse --resume without a state file', async () => {
  const path = join(dir.path, 'small.bin')
  const state = join(dir.path, '.box-upload-state.small.bin.json')
  assert.is(await refused([path, '--resume', '--min-file-size', '1']),
    `box-upload: nothing to resume: no state file ${state} (an upload to Box or a server keeps one there while its session is open, and after an interruption): ` +
      'give the --state the interrupted run was given, if any, or upload without --resume')
})

BadInput('should also print one JSON object with --json', async () => {
  const path = join(dir.path, 'nope.bin')
  const ran = await run([path, '--json'])
  assert.is(ran.code, 2)
  assert.equal(JSON.parse(ran.stdout), { ok: false, exitCode: 2, message: `no such file: ${path}` })
  // Arguments that do not parse too: the one object still comes.
  const usage = await run([path, '--json', '--concurrency', '0'])
  assert.is(usage.code, 2)
  assert.equal(JSON.parse(usage.stdout), { ok: false, exitCode: 2, message: "--concurrency must be a whole number from 1 to 64, not '0'" })
  // --json=1 is refused, and still asks for the object; a file named --json (after --) does not.
  const valued = await run([path, '--json=1'])
  assert.equal([valued.code, JSON.parse(valued.stdout)], [2, { ok: false, exitCode: 2, message: '--json takes no value' }])
  const named = await run(['--', '--json', 'two'])
  assert.equal([named.code, named.stdout], [2, ''])
  // Nor as the value of an option that takes one.
  const value = await run([path, '--name', '--json', '--concurrency', '0'])
  assert.equal([value.code, value.stdout], [2, ''])
})

const Help = suite('help')

Help('should print the usage and exit 0, through the bin', async () => {
  const ran = await run(['--help'], { command: viaBin })
  assert.is(ran.code, 0)
  assert.ok(ran.stdout.startsWith('Usage:\n  box-upload <file> [--folder ID] [--name NAME] [--overwrite] [--concurrency N] [--timeout SECONDS] [--token TOKEN | --token-command CMD] [--proxy URL] [--json] [--quiet | --verbose]\n' +
    '  box-upload <file> --file-id ID [--name NAME] [--concurrency N] [--timeout SECONDS] [--token TOKEN | --token-command CMD] [--proxy URL] [--json] [--quiet | --verbose]\n'), ran.stdout)
  assert.match(ran.stdout, '\n  --overwrite          when the name is taken in the folder, upload a new version of the file that has it\n')
  assert.match(ran.stdout, '\n  --file-id ID         upload <file> as a new version of the Box file ID')
  assert.match(ran.stdout, /--proxy URL +HTTP proxy for every request[^]*\$HTTPS_PROXY[^]*\$HTTP_PROXY[^]*\$NO_PROXY go direct,\n +and so does loopback always/)
  assert.ok(ran.stdout.includes('Exit codes: 0 done, 1 upload failed, 2 wrong usage or bad input'))
})

Help('should print the version of package.json and exit 0, through the bin', async () => {
  const { version } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string }
  for (const flag of ['--version', '-v']) {
    const ran = await run([flag], { command: viaBin })
    assert.equal([ran.code, ran.stdout, ran.stderr], [0, `box-upload ${version}\n`, ''], flag)
  }
})

BadInput.run()
const Package = suite('package.json')

Package('should expose the bin and make npm start run the demo', async () => {
  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { bin: unknown; scripts: Record<string, string>; files: ReadonlyArray<string> }
  assert.equal(pkg.bin, { 'box-upload': 'bin/box-upload.mjs' })
  assert.is(pkg.scripts['start'], 'node bin/box-upload.mjs demo')
  assert.ok(pkg.files.includes('bin'), 'the bin is published')
})

Help.run()
Package.run()
