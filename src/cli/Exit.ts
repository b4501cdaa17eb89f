/** The exit codes of `box-upload`. */

/** Done. */
export const OK = 0
/** The upload (or the check after it) failed. */
export const FAILED = 1
/** Wrong usage or bad input (also an `emulator --port` in use or not allowed): nothing was sent or served. */
export const USAGE = 2
/** Interrupted with Ctrl-C (128 + SIGINT, as shells report it). */
export const INTERRUPTED = 130
/** Stopped by SIGTERM (128 + 15), like the first Ctrl-C: the session is kept to resume. */
export const TERMINATED = 143
/** Stopped by SIGHUP (128 + 1: the terminal closed), like SIGTERM: the session is kept to resume. */
export const HUNG_UP = 129
