#!/usr/bin/env node
// The `box-upload` command. In a checkout (sources and tsx present) it runs the TypeScript sources
// through tsx's loader, in this same process, so Ctrl-C reaches the upload directly and a stale
// `dist/` never runs by mistake; in an installed package it runs the bundle `dist/cli.js`.
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'

const source = new URL('../src/cli/main.ts', import.meta.url)
const bundle = new URL('../dist/cli.js', import.meta.url)

const hasTsx = () => {
  try {
    createRequire(import.meta.url).resolve('tsx/esm/api')
    return true
  } catch {
    return false
  }
}

if (existsSync(source) && hasTsx()) {
  const { register } = await import('tsx/esm/api')
  register()
  await import(source.href)
} else if (existsSync(bundle)) {
  await import(bundle.href)
} else {
  process.stderr.write('box-upload: neither dist/cli.js nor the sources with tsx were found; run `npm ci` (and `npm run build`)\n')
  process.exitCode = 1
}
