#!/usr/bin/env node
// Committed entry point so npm links the `emporia` binary before the first build.
// `npm run build` writes the bundled binary (dist/emporia.mjs; see scripts/bundle-cli.mjs).
import '../dist/emporia.mjs';
