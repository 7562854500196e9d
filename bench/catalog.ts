// `node --import tsx bench/catalog.ts [--db sqlite,postgres] [--products 100000] [--requests 400]
// [--concurrency 8] [--reseed] [--cache memory,redis]`: the catalog list with category filter + price sort
// at scale, beside a bare Express app answering the same body (the ceiling), plus deep keyset pages and
// full-text search, with the catalog cache off. Seeded databases are kept in bench/.work/catalog-<n> and
// emporia_catalog_bench_<n> for the next run. Writes the "Catalog" section of RESULTS.md; with `--cache`
// it measures instead list page 1 and product-by-slug with each named cache beside the cache off and the
// Express ceilings of both bodies, into the "Catalog cache" section.
import { mkdirSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createDefaultEngine } from '@emporia/adapters';
import { anonymousContext, systemContext, type Engine } from '@emporia/core';
import { createApp } from '@emporia/http';
import express from 'express';
import pg from 'pg';
import { pino } from 'pino';
import { closedLoop } from './lib/stats.js';
import { writeModuleSection } from './lib/report.js';
import { postgresUrlFlag, redisUrlFlag } from './lib/flags.js';

const { values: flags } = parseArgs({
  options: {
    ...postgresUrlFlag,
    db: { type: 'string', default: 'sqlite,postgres' },
    products: { type: 'string', default: '100000' },
    requests: { type: 'string', default: '400' },
    concurrency: { type: 'string', default: '8' },
    reseed: { type: 'boolean', default: false },
    ...redisUrlFlag,
    cache: { type: 'string' },
  },
});
const PRODUCTS = Number(flags.products);
const REQUESTS = Number(flags.requests);
const CONCURRENCY = Number(flags.concurrency);

interface Figure {
  what: string;
  db: string;
  perSecond: number;
  p50: number;
  p99: number;
  bytes: number;
}

