// `TSX_TSCONFIG_PATH=tsconfig.tests.json node --import tsx bench/scale.ts [--only latency,processes] [--events 200] [--products 2000] [--duration 6]`:
// the scale-out figures of issue 18 that bench/jobs.ts does not give (jobs/s on BullMQ are there).
// 1. Commit-to-client event latency: an SSE client on an `emporia serve` process receives the
//    `order.placed` of an order committed by another process (this one), woken by the process's one
//    subscription: a shared poller on SQLite, LISTEN/NOTIFY on PostgreSQL, Redis pub/sub with REDIS_URL.
// 2. `serve --processes 2` against one process on PostgreSQL: list and checkout req/s.
// Writes the "Scale-out" section of RESULTS.md.
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createDefaultEngine } from '@emporia/adapters';
import { anonymousContext, systemContext, userContext, type Config } from '@emporia/core';
import { openSse } from '../test/support/realtime.js';
import { freshDatabase, postgresAvailable, type BenchDialect } from './lib/databases.js';
import {
  BENCH_PRODUCTION,
  distIsFresh,
  emporiaCommand,
  modeEnv,
  repoRoot,
  runEmporia,
  type ServerMode,
} from './lib/emporia.js';
import { positiveInt, postgresUrlFlag, redisUrlFlag } from './lib/flags.js';
import { measure, settle, type LoadOptions } from './lib/load.js';
import { freePort, startServer } from './lib/processes.js';
import { dropPrefix, redisAvailable } from './lib/redis.js';
import { writeModuleSection } from './lib/report.js';
import { Api, buildScenarios, discoverFixtures, operations } from './lib/scenarios.js';
import { percentile } from './lib/stats.js';

const { values: flags } = parseArgs({
  options: {
    ...postgresUrlFlag,
    ...redisUrlFlag,
    only: { type: 'string', default: 'latency,processes' },
    events: { type: 'string', default: '200' },
    products: { type: 'string', default: '2000' },
    duration: { type: 'string', default: '6' },
    connections: { type: 'string', default: '32' },
    rounds: { type: 'string', default: '2' },
    from: { type: 'string' },
  },
});
const only = new Set(flags.only.split(','));
const EVENTS = positiveInt('events', flags.events);
const PRODUCTS = positiveInt('products', flags.products);
const ROUNDS = positiveInt('rounds', flags.rounds);
const load: LoadOptions = {
  connections: positiveInt('connections', flags.connections),
  duration: positiveInt('duration', flags.duration),
  warmup: 1.5,
  useWrk: false,
};
const WARMUP_EVENTS = 5;
/** Pause between two measured orders, so each event travels alone. */
const GAP_MS = 10;
/** The shared poller's interval: with it, the pause is drawn at random so orders do not fall in step with its reads. */
const POLL_MS = 500;
const PASSWORD = 'a benchmark passphrase';
// Distinct from the other benches' database names (freshDatabase names it after this number).
const LATENCY_DB = 6006;
const PROCESSES_DB = 6007;

