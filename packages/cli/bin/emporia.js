#!/usr/bin/env node
// Committed entry point so npm links the `emporia` binary before the first build.
// `npm run build` writes the bundled binary: dist/emporia.mjs runs the bundle dist/emporia.cjs with
// its code cache (src/launch.ts, scripts/cli-bundle.mjs).
await import('../dist/emporia.mjs');
