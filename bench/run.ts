// `npm run bench [-- --quick | --sizes 10000,100000 --db sqlite --duration 10 …]`: Emporia against
// the node:http and Express ceilings (and Vendure's figures), at several catalog sizes, on both
// databases. Writes bench/RESULTS.md (top section) and bench/results.json. See bench/README.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  BENCH_DIALECTS,
  freshDatabase,
  mysqlAvailable,
  postgresAvailable,
  type BenchDialect,
} from './lib/databases.js';
import {
  BENCH_PRODUCTION,
  build,
  cliCommands,
  commitId,
  distIsFresh,
  emporiaCommand,
  modeEnv,
  repoRoot,
  runEmporia as runCli,
  type ServerMode,
} from './lib/emporia.js';
import { findWrk, measure, settle, type LoadOptions, type LoadResult } from './lib/load.js';
import { freePort, rssMb, startServer } from './lib/processes.js';
import {
  judgeTargets,
  renderMain,
  writeModuleSection,
  writeResults,
  type BenchResults,
  type Ceilings,
  type DatabaseRun,
} from './lib/report.js';
import { Api, buildScenarios, discoverFixtures, operations, VENDURE } from './lib/scenarios.js';
import { postgresUrlFlag, mysqlUrlFlag } from './lib/flags.js';

