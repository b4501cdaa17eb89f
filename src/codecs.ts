/**
 * The io-ts combinators and types the codecs use, imported once, as fp-ts is in fp.ts (esbuild#475).
 * Named rather than `export * as`: a namespace re-exported would keep the whole of io-ts in an app
 * bundled from these sources, where named ones are tree-shaken. A combinator missing here is a type error.
 * Only names the library uses: a bundle that leaves io-ts out (npm run size) imports every name listed, used or not.
 */
export { exact, intersection, literal, null, number, partial, readonlyArray, refinement, string, type, union, unknown } from 'io-ts'
export type { Context, Decoder, Errors, ExactC, IntersectionC, LiteralC, Mixed, NullC, NumberC, PartialC, ReadonlyArrayC, StringC, Type, TypeC, TypeOf, UnionC, UnknownC } from 'io-ts'
