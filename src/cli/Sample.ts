/**
 * The sample file `npm start` uploads: random bytes in a fresh temp directory, made on the fly
 * (never committed) and deleted afterwards.
 */
import { randomFillSync } from 'node:crypto'
import { open, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as TE from 'fp-ts/lib/TaskEither.js'

// ---------------------------------------------------------------------------------------------
// model

/** A generated file and how to get rid of it. */
export interface Sample {
  readonly path: string
  readonly remove: () => Promise<void>
}

// ---------------------------------------------------------------------------------------------
// operations

/** Writes `size` random bytes to `sample.bin` in a new temp directory, 1 MiB at a time; `signal` stops it (and deletes the directory). */
export const make = (size: number, signal?: AbortSignal): TE.TaskEither<Error, Sample> =>
  TE.tryCatch(
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'box-upload-sample-'))
      const path = join(dir, 'sample.bin')
      const remove = () => rm(dir, { recursive: true, force: true })
      const handle = await open(path, 'w')
      try {
        const block = new Uint8Array(1024 * 1024)
        for (let written = 0; written < size; written += block.length) {
          signal?.throwIfAborted()
          const n = Math.min(block.length, size - written)
          randomFillSync(block, 0, n)
          await handle.write(block, 0, n)
        }
      } catch (cause) {
        await handle.close()
        await remove()
        throw cause
      }
      await handle.close()
      return { path, remove }
    },
    (cause) => (cause instanceof Error ? cause : new Error(String(cause))),
  )
