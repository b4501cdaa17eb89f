import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import * as E from 'fp-ts/lib/Either.js'
import { isLoopback, maskProxySecrets, noProxyMatches, proxies, proxyFor, proxyUrl, shownProxy } from '../../src/cli/Proxy.ts'
import { parse } from '../../src/cli/Args.ts'
import { usageError } from '../../src/cli/UsageError.ts'

const Settings = suite('proxies')

Settings('should take --proxy for both schemes over every variable, and NO_PROXY with it', () => {
  const env = { HTTPS_PROXY: 'http://a:1', HTTP_PROXY: 'http://b:2', NO_PROXY: 'corp.example' }
  assert.equal(proxies('proxy.example.com:3128', env), E.right({
    http: { url: 'http://proxy.example.com:3128/', from: '--proxy' },
    https: { url: 'http://proxy.example.com:3128/', from: '--proxy' },
    noProxy: 'corp.example',
  }))
})

Settings('should read the variables, a lowercase one before its uppercase form, an empty one as unset', () => {
  assert.equal(proxies(undefined, { https_proxy: 'http://low:1', HTTPS_PROXY: 'http://up:1', HTTP_PROXY: 'http://h:2', no_proxy: 'x', NO_PROXY: 'y' }), E.right({
    http: { url: 'http://h:2/', from: 'HTTP_PROXY' },
    https: { url: 'http://low:1/', from: 'https_proxy' },
    noProxy: 'x',
  }))
  assert.equal(proxies(undefined, { https_proxy: '', HTTPS_PROXY: 'http://up:1' }), E.right({ https: { url: 'http://up:1/', from: 'HTTPS_PROXY' }, noProxy: '' }))
  assert.equal(proxies(undefined, {}), E.right({ noProxy: '' }))
  assert.equal(proxies(undefined, { HTTP_PROXY: 'ftp://x' }), E.left("HTTP_PROXY must be an http(s) proxy URL such as http://proxy.example.com:3128 (or http://user:password@host:port), not 'ftp://x'"))
})

Settings('should take http(s) proxy URLs, with or without a scheme, and refuse anything else without quoting a user or password', () => {
  for (const [given, url] of [
    ['http://proxy:3128', 'http://proxy:3128/'],
    ['https://proxy.example.com', 'https://proxy.example.com/'],
    ['HTTP://Proxy:3128/', 'http://proxy:3128/'],
    ['proxy:3128', 'http://proxy:3128/'],
    ['http://u%40corp:p%3Ass@proxy:3128', 'http://u%40corp:p%3Ass@proxy:3128/'],
    ['http://[fd00::1]:3128', 'http://[fd00::1]:3128/'],
  ]) assert.equal(proxyUrl('--proxy')(given as string), E.right(url), given)
  const refused = '--proxy must be an http(s) proxy URL such as http://proxy.example.com:3128 (or http://user:password@host:port)'
  for (const given of ['socks5://proxy:1080', 'http://', 'http://proxy:99999', 'http://wpad/proxy.pac', 'http://proxy:3128/?x', 'http://proxy:3128#x', 'http://pro xy']) {
    assert.equal(proxyUrl('--proxy')(given), E.left(`${refused}, not '${given}'`), given)
  }
  for (const given of ['http://user:secretpass@proxy:99999', 'ftp://user:secretpass@proxy', 'http://user:secretpass@pro xy']) {
    assert.equal(proxyUrl('--proxy')(given), E.left(refused), given)
  }
})

Settings('should be part of the upload command; an invalid --proxy is a usage error, a variable only where it could be used', () => {
  const proxied = parse({})(['f', '--token', 'T', '--proxy', 'http://p:1'])
  assert.equal(E.map((c: object) => (c as { proxies?: unknown }).proxies)(proxied), E.right({ http: { url: 'http://p:1/', from: '--proxy' }, https: { url: 'http://p:1/', from: '--proxy' }, noProxy: '' }))
  assert.equal(E.map((c: object) => 'proxies' in c)(parse({})(['f', '--token', 'T'])), E.right(false))
  const bad = "--proxy must be an http(s) proxy URL such as http://proxy.example.com:3128 (or http://user:password@host:port), not 'nope://'"
  assert.equal(parse({})(['f', '--proxy', 'nope://']), E.left(usageError(bad)))
  // The embedded emulator is on loopback: a variable it never uses does not stop it; a remote target or a resume checks it.
  assert.ok(E.isRight(parse({ HTTPS_PROXY: 'nope://' })(['f'])))
  assert.ok(E.isLeft(parse({ HTTPS_PROXY: 'nope://' })(['f', '--token', 'T'])))
  assert.ok(E.isLeft(parse({ HTTPS_PROXY: 'nope://' })(['f', '--resume'])))
})

const Route = suite('proxyFor')

