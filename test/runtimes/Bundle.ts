/**
 * esbuild bundles of the test files for runtimes that cannot load TypeScript sources themselves (browsers,
 * workerd): one ESM file whose entry's default export is `main(files)` of Page.ts or Worker.ts, each file
 * a dynamic import, so nothing in it runs before uvu is set up. The emulator's Node adapter is swapped for RemoteServe.ts where the test
 * helper imports it; everything else, the hasher routing by `conditions` included, resolves as it would for
 * a user's bundler.
 */
import { build, type Plugin } from 'esbuild'
import { resolve } from 'node:path'

export const root = resolve(import.meta.dirname, '../..')

/** Redirects the test helper's import of the emulator's Node adapter to the control-server client. */
const remoteEmulator: Plugin = {
  name: 'remote-emulator',
  setup: (b) => {
    b.onResolve({ filter: /emulator\/node\.ts$/ }, (args) =>
      args.importer === resolve(root, 'test/helpers/emulator.ts')
        ? { path: resolve(root, 'test/runtimes/RemoteServe.ts') }
        : undefined,
    )
  },
}

export interface BundleOptions {
  /** Test files, relative to the repository root. */
  readonly files: ReadonlyArray<string>
  /** Module exporting `main(files)`: Page.ts or Worker.ts (relative to the root). */
  readonly entry: string
  readonly conditions: ReadonlyArray<string>
}

const common = { bundle: true, write: false, platform: 'browser', target: 'es2022', logLevel: 'warning' } as const

const text = (result: { readonly outputFiles: ReadonlyArray<{ readonly text: string }> }): string => {
  const [output] = result.outputFiles
  if (output === undefined) throw new Error('esbuild produced no output')
  return output.text
}

/** One ESM file for a browser-like host from a source text (resolved from the root). */
const bundleSource = async (contents: string, loader: 'ts' | 'js', conditions: ReadonlyArray<string>, plugin: Plugin): Promise<string> =>
  text(await build({ ...common, stdin: { contents, resolveDir: root, loader, sourcefile: `entry.${loader}` }, format: 'esm', conditions: [...conditions], plugins: [plugin] }))

/** A classic script (not a module, so a page runs it before its modules) from a file relative to the root. */
export const bundleScript = async (file: string): Promise<string> => text(await build({ ...common, entryPoints: [resolve(root, file)], format: 'iife' }))

/** The test files' bundle (ESM source text). */
export const bundle = ({ files, entry, conditions }: BundleOptions): Promise<string> => {
  const list = files.map((file) => `  [${JSON.stringify(file)}, () => import(${JSON.stringify(resolve(root, file))})],`).join('\n')
  const contents = `import { main } from ${JSON.stringify(resolve(root, entry))}\nexport default main([\n${list}\n])\n`
  return bundleSource(contents, 'ts', conditions, remoteEmulator)
}

/**
 * A README example as a browser or Worker module: its `box-chunked-upload` resolves to `library` (a file path),
 * and the library's own `box-chunked-upload` to the package, as the bundler would for a user.
 */
export const bundleExample = (code: string, library: string, conditions: ReadonlyArray<string>): Promise<string> =>
  bundleSource(code, 'js', conditions, {
    name: 'example-library',
    setup: (b) => {
      b.onResolve({ filter: /^box-chunked-upload$/ }, (args) => (args.importer === library ? undefined : { path: library }))
    },
  })
