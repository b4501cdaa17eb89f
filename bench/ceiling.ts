/**
 * The emulator's ceiling on this machine: the fastest any client could upload to it, measured with
 * one that does almost no work. Its parts are one 32 MiB buffer sent over and over, with SHA-1s
 * computed before the clock starts, through plain `node:http` at the same concurrency, so its CPU
 * is little more than loopback TCP. A real client must also read, copy and hash every byte on the
 * same cores, so it cannot reach this; the ratio to it says how much of the machine is left.
 */
import { createHash, randomFillSync } from 'node:crypto'
import http from 'node:http'

const MiB = 1024 * 1024

/** A plain HTTP answer. */
interface Answer {
  readonly status: number
  readonly text: string
}

/**
 * A client with nothing to do but send: `(fileSize, name, mark)` uploads `fileSize` bytes (a multiple of
 * 32 MiB, in 32 MiB parts) and resolves to the milliseconds from session creation to commit, with
 * what `mark` (e.g. a CPU sampler) gave at both ends of that stretch.
 */
export const ceilingUpload = (uploadUrl: string, token: string, concurrency: number) => {
  const agent = new http.Agent({ keepAlive: true })
  const send = (method: string, url: string, headers: Record<string, string>, body?: Uint8Array | string) =>
    new Promise<Answer>((resolve, reject) => {
      const request = http.request(url, { method, agent, headers: { authorization: `Bearer ${token}`, ...headers } }, (response) => {
        let text = ''
        response.setEncoding('utf8')
        response.on('data', (chunk: string) => (text += chunk))
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }))
      })
      request.on('error', reject)
      request.end(body)
    })
  const checked = (what: string, expected: number) => (answer: Answer): unknown => {
    if (answer.status !== expected) throw new Error(`${what}: ${answer.status} ${answer.text.slice(0, 200)}`)
    return JSON.parse(answer.text)
  }
  const part = randomFillSync(new Uint8Array(32 * MiB))
  const partDigest = `sha=${createHash('sha1').update(part).digest('base64')}`
  return async <S>(fileSize: number, name: string, mark: () => S): Promise<{ readonly ms: number; readonly start: S; readonly end: S }> => {
    const count = fileSize / part.length
    if (!Number.isInteger(count)) throw new Error('the ceiling upload needs a multiple of 32 MiB')
    const whole = createHash('sha1')
    for (let k = 0; k < count; k++) whole.update(part)
    const wholeDigest = `sha=${whole.digest('base64')}`
    const start = performance.now()
    const startMark = mark()
    const session = checked('create session', 201)(await send('POST', `${uploadUrl}/files/upload_sessions`,
      { 'content-type': 'application/json' }, JSON.stringify({ folder_id: '0', file_size: fileSize, file_name: name }))) as {
      readonly part_size: number
      readonly session_endpoints: { readonly upload_part: string; readonly commit: string }
    }
    if (session.part_size !== part.length) throw new Error(`the ceiling upload needs 32 MiB parts, got ${session.part_size}`)
    const parts: unknown[] = []
    let next = 0
    const lane = async (): Promise<void> => {
      for (let k = next++; k < count; k = next++) {
        const range = `bytes ${k * part.length}-${(k + 1) * part.length - 1}/${fileSize}`
        const answer = await send('PUT', session.session_endpoints.upload_part, {
          'content-type': 'application/octet-stream', 'content-range': range, digest: partDigest, 'content-length': String(part.length),
        }, part)
        parts[k] = (checked(`part ${k}`, 200)(answer) as { readonly part: unknown }).part
      }
    }
    await Promise.all(Array.from({ length: concurrency }, lane))
    checked('commit', 201)(await send('POST', session.session_endpoints.commit,
      { 'content-type': 'application/json', digest: wholeDigest }, JSON.stringify({ parts })))
    return { ms: performance.now() - start, start: startMark, end: mark() }
  }
}
