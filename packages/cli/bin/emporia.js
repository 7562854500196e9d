#!/usr/bin/env node
// Committed entry point so npm links the `emporia` binary before the first build.
// `npm run build` writes the bundled binary (dist/emporia.mjs; see scripts/bundle-cli.mjs).
import module from 'node:module';

// Node 22.1+ keeps V8's compiled code of the bundle on disk (NODE_COMPILE_CACHE, else a directory
// under the OS temp dir), so later starts skip compiling it; Node 20 has no such cache and skips
// this. Imported after the call: a static import would be compiled before it.
module.enableCompileCache?.();
await import('../dist/emporia.mjs');
