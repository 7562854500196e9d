// Lints the OpenAPI document with Spectral and the OWASP API Security ruleset (.spectral.yaml).
// The document is generated from the sources (the route specs and zod schemas, loaded through tsx
// with the tests' path mapping), so this runs in a fresh clone before anything is built.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { tsImport } from 'tsx/esm/api';

const root = join(import.meta.dirname, '..');
const { openApiDocument } = await tsImport('../packages/http/src/index.ts', {
  parentURL: import.meta.url,
  tsconfig: join(root, 'tsconfig.tests.json'),
});

// Inside the checkout (node_modules/.cache, ignored by git), where .spectral.yaml's overrides can name it.
const dir = join(root, 'node_modules/.cache/emporia-openapi-lint');
mkdirSync(dir, { recursive: true });
const file = join(dir, 'openapi.json');
writeFileSync(file, JSON.stringify(openApiDocument(), null, 2));

const require = createRequire(import.meta.url);
const cli = join(dirname(require.resolve('@stoplight/spectral-cli/package.json')), 'dist/index.js');
// Errors fail the lint and are the only findings shown. Arguments replace `--display-only-failures`:
// `node scripts/lint-openapi.mjs --format stylish` lists the warnings too.
const args = [
  'lint',
  file,
  '--ruleset',
  join(root, '.spectral.yaml'),
  '--fail-severity',
  'error',
  ...(process.argv.length > 2 ? process.argv.slice(2) : ['--display-only-failures']),
];
const { status } = spawnSync(process.execPath, [cli, ...args], { stdio: 'inherit', cwd: root });
rmSync(dir, { recursive: true, force: true });
process.exit(status ?? 1);
