// Bundles the `emporia` binary into one ES module (packages/cli/dist/emporia.mjs), with the code that
// only some commands or settings need (BullMQ and ioredis, behind `import()`) in chunks beside it
// (packages/cli/dist/chunks/), read only when used.
// Why: `serve` start-up is almost all module loading — resolving, reading and compiling hundreds
// of files — and one file cuts cold start by about a third. Native modules and knex (which loads
// its dialects by computed path) stay in node_modules.
import { build } from 'esbuild';

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
  // nodemailer loads on the first message; bundled, its 200 KB would be parsed at every start.
  external: ['knex', 'pg', 'pg-native', 'better-sqlite3', '@node-rs/argon2', 'nodemailer'],
  // Bundled CommonJS dependencies call require(); give the ES module one.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