const { values: flags } = parseArgs({
  options: {
    ...postgresUrlFlag,
    ...mysqlUrlFlag,
    quick: { type: 'boolean', default: false },
    sizes: { type: 'string' },
    db: { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string', default: '32' },
    build: { type: 'boolean', default: false },
    from: { type: 'string' },
    'no-wrk': { type: 'boolean', default: false },
    'log-level': { type: 'string', default: 'warn' },
    cache: { type: 'string', default: 'off' },
    'cursor-steps': { type: 'string', default: '300' },
    only: { type: 'string' },
    keep: { type: 'boolean', default: false },
    'database-url': { type: 'string' },
    'cpu-prof': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

if (flags.help) {
  console.log(`npm run bench -- [options]
  --quick              one small catalog (1000 products) on SQLite, 1.5 s per figure: about a minute
  --sizes 10000,...    catalog sizes (default 10000,100000,1000000)
  --db sqlite,postgres databases (default sqlite,postgres; add mysql for MySQL/MariaDB at --mysql-url;
                       a server that does not answer is skipped with a note)
  --duration N         seconds of load per figure (default 6; quick 1.5)
  --warmup N           seconds of load thrown away before each figure (default 1.5; quick 0.5)
  --connections N      concurrent connections (default 32)
  --build              npm run build first, then run the server from dist
  --from dist|src      run the server from dist (default when dist is up to date) or from sources via tsx
  --only a,b           only these scenarios (health, list_page1, list_deep_page, list_cursor1,
                       list_cursor_deep, search, search_sorted, detail, add_to_cart, checkout, backlog,
                       checkout_contended)
  --no-wrk             autocannon only
  --log-level L        the server's LOG_LEVEL (default warn: the ceilings log nothing either)
  --cache off|memory|redis  the server's CATALOG_CACHE (default off: every figure reads the database;
                       bench/catalog.ts --cache measures the cache beside the ceilings)
  --keep               keep the seeded databases (bench/.work, emporia_bench_*)
  --cpu-prof           profile the server (bench/.work/prof; summarise with bench/lib/profile-summary.ts)
  --database-url URL   bench this existing database as it is (no seed, never dropped; --sizes ignored)`);
  process.exit(0);
}

const quick = flags.quick;
const sizes = (flags.sizes ?? (quick ? '1000' : '10000,100000,1000000')).split(',').map(Number);
// The children run in bench/.work: a relative SQLite path is taken from where the bench was started.
const existing = flags['database-url']?.replace(
  /^sqlite:(?!:memory:)(.+)$/,
  (_m, file: string) => `sqlite:${resolve(file)}`,
);
const dialects = (
  existing
    ? existing.startsWith('postgres')
      ? 'postgres'
      : /^(mysql|mariadb):/.test(existing)
        ? 'mysql'
        : 'sqlite'
    : (flags.db ?? (quick ? 'sqlite' : 'sqlite,postgres'))
).split(',') as BenchDialect[];
const load: LoadOptions = {
  connections: Number(flags.connections),
  duration: Number(flags.duration ?? (quick ? 1.5 : 6)),
  warmup: Number(flags.warmup ?? (quick ? 0.5 : 1.5)),
  useWrk: !flags['no-wrk'],
};
const only = flags.only ? new Set(flags.only.split(',')) : null;
if (sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error('--sizes: whole numbers, comma separated');
if (dialects.some((d) => !BENCH_DIALECTS.includes(d))) throw new Error('--db: sqlite, postgres and/or mysql');

const workDir = join(repoRoot, 'bench/.work');
mkdirSync(workDir, { recursive: true });
const log = (s: string) => console.log(`[bench] ${s}`);

if (existing && sizes.length > 1) sizes.splice(1);
if (flags.build) build();
const mode: ServerMode = (flags.from as ServerMode | undefined) ?? (flags.build || distIsFresh() ? 'dist' : 'src');
const serverNote =
  mode === 'dist'
    ? 'dist (node packages/cli/bin/emporia.js)'
    : 'sources via tsx (dist missing or older than src; cold start includes compiling)';
log(`server from ${serverNote}; wrk ${findWrk() ?? 'not installed (autocannon only)'}`);
const commands = cliCommands(mode);

function emporiaEnv(url: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ...modeEnv(mode),
    ...BENCH_PRODUCTION,
    DATABASE_URL: url,
    HOST: '127.0.0.1',
    LOG_LEVEL: flags['log-level'],
    CATALOG_CACHE: flags.cache,
    MAIL_DIR: join(workDir, 'mail'),
    // The customers' tokens are minted once per server and must outlive a 1M-product run.
    ACCESS_TOKEN_TTL: '1h',
    // Every bench client shares one address: the per-address cap on new guest carts (60 an hour by
    // default) would answer most of the add-to-cart load with 429 and measure the refusal instead.
    GUEST_CARTS_PER_HOUR: '1000000',
  };
}

/** `emporia <args>` to completion in bench/.work, output appended to `logFile`; returns the wall time in ms. */
function runEmporia(args: string[], env: NodeJS.ProcessEnv, logFile: string): number {
  return runCli(mode, args, { env, cwd: workDir, logFile });
}

async function measureCeiling(script: string, bodyFile: string): Promise<LoadResult | null> {
  const port = await freePort();
  const server = await startServer({
    command: process.execPath,
    args: ['--import', 'tsx', join(repoRoot, 'bench/ceilings', script), bodyFile, String(port)],
    cwd: repoRoot,
    port,
    readyPath: '/api/products',
    logFile: join(workDir, `ceiling-${script}.log`),
  });
  try {
    return await measure(server.baseUrl, { path: '/api/products' }, load);
  } finally {
    await server.stop();
  }
}

async function runCeilings(body: string, source: string): Promise<Ceilings> {
  const bodyFile = join(workDir, 'ceiling-body.json');
  writeFileSync(bodyFile, body);
  log(`ceilings with a ${Buffer.byteLength(body)}-byte body (${source})`);
  const node = await measureCeiling('node-http.ts', bodyFile);
  log(`  node:http ${node?.rps} req/s (${node?.tool})`);
  const express = await measureCeiling('express.ts', bodyFile);
  log(`  express   ${express?.rps} req/s (${express?.tool})`);
  return { body_bytes: Buffer.byteLength(body), body_source: source, node, express };
}

const loadBefore = loadavg()[0];
const hasPostgres = dialects.includes('postgres') ? await postgresAvailable(flags['postgres-url']) : false;
const hasMysql = dialects.includes('mysql') ? await mysqlAvailable(flags['mysql-url']) : false;
const runs: DatabaseRun[] = [];
let ceilings: Ceilings | null = null;
let fallbackBody = '';

for (const dialect of dialects) {
  if (dialect === 'postgres' && !hasPostgres) {
    log(`PostgreSQL does not answer at ${flags['postgres-url']}: skipped`);
    continue;
  }
  if (dialect === 'mysql' && !hasMysql) {
    log(`MySQL/MariaDB does not answer at ${flags['mysql-url']}: skipped`);
    continue;
  }
  for (const size of sizes) {
    const run: DatabaseRun = {
      dialect,
      size,
      seed_ms: null,
      start_ms: null,
      rss_start_mb: null,
      rss_after_mb: null,
      scenarios: [],
    };
    runs.push(run);
    const logFile = join(workDir, `${dialect}-${size}.log`);
    writeFileSync(logFile, '');
    const db = existing
      ? { dialect, url: existing, drop: async () => {} }
      : await freshDatabase(dialect, size, workDir, flags['postgres-url'], flags['mysql-url']);
    const env = emporiaEnv(db.url);
    let server: Awaited<ReturnType<typeof startServer>> | undefined;
    try {
      log(
        `${dialect} ${existing ? existing : size}: migrate${!existing && commands.includes('seed') ? ' + seed' : ''}`,
      );
      runEmporia(['migrate'], env, logFile);
      if (existing) run.seed_note = 'existing database';
      else if (commands.includes('seed')) run.seed_ms = runEmporia(['seed', '--products', String(size)], env, logFile);
      else run.seed_note = 'no `emporia seed` yet';
      if (run.seed_ms !== null) log(`  seeded ${size} products in ${(run.seed_ms / 1000).toFixed(1)} s`);

      const port = await freePort();
      const { command, args: serveArgs } = emporiaCommand(mode, ['serve', '--port', String(port)]);
      // --cpu-prof: V8 writes the server's profile when it stops (bench/lib/profile-summary.ts reads it).
      const args = flags['cpu-prof']
        ? ['--cpu-prof', `--cpu-prof-dir=${join(workDir, 'prof')}`, ...serveArgs]
        : serveArgs;
      server = await startServer({ command, args, env, cwd: workDir, port, readyPath: '/ready', logFile });
      run.start_ms = server.startMs;
      run.rss_start_mb = rssMb(server.child.pid);
      log(`  cold start ${server.startMs} ms, RSS ${run.rss_start_mb} MB`);

      const api = new Api(server.baseUrl);
      const ops = await operations(api);
      const fx = await discoverFixtures(api, ops, Number(flags['cursor-steps']));
      fallbackBody ||= (await api.call('GET', '/health')).text;
      if (fx) {
        if (existing) run.size = fx.total;
        run.catalog = {
          products: fx.total,
          category: fx.category,
          category_count: fx.categoryCount,
          list_body_bytes: Buffer.byteLength(fx.listBody),
        };
        ceilings ??= await runCeilings(fx.listBody, `the list answer, ${fx.listPath}, ${dialect} ${size}`);
      }
      const scenarios = await buildScenarios(api, ops, fx, load.connections, `${dialect}-${size}-${Date.now()}`);
      for (const s of scenarios) {
        if (only && !only.has(s.id)) continue;
        if (s.unavailable || !s.request) {
          run.scenarios.push({ id: s.id, label: s.label, unavailable: s.unavailable });
          log(`  ${s.id}: ${s.unavailable}`);
          continue;
        }
        try {
          if (s.settle !== false) await settle(server.baseUrl);
          await s.before?.();
          const result = await measure(server.baseUrl, s.request, {
            ...load,
            ...(s.warmup === false ? { warmup: 0 } : {}),
            ...(s.connections ? { connections: s.connections } : {}),
            ...(s.duration ? { duration: s.duration } : {}),
          });
          const extra = await s.after?.();
          if (result.requests === 0) {
            // Nothing came back in time: no rate to report, but the checks after the load still count.
            const error = `no answer within ${load.duration} s: the server is saturated`;
            run.scenarios.push({ id: s.id, label: s.label, unavailable: null, error, extra });
            log(`  ${s.id}: ${error}${extra ? ` ${JSON.stringify(extra)}` : ''}`);
            continue;
          }
          run.scenarios.push({ id: s.id, label: s.label, unavailable: null, result, okRate: s.okRate, extra });
          log(
            `  ${s.id}: ${s.okRate ? result.ok_rps : result.rps} ${s.okRate ? 'ok/s' : 'req/s'}, p50 ${result.p50_ms} ms, ` +
              `p99 ${result.p99_ms} ms, non-2xx ${result.non_2xx}${extra ? ` ${JSON.stringify(extra)}` : ''}`,
          );
        } catch (err) {
          run.scenarios.push({ id: s.id, label: s.label, unavailable: null, error: (err as Error).message });
          log(
            `  ${s.id}: failed: ${(err as Error).message}${(err as Error).cause ? ` (${String((err as { cause?: unknown }).cause)})` : ''}`,
          );
        }
      }
      run.rss_after_mb = rssMb(server.child.pid);
      log(`  RSS after load ${run.rss_after_mb} MB`);
    } catch (err) {
      run.error = (err as Error).message;
      log(`  failed: ${run.error}`);
    } finally {
      await server?.stop();
      if (!flags.keep) await db.drop();
    }
  }
}

ceilings ??= fallbackBody ? await runCeilings(fallbackBody, 'the /health answer: no list answer in this build') : null;

const results: BenchResults = {
  date: new Date().toISOString(),
  commit: commitId(),
  node: process.version,
  cores: cpus().length,
  cpu: cpus()[0]?.model.trim() ?? 'unknown',
  // Full: every size on both databases and every scenario (the load's length is in the reproduce line).
  mode: quick
    ? 'quick'
    : !flags.only &&
        !existing &&
        [10_000, 100_000, 1_000_000].every((n) => sizes.includes(n)) &&
        ['sqlite', 'postgres'].every((d) => dialects.includes(d as BenchDialect))
      ? 'full'
      : 'partial',
  load_average: { before: Math.round(loadBefore * 10) / 10, after: Math.round(loadavg()[0] * 10) / 10 },
  server: serverNote,
  options: {
    argv: process.argv.slice(2),
    sizes,
    dialects,
    ...load,
    logLevel: flags['log-level'],
    only: flags.only ?? null,
  },
  ceilings,
  runs,
  targets: [],
  vendure: VENDURE,
};
results.targets = judgeTargets(results);
if (dialects.every((d) => d === 'mysql')) {
  // A MySQL-only run has its own section, below the main figures it does not replace.
  writeFileSync(join(repoRoot, 'bench/results-mysql.json'), JSON.stringify(results, null, 2) + '\n');
  writeModuleSection(
    join(repoRoot, 'bench/RESULTS.md'),
    'mysql',
    `<!-- bench:mysql:start (written by npm run bench -- --db mysql) -->\n${renderMain(results)
      .replace(/^# Benchmark results/, '# MySQL/MariaDB')
      .replace(/^#/gm, '##')}\n<!-- bench:mysql:end -->`,
  );
  log('wrote the MySQL section of bench/RESULTS.md and bench/results-mysql.json');
} else {
  writeResults(join(repoRoot, 'bench/RESULTS.md'), join(repoRoot, 'bench/results.json'), results);
  log('wrote bench/RESULTS.md and bench/results.json');
}
