/**
 * The readonly form of the data the library hands out. Types only: a bundle never loads this module.
 */

// ---------------------------------------------------------------------------------------------
// model

/**
 * `T` readonly at every depth (nested objects and arrays too; `unknown` and primitives as they are): the type of
 * the data the library hands out, which it never changes, built from a codec's type (io-ts's `t.type` makes every
 * field mutable). A session whose `fileSize` was changed would no longer fit its chunker. What a codec decodes,
 * mutable, is assignable to it.
 */
export type Immutable<T> = T extends object ? { readonly [K in keyof T]: Immutable<T[K]> } : T
