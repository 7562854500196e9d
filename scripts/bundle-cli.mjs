// Bundles the `emporia` binary into one ES module (packages/cli/dist/emporia.mjs), with the code that
// only some commands or settings need (BullMQ and ioredis, behind `import()`) in chunks beside it
// (packages/cli/dist/chunks/), read only when used.
// Why: `serve` start-up is almost all module loading — resolving, reading and compiling hundreds
// of files — and one file cuts cold start by about a third. Native modules and knex (which loads
// its dialects by computed path) stay in node_modules.
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const lazyIconv = fileURLToPath(new URL('./lazy-iconv-lite.cjs', import.meta.url));
// iconv-lite is required by body-parser and raw-body at load but used only on a request's body: the
// bundle gets a stand-in that requires it from node_modules on first use (scripts/lazy-iconv-lite.cjs).
/** @type {import('esbuild').Plugin} */
const lazyIconvLite = {
  name: 'lazy-iconv-lite',
  setup(b) {
    b.onResolve({ filter: /^iconv-lite$/ }, (args) =>
      args.importer === lazyIconv ? { path: 'iconv-lite', external: true } : { path: lazyIconv },
    );
  },
};

// Chunk names carry a content hash: clear the last build's, or they pile up beside the new ones.
rmSync('packages/cli/dist/chunks', { recursive: true, force: true });

await build({
  entryPoints: { emporia: 'packages/cli/dist/bin.js' },
  outdir: 'packages/cli/dist',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  splitting: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  keepNames: true, // error classes report their own names
  sourcemap: 'linked',
  // knex is bundled: from node_modules it was ~330 files (its own and lodash's), each resolved, read
  // and compiled at start. Its dialects require their drivers only on the first connection, and
  // those stay outside the bundle: native ones, the big ones (pg, mysql2), and those not installed.
  // nodemailer loads on the first message; bundled, its 200 KB would be parsed at every start.
  external: [
    'pg',
    'pg-native',
    'pg-query-stream',
    'better-sqlite3',
    'mysql2',
    'mysql',
    'mariadb',
    'sqlite3',
    'tedious',
    'oracledb',
    '@node-rs/argon2',
    'nodemailer',
  ],
  // Bundled CommonJS dependencies call require(); give the ES module one.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  plugins: [lazyIconvLite],
  logLevel: 'warning',
});