/** `total` GETs of `url(i)` over `workers` closed-loop clients, after a warm-up. */
async function load(base: string, url: (i: number) => string, total = REQUESTS, workers = CONCURRENCY) {
  let bytes = 0;
  const get = async (i: number) => {
    const res = await fetch(base + url(i));
    const body = await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${url(i)} answered ${res.status}: ${Buffer.from(body).toString()}`);
    bytes = body.byteLength;
  };
  for (let i = 0; i < 20; i++) await get(i);
  const { seconds, p50, p99 } = await closedLoop(total, workers, get);
  return { perSecond: total / seconds, p50, p99, bytes };
}

async function listen(app: express.Express): Promise<{ server: Server; base: string }> {
  const server = app.listen(0, '127.0.0.1');
  // Longer than any pause between figures, so fetch never reuses a socket the server just closed.
  server.keepAliveTimeout = 120_000;
  await new Promise((resolve) => server.once('listening', resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function databaseUrl(dialect: string): Promise<string> {
  if (dialect === 'sqlite') {
    const dir = join(import.meta.dirname, '.work', `catalog-${PRODUCTS}`);
    mkdirSync(dir, { recursive: true });
    return `sqlite:${join(dir, 'emporia.db')}`;
  }
  const name = `emporia_catalog_bench_${PRODUCTS}`;
  const admin = new pg.Client({ connectionString: flags['postgres-url'] });
  await admin.connect();
  try {
    const exists = await admin.query('select 1 from pg_database where datname = $1', [name]);
    if (flags.reseed && exists.rowCount) await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
    if (flags.reseed || !exists.rowCount) await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(flags['postgres-url']);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Seeds the catalog unless a previous run left one of the right size; returns the seed time or null. */
async function ensureSeeded(engine: Engine): Promise<number | null> {
  const all = await engine.catalog.listProducts(systemContext(), { page_size: 1 });
  const count = all.kind === 'page' ? all.count : 0;
  if (count === PRODUCTS) return null;
  if (count !== 0) throw new Error(`the bench database holds ${count} products, not ${PRODUCTS}: run with --reseed`);
  const started = performance.now();
  await engine.catalog.seed(systemContext(), {
    products: PRODUCTS,
    seed: 8,
    onProgress: (done) => process.stderr.write(`\rseeding ${done}/${PRODUCTS}`),
  });
  process.stderr.write('\n');
  return performance.now() - started;
}

async function benchDatabase(dialect: string): Promise<{ figures: Figure[]; seedMs: number | null }> {
  const url = await databaseUrl(dialect);
  if (dialect === 'sqlite' && flags.reseed) {
    for (const suffix of ['', '-wal', '-shm']) rmSync(url.slice('sqlite:'.length) + suffix, { force: true });
  }
  const engine = await createDefaultEngine({ database: url, config: { logLevel: 'silent', catalogCache: 'off' } });
  const { server, base } = await listen(createApp(engine, { logger: pino({ level: 'silent' }) }));
  try {
    const seedMs = await ensureSeeded(engine);
    // A top-level category: the filter takes it and its sub-categories (about 1/8 of the catalog).
    const tree = await engine.catalog.categoryTree(anonymousContext());
    const category = tree[0].slug;
    const list = `/api/products?category=${category}&sort=price`;
    // The word to search for: the first word of a product name, as a shopper would type it.
    const sample = await engine.catalog.listProducts(anonymousContext(), { page_size: 1 });
    const word = sample.results[0].name.split(' ')[0].toLowerCase();

    // A deep cursor: follow next_cursor 200 pages down (row 4,000 of the filtered list).
    let cursor = '';
    for (let i = 0; i < 200; i++) {
      const page = await engine.catalog.listProducts(anonymousContext(), {
        category,
        sort: 'price',
        limit: 20,
        ...(cursor ? { cursor } : {}),
      });
      if (page.kind !== 'keyset' || !page.next_cursor) break;
      cursor = page.next_cursor;
    }

    const listFigure = await load(base, () => list);
    // The ceiling: bare Express answering the same body with res.json(object), same clients.
    const body = await (await fetch(base + list)).json();
    const ceilingApp = express();
    ceilingApp.get('/', (_req, res) => void res.json(body));
    const ceiling = await listen(ceilingApp);
    const ceilingFigure = await load(ceiling.base, () => '/');
    await new Promise((resolve) => ceiling.server.close(resolve));

    const figures: Figure[] = [
      { what: 'bare Express 5, res.json(same body) — ceiling', db: dialect, ...ceilingFigure },
      { what: 'list, category + price sort, page 1 (with count)', db: dialect, ...listFigure },
      {
        what: 'list, category + price sort, page 50 (offset 980)',
        db: dialect,
        ...(await load(base, () => `${list}&page=50`)),
      },
      {
        what: 'list, category + price sort, cursor mode, first page',
        db: dialect,
        ...(await load(base, () => `${list}&limit=20`)),
      },
      {
        what: 'list, category + price sort, cursor 200 pages deep',
        db: dialect,
        ...(await load(base, () => `${list}&limit=20&cursor=${cursor}`)),
      },
      {
        what: `full-text search (q=${word}), ranked`,
        db: dialect,
        ...(await load(base, () => `/api/products?q=${word}`)),
      },
      {
        what: `full-text search (q=${word}) + category + price sort`,
        db: dialect,
        ...(await load(base, () => `${list}&q=${word}`)),
      },
    ];
    return { figures, seedMs };
  } finally {
    await new Promise((resolve) => server.close(resolve));
    await engine.close();
  }
}

function render(runs: Array<{ figures: Figure[]; seedMs: number | null; db: string }>): string {
  const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1));
  const rows: string[] = [];
  for (const run of runs) {
    const ceiling = run.figures[0].perSecond;
    for (const f of run.figures) {
      const share = f === run.figures[0] ? '100 %' : `${((f.perSecond / ceiling) * 100).toFixed(0)} %`;
      rows.push(
        `| ${f.what} | ${f.db} | ${fmt(f.perSecond)} | ${fmt(f.p50)} | ${fmt(f.p99)} | ${share} | ${f.bytes.toLocaleString('en-US')} |`,
      );
    }
  }
  const seeds = runs
    .map((r) => `${r.db}: ${r.seedMs === null ? 'reused from a previous run' : `${(r.seedMs / 1000).toFixed(1)} s`}`)
    .join(', ');
  return [
    '<!-- bench:catalog:start (written by node --import tsx bench/catalog.ts) -->',
    '## Catalog',
    '',
    `${new Date().toISOString()} · Node ${process.version} · ${cpus().length} cores (${cpus()[0]?.model.trim()}) · ` +
      `${PRODUCTS.toLocaleString('en-US')} products from \`emporia seed\` (seed time ${seeds}) · ` +
      `${REQUESTS} requests per figure from ${CONCURRENCY} closed-loop clients after 20 warm-up requests; ` +
      'server and clients in one process (fetch), sources via tsx, LOG_LEVEL=silent, anonymous caller. ' +
      'Page size 20 with the variants of each product. The ceiling is a bare Express 5 app sending the same ' +
      'list body with `res.json` under the same load; “share” is req/s as a share of it.',
    '',
    '| operation | db | req/s | p50 ms | p99 ms | share of Express | body bytes |',
    '|---|---|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    'Reproduce: `node --import tsx bench/catalog.ts` (`--reseed` to seed again; PostgreSQL at BENCH_POSTGRES_URL).',
    '<!-- bench:catalog:end -->',
  ].join('\n');
}

/** A bare Express app answering `body` with res.json, under the same load: the ceiling of an answer that size. */
async function ceilingOf(body: unknown): Promise<Awaited<ReturnType<typeof load>>> {
  const app = express();
  app.get('/', (_req, res) => void res.json(body));
  const ceiling = await listen(app);
  try {
    return await load(ceiling.base, () => '/');
  } finally {
    await new Promise((resolve) => ceiling.server.close(resolve));
  }
}

