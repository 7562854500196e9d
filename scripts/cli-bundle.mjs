// The esbuild builds of the `emporia` binary: the bundle, one CommonJS file (dist/emporia.cjs), and
// its launcher (dist/launch.cjs, from packages/cli/src/launch.ts, required by dist/emporia.mjs),
// which runs it with a V8 code cache. `npm run build` bundles dist with them (scripts/bundle-cli.mjs) and the CLI tests bundle the
// sources with them once per run (test/support/global-setup.ts), so what the tests spawn is built the
// way the shipped binary is.
// Why a bundle: `serve` start-up is almost all module loading — resolving, reading and compiling
// hundreds of files — and one file cuts cold start by about a third. Why CommonJS: Node 20 keeps no
// compiled code of ES modules between runs, and a script's compiled code can be kept (launch.ts);
// that halves the CPU to start again. One file, no chunks: what only some settings need (BullMQ and
// ioredis, behind `import()`) is in it but never compiled unless used, and a code cache holds only
// what was compiled.
import { writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
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

// @sindresorhus/transliterate builds a copy of its ~1,000 replacements and a pattern of them for each
// of its locales when it loads (~9 ms of every start); Emporia's slugs use no locale. The bundle gets
// it with each locale's pattern built on that locale's first use. A new version whose code differs
// fails the build here rather than being bundled unchanged.
const eagerLocales = `for (const [locale, localeMap] of Object.entries(localeReplacements)) {
\tconst replacements = new Map(builtinReplacements);
\tfor (const [key, value] of localeMap) {
\t\treplacements.set(key, value);
\t}

\tlocaleCache.set(locale, {
\t\treplacements,
\t\tpattern: buildReplacementPattern(replacements),
\t});
}`;
const lazyLocales = `const localeEntry = locale => {
\tlet entry = localeCache.get(locale);
\tif (!entry) {
\t\tconst replacements = new Map(builtinReplacements);
\t\tfor (const [key, value] of localeReplacements[locale]) {
\t\t\treplacements.set(key, value);
\t\t}

\t\tentry = {replacements, pattern: buildReplacementPattern(replacements)};
\t\tlocaleCache.set(locale, entry);
\t}

\treturn entry;
};`;
/** @type {import('esbuild').Plugin} */
const lazyTransliterateLocales = {
  name: 'lazy-transliterate-locales',
  setup(b) {
    b.onLoad({ filter: /[\\/]@sindresorhus[\\/]transliterate[\\/]index\.js$/ }, async (args) => {
      const code = await readFile(args.path, 'utf8');
      const use = '({replacements, pattern} = localeCache.get(normalizedLocale));';
      if (!code.includes(eagerLocales) || code.split(use).length !== 2) {
        throw new Error(`${args.path}: not the code scripts/cli-bundle.mjs makes lazy; review the plugin`);
      }
      return {
        contents: code
          .replace(eagerLocales, lazyLocales)
          .replace(use, '({replacements, pattern} = localeEntry(normalizedLocale));'),
        loader: 'js',
      };
    });
  },
};

/**
 * Bundles `entry` (bin.ts or its build) into `outdir`/emporia.cjs and `launcher` (launch.ts) into
 * `outdir`/launch.cjs, and writes `outdir`/emporia.mjs, the entry that runs them.
 * @param {{ entry: string, launcher: string, outdir: string, minify?: boolean, tsconfig?: string }} where
 */
export async function bundleCli({ entry, launcher, outdir, minify = false, tsconfig }) {
  /** @type {import('esbuild').BuildOptions} */
  const common = {
    bundle: true,
    platform: 'node',
    target: 'node20',
    minify,
    keepNames: true, // error classes report their own names
    sourcemap: 'linked',
    ...(tsconfig ? { tsconfig } : {}),
    logLevel: 'warning',
    outdir,
    outExtension: { '.js': '.cjs' },
    format: 'cjs',
  };
  await build({
    ...common,
    entryPoints: { emporia: entry },
    // `import()` becomes require(): a script run by the launcher has no loader for `import()`
    // (Node 20 offers one only behind a flag or with a warning), and what is still imported at run
    // time (nodemailer) is CommonJS.
    supported: { 'dynamic-import': false },
    // The sources' `createRequire(import.meta.url)` and `new URL(…, import.meta.url)`: the bundle's own URL.
    define: { 'import.meta.url': '__emporiaBundleUrl' },
    banner: { js: "var __emporiaBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
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
    plugins: [lazyIconvLite, lazyTransliterateLocales],
  });
  // The launcher is CommonJS too: node's builtins required, not imported, cost no ES module facades.
  // dist/emporia.mjs, what bin/emporia.js imports, only requires it.
  await build({
    ...common,
    entryPoints: { launch: launcher },
    define: { 'import.meta.url': '__emporiaLaunchUrl' },
    banner: { js: `"use strict";var __emporiaLaunchUrl = require('node:url').pathToFileURL(__filename).href;` },
  });
  writeFileSync(
    join(outdir, 'emporia.mjs'),
    "import { createRequire } from 'node:module';\ncreateRequire(import.meta.url)('./launch.cjs');\n",
  );
}
