import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { nodeOnly } from './Portable.ts'

const Portable = suite('nodeOnly')

/** Writes `files` (name -> text) into a fresh folder and returns its path. */
const folder = (files: Readonly<Record<string, string>>): string => {
  const dir = mkdtempSync(join(tmpdir(), 'box-portable-'))
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
  return dir
}

Portable('should tell why a file is Node-only, through its relative imports', () => {
  const table: ReadonlyArray<readonly [string, Readonly<Record<string, string>>, RegExp | undefined]> = [
    ['web only', { 'a.ts': `import { test } from 'uvu'\nimport { x } from './b.ts'\n`, 'b.ts': `export const x = crypto.subtle\n` }, undefined],
    ['node: import two levels down', { 'a.ts': `import { x } from './b.ts'\n`, 'b.ts': `export { y as x } from './c.ts'\n`, 'c.ts': `import { readFileSync } from 'node:fs'\nexport const y = readFileSync\n` }, /c\.ts imports node:fs/],
    ['dynamic node: import', { 'a.ts': `const fs = await import('node:fs')\n` }, /imports node:fs/],
    ['Buffer', { 'a.ts': `export const b = Buffer.from('x')\n` }, /uses Buffer\/process\/require/],
    ['process', { 'a.ts': `export const argv = process.argv\n` }, /uses Buffer\/process\/require/],
    ['only in a comment', { 'a.ts': `// Buffer.from is not used here\n/* import 'node:fs' */\nexport const x = 1\n` }, undefined],
    ['an import cycle', { 'a.ts': `import './b.ts'\n`, 'b.ts': `import './a.ts'\n` }, undefined],
  ]
  for (const [what, files, expected] of table) {
    const dir = folder(files)
    try {
      const why = nodeOnly(join(dir, 'a.ts'))
      if (expected === undefined) assert.is(why, undefined, what)
      else assert.ok(why !== undefined && expected.test(why), `${what}: ${why}`)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }
})

Portable.run()