interface CacheFigure extends Figure {
  /** The Express ceiling of the same body, measured right before (the machine's load drifts). */
  ceiling: number;
}

/**
 * List page 1 and product-by-slug with the cache off and each cache named; each figure right after
 * the Express ceiling of its body, so a share compares two moments of the same load.
 */
async function benchCache(
  dialect: string,
  caches: string[],
): Promise<{ figures: CacheFigure[]; seedMs: number | null }> {
  const url = await databaseUrl(dialect);
  const figures: CacheFigure[] = [];
  let seedMs: number | null = null;
  for (const kind of ['off', ...caches]) {
    const engine = await createDefaultEngine({
      database: url,
      config: {
        logLevel: 'silent',
        catalogCache: kind as 'off' | 'memory' | 'redis',
        ...(kind === 'redis' ? { redisUrl: flags.redis, redisPrefix: `emporia-bench-${process.pid}:` } : {}),
      },
    });
    const { server, base } = await listen(createApp(engine, { logger: pino({ level: 'silent' }) }));
    try {
      if (kind === 'off') seedMs = await ensureSeeded(engine);
      const tree = await engine.catalog.categoryTree(anonymousContext());
      const list = `/api/products?category=${tree[0].slug}&sort=price`;
      const sample = await engine.catalog.listProducts(anonymousContext(), { page_size: 1 });
      const product = `/api/products/${sample.results[0].slug}`;
      for (const [what, path] of [
        ['list, category + price sort, page 1', list],
        ['product by slug', product],
      ] as const) {
        const ceiling = await ceilingOf(await (await fetch(base + path)).json());
        figures.push({
          what: `${what} — cache ${kind}`,
          db: dialect,
          ceiling: ceiling.perSecond,
          ...(await load(base, () => path)),
        });
      }
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await engine.close();
    }
  }
  return { figures, seedMs };
}

function renderCache(runs: Array<{ figures: CacheFigure[]; db: string }>, load: string): string {
  const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1));
  const rows = runs.flatMap((run) =>
    run.figures.map(
      (f) =>
        `| ${f.what} | ${f.db} | ${fmt(f.perSecond)} | ${fmt(f.p50)} | ${fmt(f.p99)} | ${fmt(f.ceiling)} | ` +
        `${((f.perSecond / f.ceiling) * 100).toFixed(0)} % | ${f.bytes.toLocaleString('en-US')} |`,
    ),
  );
  return [
    '<!-- bench:catalog-cache:start (written by node --import tsx bench/catalog.ts --cache …) -->',
    '## Catalog cache',
    '',
    `${new Date().toISOString()} · Node ${process.version} · ${cpus().length} cores (${cpus()[0]?.model.trim()}) · ` +
      `load average at start ${load} (a shared machine: read the shares, not the absolute figures) · ` +
      `${PRODUCTS.toLocaleString('en-US')} products · ${REQUESTS} requests per figure from ${CONCURRENCY} closed-loop ` +
      'clients after 20 warm-up requests (one URL repeated, so a cached figure is all hits); server and clients in ' +
      'one process (fetch), anonymous caller. `memory`: the in-process LRU; `redis`: Redis 7 on the same machine ' +
      '(one GET per hit). Each figure follows the ceiling of its own body, measured just before it: a bare ' +
      'Express 5 app sending that body with `res.json` (which stringifies on every request; a hit sends the ' +
      'stored string, so it may pass the ceiling). “share” is req/s as a share of that ceiling.',
    '',
    '| operation | db | req/s | p50 ms | p99 ms | Express ceiling req/s | share | body bytes |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    'Reproduce: `node --import tsx bench/catalog.ts --cache memory,redis --products 10000` (Redis at BENCH_REDIS_URL).',
    '<!-- bench:catalog-cache:end -->',
  ].join('\n');
}

const caches = flags.cache ? flags.cache.split(',').filter((c) => c !== 'off') : null;
const loadAtStart = loadavg()
  .map((n) => n.toFixed(2))
  .join(' / ');
let section: string;
if (caches) {
  const runs: Array<{ figures: CacheFigure[]; db: string }> = [];
  for (const dialect of flags.db.split(',')) {
    console.error(`catalog cache bench: ${dialect}, ${PRODUCTS} products, caches ${caches.join(', ')}`);
    runs.push({ db: dialect, figures: (await benchCache(dialect, caches)).figures });
  }
  section = renderCache(runs, loadAtStart);
} else {
  const runs: Array<{ figures: Figure[]; seedMs: number | null; db: string }> = [];
  for (const dialect of flags.db.split(',')) {
    console.error(`catalog bench: ${dialect}, ${PRODUCTS} products`);
    runs.push({ db: dialect, ...(await benchDatabase(dialect)) });
  }
  section = render(runs);
}
writeModuleSection(join(import.meta.dirname, 'RESULTS.md'), caches ? 'catalog-cache' : 'catalog', section);
console.log(section);
