/**
 * A `WritableStream` that runs one task per chunk, at most `concurrency` at once, with
 * backpressure: `write` settles once the chunk's task has started and a slot is free for the next
 * one, so a pipe into it reads no further ahead than the free slots. With a chunker in front, the
 * parts alive are those in flight plus the one being filled: (concurrency + 1) × part size.
 *
 * The first failure cancels the other tasks (through the signal each task gets) and errors the
 * stream, which makes a pipe cancel its source. An abort of the caller's signal does the same at
 * once, even while a `write` waits for a slot (a pipe's own abort would wait for that write).
 */
import { abortedBy } from './Sleep.ts'
import type * as TE from 'fp-ts/lib/TaskEither.js'
import { type UploadError, invalidInput, thrown } from './UploadError.ts'

// ---------------------------------------------------------------------------------------------
// model

/** A sink and what it knows of its tasks. */
export interface ParallelSink<A> {
  readonly writable: WritableStream<A>
  /** The first error: a task's failure, or `Aborted` once the caller's signal fired. */
  readonly failure: () => UploadError | undefined
  /** Resolves once no task is running (after a failure, once every cancelled task has settled). */
  readonly idle: () => Promise<void>
  /** Slots free for new tasks right now (`concurrency` minus the tasks running). */
  readonly free: () => number
  /**
   * Cancels the running tasks because the sink's source failed, which is not the sink's failure.
   * An abort of `writable` does the same, but only once the write in flight (waiting for a free slot,
   * i.e. for a task to end) has returned.
   */
  readonly cancel: (reason: unknown) => void
}

/** Options of a sink. */
export interface ParallelSinkOptions {
  /** Tasks running at once (at least 1). */
  readonly concurrency: number
  /** Aborts every task and errors the sink. */
  readonly signal?: AbortSignal | undefined
}

// ---------------------------------------------------------------------------------------------
// constructors

/** A sink running `task` for every chunk written, `concurrency` at a time. */
export const parallelSink =
  (options: ParallelSinkOptions) =>
  <A>(task: (chunk: A, signal: AbortSignal) => TE.TaskEither<UploadError, unknown>): ParallelSink<A> => {
    const { signal } = options
    const concurrency = Math.max(1, Math.floor(options.concurrency))
    // Each task has a controller of its own: listeners of one shared signal would pass Node's limit
    // of 10 per EventTarget at concurrency 11 and up (a MaxListenersExceededWarning on stderr).
    const running = new Map<Promise<void>, AbortController>()
    const abortTasks = (reason: unknown): void => running.forEach((task) => task.abort(reason))
    let failure: UploadError | undefined
    let controller: WritableStreamDefaultController | undefined
    let upstreamFailed = false

    const fail = (error: UploadError): void => {
      if (failure !== undefined || upstreamFailed) return
      failure = error
      abortTasks(error)
      controller?.error(error)
      signal?.removeEventListener('abort', onAbort)
    }
    const onAbort = (): void => fail(abortedBy(signal as AbortSignal))
    const cancel = (reason: unknown): void => {
      upstreamFailed = true
      abortTasks(reason)
      // Nothing is left for the caller's signal to stop: a long-lived signal must not keep this sink.
      signal?.removeEventListener('abort', onAbort)
    }
    const idle = async (): Promise<void> => {
      while (running.size > 0) await Promise.all(running.keys())
    }

    // The sink's methods reject with the UploadError value: this is the seam where the stream
    // world reports failure, and the caller turns the pipe's rejection back into a TaskEither.
    const writable = new WritableStream<A>(
      {
        start: (c) => {
          controller = c
          if (signal?.aborted) onAbort()
          else signal?.addEventListener('abort', onAbort)
        },
        write: async (chunk) => {
          if (failure !== undefined) throw failure
          const own = new AbortController()
          // After `cancel`, a task still written starts cancelled, as with one shared signal.
          if (upstreamFailed) own.abort()
          const run: Promise<void> = task(chunk, own.signal)().then(
            (result) => (result._tag === 'Left' ? fail(result.left) : undefined),
            (cause: unknown) => fail(invalidInput(`an upload task threw: ${thrown(cause)}`)),
          )
          const tracked = run.finally(() => running.delete(tracked))
          running.set(tracked, own)
          // Resolved once a slot is free: the pipe's backpressure.
          while (running.size >= concurrency && failure === undefined) await Promise.race(running.keys())
          if (failure !== undefined) throw failure
        },
        close: async () => {
          await idle()
          signal?.removeEventListener('abort', onAbort)
          if (failure !== undefined) throw failure
        },
        // The pipe's source failed: cancel the tasks, but the failure is the source's, not ours.
        abort: async (reason: unknown) => {
          cancel(reason)
          await idle()
        },
      },
      { highWaterMark: 1 },
    )
    // `free` is never below 0: the stream calls `write` one chunk at a time, and each returns only once a slot
    // is free (or the sink failed, and no write comes after), so a task is only ever added into a free slot.
    return { writable, failure: () => failure, idle, free: () => concurrency - running.size, cancel }
  }
