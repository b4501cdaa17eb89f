/** Summaries of repeated measurements. */

/** The middle value (the upper middle of an even count). */
export const median = (xs: ReadonlyArray<number>): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
