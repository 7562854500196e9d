// The esbuild options of the `emporia` binary: one ES module with the code only some commands or
// settings need (BullMQ and ioredis, behind `import()`) in chunks beside it. `npm run build` bundles
// dist with them (scripts/bundle-cli.mjs) and the CLI tests bundle the sources with them once per run
// (test/support/global-setup.ts), so what the tests spawn is built the way the shipped binary is.
// Why a bundle: `serve` start-up is almost all module loading — resolving, reading and compiling
// hundreds of files — and one file cuts cold start by about a third.
import { fileURLToPath } from 'node:url';

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

/**
 * @param {{ entry: string, outdir: string, minify?: boolean, tsconfig?: string }} where
 * @returns {import('esbuild').BuildOptions}
 */
export function cliBundleOptions({ entry, outdir, minify = false, tsconfig }) {
  return {
    entryPoints: { emporia: entry },
    outdir,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    splitting: true,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify,
    keepNames: true, // error classes report their own names
    sourcemap: 'linked',
    ...(tsconfig ? { tsconfig } : {}),
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
  };
}
