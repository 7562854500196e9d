// `TSX_TSCONFIG_PATH=tsconfig.tests.json node --import tsx bench/jobs.ts [--db sqlite,postgres] [--jobs 2000] [--events 1000] [--rows 2000] [--redis URL]`:
// job throughput (one runner, and two runners on PostgreSQL and on BullMQ), event delivery through the outbox,
// and CSV import rows/s; the job and event figures again on BullMQ when Redis answers at --redis
// (BENCH_REDIS_URL, default redis://127.0.0.1:6379). Writes the "Jobs and import" section of RESULTS.md.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createDefaultEngine, importProducts } from '@emporia/adapters';
import { systemContext, type Config, type Engine } from '@emporia/core';
import { freshDatabase, postgresAvailable, type BenchDialect } from './lib/databases.js';
import { writeModuleSection } from './lib/report.js';
import { dropPrefix, redisAvailable } from './lib/redis.js';
import { positiveInt, postgresUrlFlag, redisUrlFlag } from './lib/flags.js';

const { values: flags } = parseArgs({
  options: {
    ...postgresUrlFlag,
    ...redisUrlFlag,
    db: { type: 'string', default: 'sqlite,postgres' },
    jobs: { type: 'string', default: '2000' },
    events: { type: 'string', default: '1000' },
    rows: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '8' },
  },
});
const JOBS = positiveInt('jobs', flags.jobs);
const EVENTS = positiveInt('events', flags.events);
const ROWS = positiveInt('rows', flags.rows);
const CONCURRENCY = positiveInt('concurrency', flags.concurrency);

interface Figure {
  what: string;
  db: string;
  count: number;
  seconds: number;
}

const quiet = { logLevel: 'silent' as const, worker: 'off' as const, mailDir: join(tmpdir(), 'emporia-bench-mail') };

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return (performance.now() - started) / 1000;
}

async function enqueueNoops(engine: Engine, n: number) {
  await engine.store.unitOfWork.run(systemContext(), async (tx) => {
    for (let i = 0; i < n; i++) await engine.jobs.enqueue(tx, 'bench.noop', { i });
  });
}

/** The job and event figures; with `redisUrl`, on BullMQ (its own key prefix), and no import figures. */
async function benchDatabase(dialect: BenchDialect, workDir: string, redisUrl?: string): Promise<Figure[]> {
  const db = await freshDatabase(dialect, 7, workDir, flags['postgres-url']);
  const figures: Figure[] = [];
  const prefix = `bench:${randomUUID()}:`;
  const config: Partial<Config> = redisUrl ? { ...quiet, redisUrl, redisPrefix: prefix } : quiet;
  const label = redisUrl ? `${dialect} + BullMQ` : dialect;
  const engine = await createDefaultEngine({ database: db.url, config });
  // A second runner where the queue is shared without contention on one file: PostgreSQL, or BullMQ (the
  // jobs live in Redis) on either database.
  const second =
    dialect === 'postgres' || redisUrl ? await createDefaultEngine({ database: db.url, config, migrate: false }) : null;
  try {
    let ran = 0;
    for (const e of [engine, second]) e?.jobs.handle('bench.noop', async () => void ran++);

    await enqueueNoops(engine, JOBS);
    const one = await timed(() => engine.jobs.createRunner({ concurrency: CONCURRENCY }).runUntilIdle());
    figures.push({ what: `no-op jobs, 1 runner × ${CONCURRENCY}`, db: label, count: JOBS, seconds: one });

    if (second) {
      await enqueueNoops(engine, JOBS);
      const two = await timed(() =>
        Promise.all([engine, second].map((e) => e.jobs.createRunner({ concurrency: CONCURRENCY }).runUntilIdle())),
      );
      figures.push({ what: `no-op jobs, 2 runners × ${CONCURRENCY}`, db: label, count: JOBS, seconds: two });
    }
    if (ran !== JOBS * (second ? 2 : 1)) throw new Error(`ran ${ran} jobs, expected ${JOBS * (second ? 2 : 1)}`);

    let delivered = 0;
    engine.events.on('order.status_changed', () => void delivered++);
    await engine.store.unitOfWork.run(systemContext(), async (tx) => {
      for (let i = 0; i < EVENTS; i++) {
        await engine.store.repositories.outbox.record(tx, 'order.status_changed', {
          order_id: `o-${i}`,
          number: `B-${i}`,
          user_id: null,
          from: 'pending',
          to: 'paid',
        });
      }
    });
    const events = await timed(() => engine.jobs.createRunner({ concurrency: CONCURRENCY }).runUntilIdle());
    if (delivered !== EVENTS) throw new Error(`delivered ${delivered} events, expected ${EVENTS}`);
    figures.push({ what: 'events: outbox → job → events.on handler', db: label, count: EVENTS, seconds: events });
    if (redisUrl) return figures;

    const csv = ['sku,name,price,stock,status'];
    for (let i = 1; i <= ROWS; i++) csv.push(`BENCH-${i},Bench item ${i},${100 + i},${i % 40},published`);
    const ctx = systemContext();
    const created = await timed(() => importProducts(engine, csv.join('\n'), { ctx, progress: async () => {} }));
    figures.push({ what: 'CSV import, new products', db: dialect, count: ROWS, seconds: created });
    const updates = ['sku,price,stock'];
    for (let i = 1; i <= ROWS; i++) updates.push(`BENCH-${i},${200 + i},${(i % 40) + 1}`);
    const updated = await timed(() => importProducts(engine, updates.join('\n'), { ctx, progress: async () => {} }));
    figures.push({ what: 'CSV import, price + stock updates', db: dialect, count: ROWS, seconds: updated });
  } finally {
    await second?.close();
    await engine.close();
    await db.drop();
    if (redisUrl) await dropPrefix(redisUrl, prefix);
  }
  return figures;
}