const mode: ServerMode = (flags.from as ServerMode | undefined) ?? (distIsFresh() ? 'dist' : 'src');
const workDir = join(repoRoot, 'bench/.work');
mkdirSync(workDir, { recursive: true });
const log = (s: string) => console.log(`[scale] ${s}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function serverEnv(url: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ...modeEnv(mode),
    ...BENCH_PRODUCTION,
    DATABASE_URL: url,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    MAIL_DIR: join(workDir, 'mail'),
    ACCESS_TOKEN_TTL: '1h',
    ...extra,
  };
}

interface LatencyFigure {
  signal: string;
  events: number;
  p50: number;
  p99: number;
  max: number;
}

/**
 * One `serve` process (WORKER=off: only the fan-out runs there) and, in this process, an engine on
 * the same database placing one order at a time as a customer whose SSE stream is open on the
 * server. Latency: from the writer's commit returning (placeOrder resolving) to the event's arrival.
 */
async function eventLatency(signal: string, dialect: BenchDialect, redisUrl?: string): Promise<LatencyFigure> {
  const db = await freshDatabase(dialect, LATENCY_DB, workDir, flags['postgres-url']);
  const prefix = `bench:${randomUUID()}:`;
  const redis: Partial<Config> = redisUrl ? { redisUrl, redisPrefix: prefix } : {};
  const engine = await createDefaultEngine({
    database: db.url,
    config: {
      logLevel: 'silent',
      worker: 'off',
      mailDir: join(workDir, 'mail'),
      jwtSecret: BENCH_PRODUCTION.JWT_SECRET,
      paymentWebhookSecret: BENCH_PRODUCTION.PAYMENT_WEBHOOK_SECRET,
      ...redis,
    },
  });
  const logFile = join(workDir, `scale-latency-${dialect}${redisUrl ? '-redis' : ''}.log`);
  writeFileSync(logFile, '');
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  let sse: ReturnType<typeof openSse> | undefined;
  try {
    const port = await freePort();
    const { command, args } = emporiaCommand(mode, ['serve', '--port', String(port), '--no-migrate']);
    const extra: Record<string, string> = {
      WORKER: 'off',
      ...(redisUrl ? { REDIS_URL: redisUrl, REDIS_PREFIX: prefix } : {}),
    };
    server = await startServer({
      command,
      args,
      env: serverEnv(db.url, extra),
      cwd: workDir,
      port,
      readyPath: '/ready',
      logFile,
    });

    const anon = anonymousContext();
    const email = `latency-${randomUUID()}@example.com`;
    await engine.identity.register(anon, { email, password: PASSWORD, name: 'Latency' });
    const { access } = await engine.identity.login(anon, { email, password: PASSWORD });
    const ctx = userContext(await engine.identity.authenticate(anon, access));
    const product = await engine.catalog.createProduct(systemContext(), {
      name: 'Latency Mug',
      price: 1000,
      stock: EVENTS + WARMUP_EVENTS + 10,
      status: 'published',
    });

    const arrived = new Map<string, number>();
    let waiting: { number: string; resolve: () => void } | null = null;
    sse = openSse(server.baseUrl, { token: access }, {}, (m) => {
      if (m.event !== 'order.placed') return;
      const number = String(m.data.number);
      arrived.set(number, performance.now());
      if (waiting?.number === number) waiting.resolve();
    });
    const res = await sse.ready;
    if (res.statusCode !== 200) throw new Error(`GET /api/events answered ${res.statusCode}`);

    const latencies: number[] = [];
    for (let i = 0; i < WARMUP_EVENTS + EVENTS; i++) {
      const { order } = await engine.orders.placeOrder(ctx, { items: [{ product_id: product.id, quantity: 1 }] });
      const committed = performance.now();
      if (!arrived.has(order.number)) {
        await Promise.race([
          new Promise<void>((resolve) => (waiting = { number: order.number, resolve })),
          sleep(30_000).then(() => {
            throw new Error(`order ${order.number} did not reach the stream within 30 s`);
          }),
        ]);
      }
      waiting = null;
      if (i >= WARMUP_EVENTS) latencies.push(arrived.get(order.number)! - committed);
      await sleep(GAP_MS + (dialect === 'sqlite' ? Math.random() * POLL_MS : 0));
    }
    latencies.sort((a, b) => a - b);
    const round = (n: number) => Math.round(n * 10) / 10;
    return {
      signal,
      events: latencies.length,
      p50: round(percentile(latencies, 50)),
      p99: round(percentile(latencies, 99)),
      max: round(latencies[latencies.length - 1]),
    };
  } finally {
    sse?.close();
    await server?.stop();
    await engine.close();
    await db.drop();
    if (redisUrl) await dropPrefix(redisUrl, prefix);
  }
}

interface ProcessFigure {
  round: number;
  processes: number;
  scenario: string;
  perSecond: number;
  unit: string;
  p50: number;
  p99: number;
  non2xx: number;
}

/**
 * One seeded PostgreSQL database; `serve` alone, then `serve --processes 2`, each under the same load,
 * `--rounds` times in turn (on a shared machine the rounds show how much of a difference is noise).
 */
async function processesOnPostgres(): Promise<ProcessFigure[]> {
  const db = await freshDatabase('postgres', PROCESSES_DB, workDir, flags['postgres-url']);
  const logFile = join(workDir, 'scale-processes.log');
  writeFileSync(logFile, '');
  const env = serverEnv(db.url);
  const figures: ProcessFigure[] = [];
  try {
    runEmporia(mode, ['migrate'], { env, cwd: workDir, logFile });
    const seedMs = runEmporia(mode, ['seed', '--products', String(PRODUCTS)], { env, cwd: workDir, logFile });
    log(`seeded ${PRODUCTS} products in ${(seedMs / 1000).toFixed(1)} s`);
    for (const [round, n] of Array.from({ length: ROUNDS }, (_, r) => [
      [r + 1, 1],
      [r + 1, 2],
    ]).flat()) {
      const port = await freePort();
      const extra = n > 1 ? ['--processes', String(n)] : [];
      const { command, args } = emporiaCommand(mode, ['serve', '--port', String(port), '--no-migrate', ...extra]);
      const server = await startServer({ command, args, env, cwd: workDir, port, readyPath: '/ready', logFile });
      try {
        const api = new Api(server.baseUrl);
        const ops = await operations(api);
        const fx = await discoverFixtures(api, ops, 10);
        const scenarios = await buildScenarios(api, ops, fx, load.connections, `scale-${n}-${Date.now()}`);
        for (const id of ['list_page1', 'checkout']) {
          const s = scenarios.find((x) => x.id === id);
          if (!s?.request) throw new Error(`${id}: ${s?.unavailable ?? 'no such scenario'}`);
          await settle(server.baseUrl);
          const r = await measure(server.baseUrl, s.request, load);
          const figure: ProcessFigure = {
            round,
            processes: n,
            scenario: s.label,
            perSecond: s.okRate ? r.ok_rps : r.rps,
            unit: s.okRate ? 'orders/s' : 'req/s',
            p50: r.p50_ms,
            p99: r.p99_ms,
            non2xx: r.non_2xx,
          };
          figures.push(figure);
          log(
            `  round ${round}, ${n} process(es), ${id}: ${figure.perSecond} ${figure.unit}, p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms`,
          );
        }
      } finally {
        await server.stop();
      }
    }
  } finally {
    await db.drop();
  }
  return figures;
}

function render(latency: LatencyFigure[], processes: ProcessFigure[], before: number, after: number): string {
  const out = [
    '<!-- bench:scale:start (written by node --import tsx bench/scale.ts) -->',
    '## Scale-out (issue 18)',
    '',
    `${new Date().toISOString()} · Node ${process.version} · ${cpus().length} cores (${cpus()[0]?.model.trim()}) · ` +
      `load average ${before.toFixed(1)} at start, ${after.toFixed(1)} at the end: the machine is shared with other ` +
      `work, which inflates every figure · server from ${mode === 'dist' ? 'dist' : 'the sources via tsx'}. ` +
      'Jobs/s on the database queue and on BullMQ, with 1 and 2 workers, are in "Jobs and import" (bench/jobs.ts).',
    '',
  ];
  if (latency.length) {
    out.push(
      '### Commit-to-client event latency (SSE)',
      '',
      `One \`emporia serve\` (WORKER=off) holds a customer's \`GET /api/events\`; another process on the same ` +
        `database (the bench) places that customer's orders one at a time, ${GAP_MS} ms apart (plus 0–${POLL_MS} ms ` +
        `at random with the poller, so orders do not fall in step with its reads), after ${WARMUP_EVENTS} unmeasured ` +
        "ones. Latency runs from the writer's commit returning (`placeOrder` resolving) to the `order.placed` " +
        'message arriving at the client: the signal, one outbox read on the server, the write to the stream.',
      '',
      '| wake-up | events | p50 ms | p99 ms | max ms |',
      '|---|---:|---:|---:|---:|',
      ...latency.map((f) => `| ${f.signal} | ${f.events} | ${f.p50} | ${f.p99} | ${f.max} |`),
      '',
    );
  }
  if (processes.length) {
    out.push(
      '### `serve --processes 2` against one process, PostgreSQL',
      '',
      `${PRODUCTS.toLocaleString('en-US')} seeded products, ${load.connections} connections, ${load.duration} s per ` +
        `figure after ${load.warmup} s of warm-up, autocannon in the bench process (which shares the 2 cores with the ` +
        "servers); the inline job runner sends the checkouts' e-mails (one for the group with `--processes`). " +
        `${ROUNDS} round(s), one process then two in each, on the same database.`,
      '',
      '| round | processes | scenario | per s | p50 ms | p99 ms | non-2xx |',
      '|---:|---:|---|---:|---:|---:|---:|',
      ...processes.map(
        (f) =>
          `| ${f.round} | ${f.processes} | ${f.scenario} | ${f.perSecond} ${f.unit} | ${f.p50} | ${f.p99} | ${f.non2xx} |`,
      ),
      '',
    );
  }
  out.push(
    'Reproduce: `TSX_TSCONFIG_PATH=tsconfig.tests.json node --import tsx bench/scale.ts` (PostgreSQL at ' +
      'BENCH_POSTGRES_URL, Redis at BENCH_REDIS_URL).',
    '<!-- bench:scale:end -->',
  );
  return out.join('\n');
}

