/**
 * The file a commit creates, as Box returns it in a `Files` collection (box-protocol.md §4.4):
 * the fields a user needs; every other field of `File--Full` is tolerated and kept.
 */
import * as t from './codecs.ts'
import type { Immutable } from './Readonly.ts'
import { NonNegativeInteger } from './UploadSession.ts'

// ---------------------------------------------------------------------------------------------
// codecs

const nullable = <C extends t.Mixed>(codec: C) => t.union([codec, t.null])

/** A Box file: `id`, `name`, `size` always; the rest when Box sends it (some may be `null`). */
export const BoxFile = t.intersection([
  t.type({ id: t.string, type: t.literal('file'), name: t.string, size: NonNegativeInteger }),
  t.partial({
    sha1: t.string,
    etag: nullable(t.string),
    sequence_id: nullable(t.string),
    description: t.string,
    parent: nullable(t.intersection([t.type({ id: t.string }), t.partial({ name: t.string })])),
    file_version: t.intersection([t.type({ id: t.string }), t.partial({ sha1: t.string })]),
    created_at: t.string,
    modified_at: t.string,
    content_created_at: nullable(t.string),
    content_modified_at: nullable(t.string),
  }),
])
// An interface, not a type alias, so that hovers and a user's emitted declarations name it instead of
// spelling out its fields (a `t.TypeOf` alias is expanded wherever inference carries it).
export interface BoxFile extends Immutable<t.TypeOf<typeof BoxFile>> {}

/** The commit's answer: `{ total_count, entries: [file] }`. */
export const Files = t.type({ total_count: NonNegativeInteger, entries: t.readonlyArray(BoxFile) })
export interface Files extends Immutable<t.TypeOf<typeof Files>> {}