function render(figures: Figure[], startLoad: number): string {
  const rows = figures.map(
    (f) =>
      `| ${f.what} | ${f.db} | ${f.count.toLocaleString('en-US')} | ${f.seconds.toFixed(2)} | ${Math.round(f.count / f.seconds).toLocaleString('en-US')} |`,
  );
  return [
    '<!-- bench:jobs:start (written by node --import tsx bench/jobs.ts) -->',
    '## Jobs and import',
    '',
    `${new Date().toISOString()} · Node ${process.version} · ${cpus().length} cores (${cpus()[0]?.model.trim()}) · ` +
      `load average ${startLoad.toFixed(1)} at start (other work on the machine inflates every figure) · sources via tsx. ` +
      'Jobs are claimed with one UPDATE … RETURNING per batch (FOR UPDATE SKIP LOCKED on PostgreSQL; on SQLite after a ' +
      'SELECT of the due ids, so an idle poll only reads) and finished with one UPDATE each; events add the outbox ' +
      'dispatch (one transaction per 100 events, one job per event for the one events.on handler). Import rows go through ' +
      'the catalog service (product, variant, search index, stock movement), 100 rows per transaction, a savepoint each. ' +
      '"+ BullMQ" rows: REDIS_URL set, jobs on BullMQ (Redis 7 on the same machine), the outbox relayed into it; the ' +
      'no-op jobs are queued before the clock starts, one BullMQ worker per job type at the same concurrency.',
    '',
    '| what | db | count | seconds | per s |',
    '|---|---|---:|---:|---:|',
    ...rows,
    '',
    'Reproduce: `TSX_TSCONFIG_PATH=tsconfig.tests.json node --import tsx bench/jobs.ts` (PostgreSQL at BENCH_POSTGRES_URL when it answers).',
    '<!-- bench:jobs:end -->',
  ].join('\n');
}

const startLoad = loadavg()[0];
const workDir = mkdtempSync(join(tmpdir(), 'emporia-bench-jobs-'));
try {
  const figures: Figure[] = [];
  for (const dialect of flags.db.split(',') as BenchDialect[]) {
    if (dialect === 'postgres' && !(await postgresAvailable(flags['postgres-url']))) {
      console.warn('PostgreSQL does not answer; skipped');
      continue;
    }
    figures.push(...(await benchDatabase(dialect, workDir)));
    if (await redisAvailable(flags.redis)) figures.push(...(await benchDatabase(dialect, workDir, flags.redis)));
    else console.warn(`Redis does not answer at ${flags.redis}; BullMQ skipped`);
  }
  const section = render(figures, startLoad);
  console.log(section);
  writeModuleSection(join(import.meta.dirname, 'RESULTS.md'), 'jobs', section);
} finally {
  rmSync(workDir, { recursive: true, force: true });
}
