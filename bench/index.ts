/** `npm run bench`: runs each benchmark module in turn. Add a module to `benches` to include it. */
import * as chunker from './chunker.ts'
import * as upload from './upload.ts'

const benches: ReadonlyArray<{ readonly run: () => Promise<void> }> = [chunker, upload]

for (const bench of benches) await bench.run()
