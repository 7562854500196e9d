// Bundles the `emporia` binary into packages/cli/dist/emporia.mjs, its lazily loaded code in
// packages/cli/dist/chunks/ (the options, and why: scripts/cli-bundle.mjs).
import { rmSync } from 'node:fs';
import { build } from 'esbuild';
import { cliBundleOptions } from './cli-bundle.mjs';

// Chunk names carry a content hash: clear the last build's, or they pile up beside the new ones.
rmSync('packages/cli/dist/chunks', { recursive: true, force: true });

await build(cliBundleOptions({ entry: 'packages/cli/dist/bin.js', outdir: 'packages/cli/dist', minify: true }));
