// Bundles the `emporia` binary into packages/cli/dist/emporia.cjs, its launcher
// packages/cli/dist/launch.cjs and the entry dist/emporia.mjs (the options, and why: scripts/cli-bundle.mjs).
import { rmSync } from 'node:fs';
import { bundleCli } from './cli-bundle.mjs';

// The last build's code caches can never match this one; dist/chunks and the ES module bundle's map
// are what builds before the launcher left.
for (const old of ['code-cache', 'chunks', 'emporia.mjs.map']) {
  rmSync(`packages/cli/dist/${old}`, { recursive: true, force: true });
}

await bundleCli({
  entry: 'packages/cli/dist/bin.js',
  launcher: 'packages/cli/dist/launch.js',
  outdir: 'packages/cli/dist',
  minify: true,
});
