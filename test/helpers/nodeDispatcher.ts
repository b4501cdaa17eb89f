/**
 * Preloaded by test/unit.ts into the process that runs every test file: calls Node's own `fetch` once, so that
 * Node's undici installs its dispatcher as the global one at once. Otherwise the first test file that imports the
 * undici package (test/Proxy.node.test.ts, test/BadNetwork.node.test.ts) installs that package's Agent there,
 * since undici's module does so when none is set, and every test after it, in whatever order uvu loads them,
 * fetches through another undici than users' code does (undici 7 refuses what Node's own accepts: a forwarded
 * content-length, for one). Tests that want another dispatcher pass it, or set and restore it themselves.
 */
void fetch('data:,').catch(() => undefined)
