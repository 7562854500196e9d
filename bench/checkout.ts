// `TSX_TSCONFIG_PATH=tsconfig.tests.json node --import tsx bench/checkout.ts [--db sqlite,postgres] [--orders 2000]
// [--concurrency 32]` (the tsconfig maps @emporia/* to the sources; without it they resolve to dist):
// checkout throughput over HTTP (orders/s, p50/p99) at 32 concurrent customers, without contention
// (each order on a different variant) and with it (every order on the same variant), then checks
// that units sold equal the stock that went. Writes the "Checkout" section of RESULTS.md.
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createDefaultEngine } from '@emporia/adapters';
import { systemContext, type Engine, type InventoryService } from '@emporia/core';
import { createApp } from '@emporia/http';
import { pino } from 'pino';
import { closedLoop } from './lib/stats.js';
import { writeModuleSection } from './lib/report.js';
import { freshDatabase, postgresAvailable, type BenchDialect } from './lib/databases.js';
import { postgresUrlFlag } from './lib/flags.js';

const { values: flags } = parseArgs({
  options: {
    ...postgresUrlFlag,
    db: { type: 'string', default: 'sqlite,postgres' },
    orders: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '32' },
  },
});
const ORDERS = Number(flags.orders);
const CONCURRENCY = Number(flags.concurrency);
const PASSWORD = 'a benchmark passphrase';
const SPREAD_VARIANTS = 200;
// Distinct from the other benches' database names (freshDatabase names it after this number).
const DATABASE_TAG = 5005;

interface Figure {
  what: string;
  db: string;
  orders: number;
  refused: number;
  perSecond: number;
  p50: number;
  p99: number;
  /** CPU time of this process (server and clients) per order: load on the machine barely moves it. */
  cpuMs: number;
}

/** `total` checkouts over `workers` closed-loop clients; 201 counts as an order, 409 as refused. */
async function run(total: number, workers: number, op: (i: number) => Promise<number>) {
  let orders = 0;
  let refused = 0;
  const cpuBefore = process.cpuUsage();
  const { seconds, p50, p99 } = await closedLoop(total, workers, async (i) => {
    const status = await op(i);
    if (status === 201) orders++;
    else if (status === 409) refused++;
    else throw new Error(`checkout answered ${status}`);
  });
  const cpu = process.cpuUsage(cpuBefore);
  return { orders, refused, perSecond: orders / seconds, p50, p99, cpuMs: (cpu.user + cpu.system) / 1000 / total };
}

async function stock(engine: Engine, ids: string[]): Promise<number> {
  // The sale-time lookup is internal to the engine; the bench reads it from the same object.
  const variants = await (engine.inventory as unknown as InventoryService).getSaleVariants(systemContext(), ids);
  return variants.reduce((n, v) => n + v.stock, 0);
}