Route('should send https through the https proxy (else the http one), http through the http one', () => {
  const both = { http: { url: 'http://h:1/', from: 'HTTP_PROXY' }, https: { url: 'http://s:1/', from: 'HTTPS_PROXY' }, noProxy: '' }
  assert.equal(proxyFor(both)(new URL('https://upload.box.com/api/2.0')), both.https)
  assert.equal(proxyFor(both)(new URL('http://emulator.corp:8080/api/2.0')), both.http)
  assert.equal(proxyFor({ http: both.http, noProxy: '' })(new URL('https://upload.box.com/api/2.0')), both.http)
  assert.equal(proxyFor({ https: both.https, noProxy: '' })(new URL('http://emulator.corp/api/2.0')), undefined)
})

Route('should never proxy loopback, whatever NO_PROXY says', () => {
  const all = { http: { url: 'http://h:1/', from: '--proxy' }, https: { url: 'http://h:1/', from: '--proxy' }, noProxy: '' }
  for (const url of ['http://127.0.0.1:8080/api/2.0', 'https://127.0.0.1/', 'http://127.1.2.3/', 'http://127.1/', 'http://localhost:1/', 'http://LOCALHOST./',
    'http://box.localhost/', 'http://[::1]:8080/', 'http://[0:0:0:0:0:0:0:1]/', 'http://[::ffff:127.0.0.1]/']) {
    assert.is(proxyFor(all)(new URL(url)), undefined, url)
  }
  for (const host of ['128.0.0.1', '10.0.0.1', 'localhost.example.com', 'mylocalhost', '[::2]', '192.0.2.2', 'box.test']) assert.not.ok(isLoopback(host), host)
})

Route('should read NO_PROXY as curl does: names (as undici too), and IP addresses and CIDR ranges for hosts written as addresses', () => {
  const table: ReadonlyArray<readonly [string, string, boolean]> = [
    ['box.com', 'https://upload.box.com/', true],
    ['box.com', 'https://box.com/', true],
    ['.box.com', 'https://upload.box.com/', true],
    ['*.box.com', 'https://upload.box.com/', true],
    ['box.com', 'https://notbox.com/', false],
    ['upload.box.com', 'https://box.com/', false],
    ['example.org, box.test other', 'http://box.test/', true],
    ['BOX.TEST', 'http://box.test/', true],
    ['*', 'https://anything.example/', true],
    ['box.test:80', 'http://box.test/', true],
    ['box.test:8080', 'http://box.test/', false],
    ['box.test:443', 'https://box.test/', true],
    ['[fd00::1]:8080', 'http://[fd00::1]:8080/', true],
    ['fd00::1', 'http://[fd00::1]/', true],
    ['', 'https://upload.box.com/', false],
    [' , ', 'https://upload.box.com/', false],
    // IPv4 ranges, and their edges
    ['10.0.0.0/8', 'http://10.1.2.3:8080/', true],
    ['10.0.0.0/8', 'http://10.0.0.0/', true],
    ['10.0.0.0/8', 'http://10.255.255.255/', true],
    ['10.0.0.0/8', 'http://9.255.255.255/', false],
    ['10.0.0.0/8', 'http://11.0.0.0/', false],
    ['192.168.1.0/24', 'http://192.168.1.255/', true],
    ['192.168.1.0/24', 'http://192.168.2.0/', false],
    ['172.16.0.0/12', 'http://172.31.255.255/', true],
    ['172.16.0.0/12', 'http://172.32.0.0/', false],
    ['10.9.9.9/8', 'http://10.200.0.1/', true], // the host bits of the entry count for nothing, as in curl
    ['10.1.2.3/32', 'http://10.1.2.3/', true],
    ['10.1.2.3/32', 'http://10.1.2.4/', false],
    ['0.0.0.0/0', 'http://203.0.113.9/', true],
    ['0.0.0.0/0', 'http://[2001:db8::1]/', false],
    ['example.org 192.168.1.0/24, fd00::/8', 'https://192.168.1.20/', true],
    // IPv6 ranges, and their edges
    ['fd00::/8', 'http://[fd00::5]/', true],
    ['fd00::/8', 'http://[fd00::]/', true],
    ['fd00::/8', 'http://[fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]/', true],
    ['fd00::/8', 'http://[fcff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]/', false],
    ['fd00::/8', 'http://[fe00::]/', false],
    ['FD00::/8', 'http://[fd00::5]/', true],
    ['2001:db8::/33', 'http://[2001:db8:7fff:ffff::1]/', true],
    ['2001:db8::/33', 'http://[2001:db8:8000::]/', false],
    ['2001:db8::1/128', 'http://[2001:db8::1]/', true],
    ['2001:db8::1/128', 'http://[2001:db8::2]/', false],
    ['::/0', 'http://[2001:db8::1]/', true],
    ['::/0', 'http://10.1.2.3/', false], // an IPv6 range never holds an IPv4 host
    // one address, however it is written
    ['10.1.2.3', 'http://10.1.2.3/', true],
    ['10.1.2.3', 'http://10.1.2.4/', false],
    ['fd00:0:0:0:0:0:0:5', 'http://[fd00::5]/', true],
    ['fd00::5', 'http://[FD00:0000:0:0:0:0:0:5]/', true],
    ['[FD00:0::5]', 'http://[fd00::5]/', true],
    ['fd00::5', 'http://[fd00::6]/', false],
    // with a port
    ['[fd00:0:0:0:0:0:0:5]:8080', 'http://[fd00::5]:8080/', true],
    ['[fd00:0:0:0:0:0:0:5]:8080', 'http://[fd00::5]/', false],
    ['10.1.2.3:8080', 'http://10.1.2.3:8080/', true],
    ['10.0.0.0/8:8080', 'http://10.1.2.3:8080/', true],
    ['10.0.0.0/8:8080', 'http://10.1.2.3/', false],
    // an IPv4 address mapped to IPv6 is the same destination: an IPv4 range holds it (curl compares it with IPv6 entries only)
    ['10.0.0.0/8', 'http://[::ffff:10.1.2.3]/', true],
    ['10.1.2.3', 'http://[::ffff:a01:203]/', true],
    ['10.0.0.0/8', 'http://[::ffff:11.1.2.3]/', false],
    ['::ffff:0:0/96', 'http://[::ffff:10.1.2.3]/', true],
    // malformed ranges are ignored, as unknown names are; the next entry still counts
    ['10.0.0.0/33', 'http://10.1.2.3/', false],
    ['10.0.0.0/x', 'http://10.0.0.0/', false],
    ['10.0.0.0/', 'http://10.0.0.0/', false],
    ['10.0.0.0/-1', 'http://10.0.0.0/', false],
    ['10.0.0.0/8/8', 'http://10.0.0.0/', false],
    ['fd00::/129', 'http://[fd00::5]/', false],
    ['10.0.0.0/33 10.1.2.3', 'http://10.1.2.3/', true],
    // a name is never looked up, nor compared with addresses; an address host is never a name's subdomain
    ['10.0.0.0/8', 'http://10.corp.example/', false],
    ['10.0.0.0/8', 'http://10.1.2.3.nip.io/', false],
    ['10.1.2.3', 'http://10.1.2.3.nip.io/', false],
    ['1.2.3', 'http://10.1.2.3/', false],
    ['.2.3', 'http://10.1.2.3/', false],
    ['*.3', 'http://10.1.2.3/', false],
  ]
  for (const [noProxy, url, expected] of table) assert.is(noProxyMatches(noProxy, new URL(url)), expected, `${noProxy} ${url}`)
})

