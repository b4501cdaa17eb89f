import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { floorOf, nodeMin } from '../runtimes/Hosts.ts'

/**
 * package.json's `engines.node` is what users rely on, and npm (engine-strict) and Yarn 1 refuse to install a
 * dependency on an older Node than its own `engines` names: so the package can claim no older Node than any
 * package it installs with (undici 7 names 20.18.1). The runtimes suite's `node-min` runs the tests on that floor.
 */
const root = resolve(import.meta.dirname, '../..')

interface Manifest {
  readonly name: string
  readonly engines?: { readonly node?: string }
  readonly dependencies?: Readonly<Record<string, string>>
}

const manifest = (dir: string): Manifest => JSON.parse(readFileSync(resolve(dir, 'package.json'), 'utf8')) as Manifest

/** Where `name` is installed for the package in `from`: its own node_modules first, then the root's (npm hoists). */
const installed = (name: string, from: string): string => {
  for (const dir of [resolve(from, 'node_modules', name), resolve(root, 'node_modules', name)]) {
    try {
      manifest(dir)
      return dir
    } catch {}
  }
  throw new Error(`${name} (a dependency of ${from}) is not installed`)
}

/** Every package installed with this one (its dependencies, theirs, …), each with the directory it is in. */
const dependencies = (from: string, seen: Map<string, string> = new Map()): ReadonlyMap<string, string> => {
  for (const name of Object.keys(manifest(from).dependencies ?? {})) {
    const dir = installed(name, from)
    if (seen.has(dir)) continue
    seen.set(dir, name)
    dependencies(dir, seen)
  }
  return seen
}

/** -1, 0 or 1 as version `a` is older, the same or newer than `b` (both X.Y.Z). */
const compare = (a: string, b: string): number => {
  const [x, y] = [a, b].map((v) => v.split('.').map(Number)) as [number[], number[]]
  for (let i = 0; i < 3; i += 1) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1
  return 0
}

const Engines = suite('engines')

Engines('should read a ">=X.Y.Z" range as its floor, and refuse any other form', () => {
  assert.equal(['>=20', '>=20.18.1', '>= 20.3', '>=v22.1.0'].map(floorOf), ['20.0.0', '20.18.1', '20.3.0', '22.1.0'])
  for (const range of ['^20.18.1', '>=18 <21', '20.x', '*']) assert.throws(() => floorOf(range), range)
})

Engines('should claim no older Node than any package installed with it declares', () => {
  const claimed = nodeMin()
  const newer = [...dependencies(root)].flatMap(([dir, name]) => {
    const range = manifest(dir).engines?.node
    // Only a floor (`>=X…`) can be newer than ours; a caret or a list of majors is beyond this check.
    const floor = range === undefined || !/^\s*>=/.test(range) || /\s[<|]/.test(range) ? undefined : floorOf(range)
    return floor !== undefined && compare(floor, claimed) > 0 ? [`${name} needs node ${range}`] : []
  })
  assert.equal(newer, [], `package.json claims node >=${claimed}`)
})

Engines.run()
