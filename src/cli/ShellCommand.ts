/**
 * The commands box-upload's hints tell the user to run (`Continue with: box-upload … --resume`),
 * written as a POSIX shell takes them, so that they can be copied as they are.
 */

// ---------------------------------------------------------------------------------------------
// operations

/**
 * The command as the user ran it: under npx (npm sets `npm_command` to `exec`) a bare `box-upload` is on
 * the PATH only of npx's own shell, so the hint says `npx box-upload`.
 */
export const invokedAs = (env: NodeJS.ProcessEnv): string => (env['npm_command'] === 'exec' ? 'npx box-upload' : 'box-upload')

/** A path as a file argument: one that would read as an option (`-x`) or a subcommand (`demo`) is given as `./…`. */
export const asFileArgument = (path: string): string => (/^-|^(emulator|demo|help)$/.test(path) ? `./${path}` : path)

/** Quotes a path for a POSIX shell when it needs it. */
export const shellQuote = (text: string): string => (/^[\w./:@%+=-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`)
