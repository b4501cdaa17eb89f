/**
 * A stored part as Box describes it (box-protocol.md §4.2, §4.3): the upload-part answer wraps it
 * in `{ part }`, list-parts pages it. The same objects go back, in offset order, in the commit body.
 */
import * as t from './codecs.ts'
import type { Immutable } from './Readonly.ts'
import { NonNegativeInteger, PositiveInteger } from './UploadSession.ts'

// ---------------------------------------------------------------------------------------------
// codecs

/** A part Box stored: its id, byte offset, size and SHA-1 (hex, unlike the base64 `Digest` header). Extra fields are dropped. */
export const UploadPart = t.exact(t.type({
  part_id: t.string,
  offset: NonNegativeInteger,
  size: PositiveInteger,
  sha1: t.string,
}))
// An interface, not a type alias, so that hovers and a user's emitted declarations name it instead of
// spelling out its fields (a `t.TypeOf` alias is expanded wherever inference carries it).
export interface UploadPart extends Immutable<t.TypeOf<typeof UploadPart>> {}

/** The answer to an upload-part `PUT`: `{ part: UploadPart }`. */
export const UploadedPart = t.type({ part: UploadPart })
export interface UploadedPart extends Immutable<t.TypeOf<typeof UploadedPart>> {}

/** One page of list-parts. `offset`/`limit` are echoed by Box but not relied on. */
export const UploadParts = t.intersection([
  t.type({ total_count: NonNegativeInteger, entries: t.readonlyArray(UploadPart) }),
  t.partial({ offset: NonNegativeInteger, limit: NonNegativeInteger }),
])
export interface UploadParts extends Immutable<t.TypeOf<typeof UploadParts>> {}
