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
import { dirname, join } from 'node:path';
import { build } from 'esbuild';

// Modules that answering a request needs but starting does not: body-parser, raw-body, express and
// send require them as they load and call them only on a request (a body, an error, a file's type).
// Their CommonJS importers get a stand-in that requires the real module on first use of one of its
// properties, or on a call of it (http-errors is a function). Each costs start-up its module body
// and the garbage it leaves: mime-types indexes all of mime-db's ~2,500 types, http-errors makes a
// class per status, qs pulls in side-channel and get-intrinsic. iconv-lite is required from
// node_modules then, outside the bundle: its code-page tables (~480 KB) were a sixth of the
// start-up code. ES module importers keep the real module (their named imports are bound at load).
/** @type {Record<string, { external?: boolean }>} */
const LAZY_MODULES = { 'iconv-lite': { external: true }, 'http-errors': {}, 'mime-types': {}, qs: {} };
/** @type {import('esbuild').Plugin} */
const lazyModules = {
  name: 'lazy-modules',
  setup(b) {
    const names = Object.keys(LAZY_MODULES).map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    b.onResolve({ filter: new RegExp(`^(${names.join('|')})$`) }, async (args) => {
      if (args.pluginData === lazyModules) return undefined; // the stand-in's own require
      if (args.namespace === 'lazy-module' && LAZY_MODULES[args.path].external) {
        return { path: args.path, external: true };
      }
      if (args.kind !== 'require-call') return undefined;
      const real = await b.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: lazyModules,
      });
      if (real.errors.length > 0) return { errors: real.errors };
      // One stand-in per resolved file: importers of different versions keep their own.
      return { path: real.path, namespace: 'lazy-module', pluginData: args.path };
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy-module' }, (args) => {
      const name = /** @type {string} */ (args.pluginData);
      const target = LAZY_MODULES[name].external ? name : args.path;
      return {
        contents: `'use strict';
let real;
const load = () => (real ??= require(${JSON.stringify(target)}));
module.exports = new Proxy(function lazyModule() {}, {
  get: (_, key) => load()[key],
  set: (_, key, value) => ((load()[key] = value), true),
  has: (_, key) => key in load(),
  apply: (_, self, args) => Reflect.apply(load(), self, args),
  construct: (_, args) => Reflect.construct(load(), args),
});
`,
        resolveDir: dirname(args.path),
        loader: 'js',
      };
    });
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
    plugins: [lazyModules, lazyTransliterateLocales],
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
