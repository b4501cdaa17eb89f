/**
 * An https front for a test server, as Box's hosts are https: TLS on 127.0.0.1 (port 0) with a
 * self-signed certificate for one name, made by `openssl` for the test (valid a day), piping the
 * decrypted bytes to a plain http server on 127.0.0.1. A child process trusts it with
 * `NODE_EXTRA_CA_CERTS=<certFile>`; no CA of the machine is touched. `close()` ends it and its connections.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { type AddressInfo, type Socket, connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer } from 'node:tls'

export interface TlsFront {
  readonly port: number
  /** The certificate (PEM), for NODE_EXTRA_CA_CERTS. */
  readonly certFile: string
  readonly close: () => Promise<void>
}

/** Serves TLS for `name` in front of 127.0.0.1:`port`; the caller must `close()` it. */
export const startTlsFront = async (name: string, port: number): Promise<TlsFront> => {
  const dir = await mkdtemp(join(tmpdir(), 'box-upload-tls-'))
  const [certFile, keyFile] = [join(dir, 'cert.pem'), join(dir, 'key.pem')]
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', `/CN=${name}`, '-addext', `subjectAltName=DNS:${name}`, '-keyout', keyFile, '-out', certFile,
  ], { stdio: 'ignore' })
  const open = new Set<Socket>()
  const server = createServer({ cert: readFileSync(certFile), key: readFileSync(keyFile) }, (secure) => {
    const plain = connect(port, '127.0.0.1')
    for (const socket of [secure, plain]) {
      open.add(socket)
      socket.on('error', () => socket.destroy())
      socket.once('close', () => {
        open.delete(socket)
        secure.destroy()
        plain.destroy()
      })
    }
    secure.pipe(plain).pipe(secure)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    certFile,
    close: async () => {
      for (const socket of open) socket.destroy()
      await new Promise((resolve) => server.close(resolve))
      await rm(dir, { recursive: true, force: true })
    },
  }
}
