/**
 * Cloudflare Workers (workerd): the native incremental `crypto.DigestStream('SHA-1')` for the
 * whole file (workerd refuses to compile WebAssembly, so hash-wasm cannot run there) and
 * `crypto.subtle.digest` for the parts.
 */
import { subtlePure } from './pure.ts'
import { combine, subtleDigest, type Sha1, type Sha1Stream } from './Sha1.ts'

// ---------------------------------------------------------------------------------------------
// model

/** workerd's non-standard `crypto.DigestStream`: a `WritableStream` whose `digest` resolves once it is closed. */
interface DigestStream extends WritableStream<BufferSource> {
  readonly digest: Promise<ArrayBuffer>
}
type DigestStreamConstructor = new (algorithm: string) => DigestStream

// ---------------------------------------------------------------------------------------------
// constructors

/** The platform's `crypto.DigestStream`, when it has one. */
export const digestStreamConstructor = (): DigestStreamConstructor | undefined => {
  const candidate = (crypto as unknown as { readonly DigestStream?: unknown }).DigestStream
  return typeof candidate === 'function' ? (candidate as DigestStreamConstructor) : undefined
}

/** An incremental SHA-1 over `crypto.DigestStream`. */
export const digestStream = (Constructor: DigestStreamConstructor) => (): Sha1Stream => {
  const stream = new Constructor('SHA-1')
  const writer = stream.getWriter()
  return {
    update: (bytes) => writer.write(bytes),
    digest: () => writer.close().then(() => stream.digest).then((digest) => new Uint8Array(digest)),
  }
}

/** `crypto.DigestStream` for the file, `crypto.subtle.digest` for the parts; pure TypeScript for the file if there is no `DigestStream`. */
export const sha1: Sha1 = ((Constructor) =>
  Constructor === undefined
    ? subtlePure
    : combine({ implementation: 'subtle+digest-stream', depth: 2, stream: digestStream(Constructor), digest: subtleDigest }))(
  digestStreamConstructor(),
)
