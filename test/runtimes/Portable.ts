/**
 * Which test files run in every runtime: `test/*.test.ts` files that reach no Node API. A file is followed
 * through its relative imports (test helpers and sources); it is Node-only when any of them imports `node:*`
 * or uses `Buffer`/`process`. The emulator helper counts as portable: the bundles swap its Node adapter for
 * the control-server client (Bundle.ts). Files named `*.node.test.ts` are Node-only by name.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { dirname, relative, resolve } from 'node:path'
import { root } from './Bundle.ts'

const helper = resolve(root, 'test/helpers/emulator.ts')
const specifiers = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^import\s+['"]([^'"]+)['"]/gm
const nodeGlobals = /\b(?:Buffer|process)\s*\.|\brequire\(/

/** Why `file` (absolute) cannot run outside Node, or undefined when it can. */
export const nodeOnly = (file: string, seen: Set<string> = new Set()): string | undefined => {
  if (seen.has(file) || file === helper) return undefined
  seen.add(file)
  const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|^\s*\/\/.*$/gm, '')
  if (nodeGlobals.test(text)) return `${relative(root, file)} uses Buffer/process/require`
  for (const match of text.matchAll(specifiers)) {
    const spec = match[1] ?? match[2] ?? match[3] ?? ''
    if (spec.startsWith('node:')) return `${relative(root, file)} imports ${spec}`
    if (spec.startsWith('.')) {
      const why = nodeOnly(resolve(dirname(file), spec), seen)
      if (why !== undefined) return why
    }
  }
  return undefined
}

export interface Selection {
  /** Portable test files, relative to the root, sorted. */
  readonly portable: ReadonlyArray<string>
  /** Node-only test files with the reason. */
  readonly nodeOnly: ReadonlyArray<readonly [file: string, why: string]>
}

/** Sorts `test/*.test.ts` into portable and Node-only files. */
export const select = (): Selection => {
  const files = readdirSync(resolve(root, 'test')).filter((name) => name.endsWith('.test.ts')).sort()
  const portable: Array<string> = []
  const only: Array<readonly [string, string]> = []
  for (const name of files) {
    const file = `test/${name}`
    const why = name.endsWith('.node.test.ts') ? 'named *.node.test.ts' : nodeOnly(resolve(root, file), new Set())
    if (why === undefined) portable.push(file)
    else only.push([file, why])
  }
  return { portable, nodeOnly: only }
}