const before = loadavg()[0];
const hasPostgres = await postgresAvailable(flags['postgres-url']);
const hasRedis = await redisAvailable(flags.redis);
const latency: LatencyFigure[] = [];
const processes: ProcessFigure[] = [];
if (only.has('latency')) {
  latency.push(await eventLatency(`SQLite, one shared poller (${POLL_MS} ms)`, 'sqlite'));
  log(`latency ${JSON.stringify(latency.at(-1))}`);
  if (hasPostgres) {
    latency.push(await eventLatency('PostgreSQL LISTEN/NOTIFY', 'postgres'));
    log(`latency ${JSON.stringify(latency.at(-1))}`);
    if (hasRedis) {
      latency.push(await eventLatency('PostgreSQL + Redis pub/sub (REDIS_URL)', 'postgres', flags.redis));
      log(`latency ${JSON.stringify(latency.at(-1))}`);
    } else log(`Redis does not answer at ${flags.redis}: its row is skipped`);
  } else log('PostgreSQL does not answer: its rows are skipped');
}
if (only.has('processes')) {
  if (hasPostgres) processes.push(...(await processesOnPostgres()));
  else log('PostgreSQL does not answer: --processes skipped');
}
const section = render(latency, processes, before, loadavg()[0]);
console.log(section);
writeModuleSection(join(repoRoot, 'bench/RESULTS.md'), 'scale', section);
