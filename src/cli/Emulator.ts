/**
 * `box-upload emulator`: serves the Box upload-session emulator on 127.0.0.1 until the process is
 * told to stop (Ctrl-C or SIGTERM), printing the URLs a client or `box-upload --upload-url` needs.
 */
import { serve } from '../emulator/node.ts'
import type { EmulatorCommand } from './Args.ts'
import { FAILED, OK } from './Exit.ts'

// ---------------------------------------------------------------------------------------------
// operations

/** What the emulator command prints once it listens: URLs first, so scripts can read them. */
export const banner = (served: { readonly url: string; readonly apiUrl: string }, storage: 'memory' | 'digest' = 'memory'): string => {
  // With digest storage downloads answer 404: the check --api-url asks for would fail.
  const check = storage === 'memory'
  return [
    `Box emulator listening (sessions live in this process; Ctrl-C stops it${check ? '' : '; it keeps only SHA-1s, so downloads answer 404'})`,
    `  upload url: ${served.url}`,
    `  api url:    ${served.apiUrl}`,
    '  token:      dev-token',
    `Upload to it: box-upload <file> --upload-url ${served.url}${check ? ` --api-url ${served.apiUrl}` : ''}`,
    `  (or BOX_UPLOAD_URL=${served.url}${check ? ` BOX_API_URL=${served.apiUrl}` : ''} box-upload <file>)`,
  ].join('\n')
}

/** Serves until SIGINT or SIGTERM, then closes the server. Resolves with the exit code. */
export const run = async (command: EmulatorCommand): Promise<number> => {
  const served = await serve({
    port: command.port,
    ...(command.partSize !== undefined ? { partSize: command.partSize } : {}),
    ...(command.minFileSize !== undefined ? { minFileSize: command.minFileSize } : {}),
    ...(command.storage !== undefined ? { storage: command.storage } : {}),
  }).catch((cause: unknown) => {
    if ((cause as { code?: unknown } | null)?.code !== 'EADDRINUSE') throw cause
    process.stderr.write(`box-upload: port ${command.port} on 127.0.0.1 is in use: choose another --port, or 0 for any free port\n`)
    return undefined
  })
  if (served === undefined) return FAILED
  process.stdout.write(`${banner(served, command.storage)}\n`)
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
  })
  await served.close()
  return OK
}
