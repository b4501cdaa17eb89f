/**
 * Which injected fault shaped the answer to a request, for its `onRequest` record: answers alone cannot
 * say (`error_before` and `error_after` are both a 500, `slow` a 200), and `box-upload emulator --log` is
 * there to show which request met which fault. Keyed by the request, so nothing outlives it.
 */
import type { CommitFault, PartFault } from './Options.ts'

const faults = new WeakMap<Request, PartFault | CommitFault>()

/** Notes that `fault` shaped the answer to `request`. */
export const injected = (request: Request, fault: PartFault | CommitFault): void => void faults.set(request, fault)

/** The fault noted for `request`, if any. */
export const injectedInto = (request: Request): PartFault | CommitFault | undefined => faults.get(request)