Route('should send a host in a NO_PROXY address range direct, as the variable gives it, and others through the proxy', () => {
  const settings = proxies(undefined, { HTTP_PROXY: 'http://h:1', NO_PROXY: '10.0.0.0/8,fd00::/8,192.168.1.0/24' })
  assert.ok(E.isRight(settings))
  const via = proxyFor(E.isRight(settings) ? settings.right : { noProxy: '' })
  for (const url of ['http://10.1.2.3:8080/api/2.0', 'http://[fd00::5]/api/2.0', 'https://192.168.1.7/', 'http://[fd00:0:0:0:0:0:0:5]/']) assert.is(via(new URL(url)), undefined, url)
  for (const url of ['http://192.168.2.7/', 'https://11.1.2.3/', 'http://[fe00::5]/', 'https://upload.box.com/']) assert.equal(via(new URL(url)), { url: 'http://h:1/', from: 'HTTP_PROXY' }, url)
})

const Secrets = suite('proxy secrets')

Secrets('should show a proxy without its user or password', () => {
  assert.is(shownProxy({ url: 'http://user:secretpass@proxy.example.com:3128/', from: '--proxy' }), 'http://proxy.example.com:3128')
})

Secrets('should mask user:password always, as given and decoded, and each alone when over 7 characters', () => {
  const mask = maskProxySecrets({ url: 'http://me:p%40ss%3Aword-long@proxy:1/', from: '--proxy' })
  assert.is(mask('a me:p%40ss%3Aword-long b'), 'a [proxy credentials] b')
  assert.is(mask('a me:p@ss:word-long b'), 'a [proxy credentials] b')
  assert.is(mask('a p@ss:word-long b p%40ss%3Aword-long'), 'a [proxy credentials] b [proxy credentials]')
  // a short user is no secret in a word ("me" in "message")
  assert.is(mask('message'), 'message')
  assert.is(maskProxySecrets({ url: 'http://proxy:1/', from: '--proxy' })('nothing to hide'), 'nothing to hide')
})

Settings.run()
Route.run()
Secrets.run()