async function benchDatabase(dialect: BenchDialect, workDir: string): Promise<Figure[]> {
  const db = await freshDatabase(dialect, DATABASE_TAG, workDir, flags['postgres-url']);
  const engine = await createDefaultEngine({
    database: db.url,
    config: { logLevel: 'silent', jwtSecret: 'bench-secret-long-enough-for-hs256-signing', worker: 'off' },
  });
  const server = createApp(engine, { logger: pino({ level: 'silent' }) }).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const system = systemContext();
  try {
    const tokens: string[] = [];
    for (let i = 0; i < CONCURRENCY; i++) {
      const email = `checkout-${i}@example.test`;
      await engine.identity.createUser(system, { email, password: PASSWORD });
      tokens.push((await engine.identity.login(system, { email, password: PASSWORD })).access);
    }
    const variant = async (name: string, units: number) =>
      (await engine.catalog.createProduct(system, { name, status: 'published', price: 1000, stock: units })).variants[0]
        .id;
    const spread: string[] = [];
    for (let i = 0; i < SPREAD_VARIANTS; i++) spread.push(await variant(`Spread ${i}`, ORDERS));
    const hot = await variant('Hot', ORDERS * 2);

    const checkout = (worker: number, variantId: string) =>
      fetch(`${base}/api/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[worker % tokens.length]}` },
        body: JSON.stringify({ items: [{ variant_id: variantId, quantity: 1 }] }),
      }).then(async (res) => {
        await res.arrayBuffer();
        return res.status;
      });

    // Warm-up (JIT, pool connections), not measured.
    await run(Math.min(200, ORDERS), CONCURRENCY, (i) => checkout(i, spread[i % spread.length]));
    const spreadBefore = await stock(engine, spread);
    const free = await run(ORDERS, CONCURRENCY, (i) => checkout(i, spread[i % spread.length]));
    const hotBefore = await stock(engine, [hot]);
    const contended = await run(ORDERS, CONCURRENCY, (i) => checkout(i, hot));
    // The oversell check: every order took exactly its unit, and nothing else moved.
    const soldFree = spreadBefore - (await stock(engine, spread));
    const soldHot = hotBefore - (await stock(engine, [hot]));
    if (soldFree !== free.orders || soldHot !== contended.orders) {
      throw new Error(`stock moved ${soldFree}/${soldHot} for ${free.orders}/${contended.orders} orders`);
    }
    return [
      { what: `no contention (${SPREAD_VARIANTS} variants in turn)`, db: dialect, ...free },
      { what: 'contention (every order on one variant)', db: dialect, ...contended },
    ];
  } finally {
    await new Promise((resolve) => server.close(resolve));
    await engine.close();
    await db.drop();
  }
}

function render(figures: Figure[]): string {
  const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1));
  const rows = figures.map(
    (f) =>
      `| ${f.what} | ${f.db} | ${f.orders} | ${f.refused} | ${fmt(f.perSecond)} | ${fmt(f.p50)} | ${fmt(f.p99)} | ${f.cpuMs.toFixed(1)} |`,
  );
  return [
    '<!-- bench:checkout:start (written by node --import tsx bench/checkout.ts) -->',
    '## Checkout',
    '',
    `${new Date().toISOString()} · Node ${process.version} · ${cpus().length} cores (${cpus()[0]?.model.trim()}) · ` +
      `${CONCURRENCY} customers in a closed loop (fetch) against the server in the same process, sources via tsx, ` +
      'LOG_LEVEL=silent. Each order is `POST /api/orders` with one line of one unit: one transaction with the ' +
      'conditional stock decrement, the stock movement, the order and its lines, and `order.placed` in the outbox. ' +
      'After each run the stock that went equals the units ordered (checked; the run fails otherwise). ' +
      `Load average at the end: ${loadavg()[0].toFixed(1)} (other work on the machine shows up in every figure ` +
      'but the last: CPU ms/order is the CPU time of this process — HTTP server, JSON, knex, SQLite itself ' +
      'and the fetch clients — per order; PostgreSQL’s own CPU is not in it).',
    '',
    '| checkout | db | orders | 409 | orders/s | p50 ms | p99 ms | CPU ms/order |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    'Reproduce: `TSX_TSCONFIG_PATH=tsconfig.tests.json node --import tsx bench/checkout.ts` (from the sources; ' +
      'PostgreSQL at BENCH_POSTGRES_URL when it answers).',
    '<!-- bench:checkout:end -->',
  ].join('\n');
}

const workDir = mkdtempSync(join(tmpdir(), 'emporia-bench-checkout-'));
try {
  const figures: Figure[] = [];
  for (const dialect of flags.db.split(',') as BenchDialect[]) {
    if (dialect === 'postgres' && !(await postgresAvailable(flags['postgres-url']))) {
      console.warn('PostgreSQL does not answer; skipped');
      continue;
    }
    figures.push(...(await benchDatabase(dialect, workDir)));
  }
  const section = render(figures);
  console.log(section);
  writeModuleSection(join(import.meta.dirname, 'RESULTS.md'), 'checkout', section);
} finally {
  rmSync(workDir, { recursive: true, force: true });
}
