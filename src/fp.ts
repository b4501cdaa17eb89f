/**
 * The fp-ts modules the library uses, imported once: every other file imports them from here. A
 * bundle that leaves fp-ts out (it is a dependency) keeps each file's own import of an external
 * module (esbuild#475), so one import here rather than one per file makes a smaller bundle.
 * (fp-ts/lib is CommonJS, which bundlers keep whole anyway; io-ts, tree-shaken, is in codecs.ts.)
 */
export * as Either from 'fp-ts/lib/Either.js'
export * as TaskEither from 'fp-ts/lib/TaskEither.js'
export { pipe } from 'fp-ts/lib/function.js'
