/** A bound on how long a test waits for something, shared by the client's and the emulator's tests. */

/** Fails the test if `promise` takes longer than `ms` (so that no run can hang). */
export const within = <A>(ms: number, what: string, promise: Promise<A>): Promise<A> => {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}
