/**
 * Box's `upload_session` object as it arrives on the wire (box-protocol.md §4.1), and the integer
 * codecs the wire shapes share. `Session` turns it into the library's own plain data.
 */
import * as t from './codecs.ts'
import type { Immutable } from './Readonly.ts'

// ---------------------------------------------------------------------------------------------
// codecs

/** A whole number > 0 (typed `number`: no brand to unwrap). `0`, `1.5` and `"8"` fail. */
export const PositiveInteger: t.Type<number, number, unknown> = t.refinement(t.number, (n) => Number.isSafeInteger(n) && n > 0, 'PositiveInteger')
export type PositiveInteger = t.TypeOf<typeof PositiveInteger>

/** A whole number ≥ 0. */
export const NonNegativeInteger: t.Type<number, number, unknown> = t.refinement(t.number, (n) => Number.isSafeInteger(n) && n >= 0, 'NonNegativeInteger')
export type NonNegativeInteger = t.TypeOf<typeof NonNegativeInteger>

/** The absolute URLs of a session's operations (`upload_part`, `abort` and `status` are the same URL). `log_event` is optional. */
export const SessionEndpoints = t.intersection([
  t.type({ upload_part: t.string, commit: t.string, abort: t.string, list_parts: t.string, status: t.string }),
  t.partial({ log_event: t.string }),
])
// An interface, not a type alias, so that hovers and a user's emitted declarations name it instead of
// spelling out its fields (a `t.TypeOf` alias is expanded wherever inference carries it).
export interface SessionEndpoints extends Immutable<t.TypeOf<typeof SessionEndpoints>> {}

/** Box's `upload_session`. Extra fields are tolerated; `type` is not required (nothing depends on it). */
export const UploadSession = t.type({
  id: t.string,
  part_size: PositiveInteger,
  total_parts: PositiveInteger,
  num_parts_processed: NonNegativeInteger,
  session_expires_at: t.string,
  session_endpoints: SessionEndpoints,
})
export interface UploadSession extends Immutable<t.TypeOf<typeof UploadSession>> {}
