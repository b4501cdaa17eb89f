/** SettingsText.listenRefused: why a listen failed, for each error code, naming the flags or variables it came from. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { listenRefused } from '../../src/emulator/SettingsText.ts'

const flags = listenRefused({ host: '--host', port: '--port' })
const variables = listenRefused({ host: 'BOX_HOST', port: 'PORT' })
const elsewhere = ': give one this machine has (127.0.0.1, the default; 0.0.0.0 or :: for every interface)'

// A port under 1024 needs privileges a test may have (root), and a resolver's EAI_AGAIN needs a failing DNS: the
// words are pinned here, for each code the listen may fail with (EADDRINUSE and EADDRNOTAVAIL are met for real in
// EmulatorCommand.test and strictness.test).
test('should say why the emulator cannot listen, for each code, naming where the host and port came from', () => {
  assert.is(flags('127.0.0.1', 80, 'EACCES'), 'port 80 on 127.0.0.1 is not open to this user (ports under 1024 need privileges): choose another --port, or 0 for any free port')
  assert.is(variables('127.0.0.1', 8080, 'EADDRINUSE'), 'port 8080 on 127.0.0.1 is in use: choose another PORT, or 0 for any free port')
  assert.is(variables('192.0.2.1', 0, 'EADDRNOTAVAIL'), `BOX_HOST 192.0.2.1 is no address of this machine${elsewhere}`)
  for (const code of ['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME']) {
    assert.is(flags('box.invalid', 0, code), `--host box.invalid names no address (an address or host name, without a port: that is --port)${elsewhere}`, code)
  }
})

test('should leave an error of another kind to its own words', () => {
  for (const code of ['EPERM', 'ECONNRESET', undefined, 13]) assert.is(flags('127.0.0.1', 0, code), undefined, String(code))
})

test.run()
