// `node --import tsx bench/identity.ts [--db sqlite,postgres] [--logins 200] [--concurrency 8]`:
// what authentication costs. Argon2id hashing, login latency (p50/p99) and logins/s over HTTP,
// and the per-request cost of an authenticated GET. Writes the "Identity" section of RESULTS.md.
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Argon2PasswordHasher, createDefaultEngine } from '@emporia/adapters';
import { anonymousContext, systemContext } from '@emporia/core';
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
    logins: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '8' },
  },
});
const LOGINS = Number(flags.logins);
const CONCURRENCY = Number(flags.concurrency);
const PASSWORD = 'a benchmark passphrase';

interface Figure {
  what: string;
  db: string;
  count: number;
  perSecond: number;
  p50: number;
  p99: number;
}

/** `total` calls of `op` spread over `workers` closed-loop clients. */
async function run(total: number, workers: number, op: (i: number) => Promise<void>) {
  const { seconds, p50, p99 } = await closedLoop(total, workers, op);
  return { perSecond: total / seconds, p50, p99 };
}

async function benchHashing(): Promise<Figure[]> {
  const hasher = new Argon2PasswordHasher();
  const hash = await hasher.hash(PASSWORD);
  const h = await run(30, 1, async () => void (await hasher.hash(PASSWORD)));
  const v = await run(30, 1, async () => void (await hasher.verify(hash, PASSWORD)));
  return [
    { what: 'Argon2id hash (m=19 MiB, t=2, p=1)', db: '—', count: 30, ...h },
    { what: 'Argon2id verify', db: '—', count: 30, ...v },
  ];
}

async function benchDatabase(dialect: BenchDialect, workDir: string): Promise<Figure[]> {
  const db = await freshDatabase(dialect, 0, workDir, flags['postgres-url']);
  const engine = await createDefaultEngine({
    database: db.url,
    config: { logLevel: 'silent', jwtSecret: 'bench-secret-long-enough-for-hs256-signing' },
  });
  const server = createApp(engine, { logger: pino({ level: 'silent' }) }).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const emails = Array.from({ length: CONCURRENCY * 2 }, (_, i) => `bench-${i}@example.test`);
    for (const email of emails) {
      await engine.identity.createUser(systemContext(), { email, password: PASSWORD });
    }
    let access = '';
    const login = async (i: number) => {
      const res = await fetch(`${base}/api/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: emails[i % emails.length], password: PASSWORD }),
      });
      if (res.status !== 200) throw new Error(`login answered ${res.status}`);
      access = ((await res.json()) as { access: string }).access;
    };
    const serial = await run(Math.min(LOGINS, 100), 1, login);
    const parallel = await run(LOGINS, CONCURRENCY, login);
    const me = await run(LOGINS * 5, CONCURRENCY, async () => {
      const res = await fetch(`${base}/api/users/me`, { headers: { authorization: `Bearer ${access}` } });
      if (res.status !== 200) throw new Error(`/me answered ${res.status}`);
      await res.arrayBuffer();
    });
    // The same check without HTTP: JWT verification plus the one joined SELECT.
    const library = await run(
      LOGINS * 5,
      1,
      async () => void (await engine.identity.authenticate(anonymousContext(), access)),
    );
    return [
      { what: 'identity.authenticate(token), library, 1 caller', db: dialect, count: LOGINS * 5, ...library },
      { what: 'POST /api/auth/token, 1 client', db: dialect, count: Math.min(LOGINS, 100), ...serial },
      { what: `POST /api/auth/token, ${CONCURRENCY} clients`, db: dialect, count: LOGINS, ...parallel },
      { what: `GET /api/users/me (bearer), ${CONCURRENCY} clients`, db: dialect, count: LOGINS * 5, ...me },
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
    (f) => `| ${f.what} | ${f.db} | ${f.count} | ${fmt(f.perSecond)} | ${fmt(f.p50)} | ${fmt(f.p99)} |`,
  );
  return [
    '<!-- bench:identity:start (written by node --import tsx bench/identity.ts) -->',
    '## Identity',
    '',
    `${new Date().toISOString()} · Node ${process.version} · ${cpus().length} cores (${cpus()[0]?.model.trim()}) · ` +
      `load average ${startLoad.toFixed(1)} at start (other work on the machine inflates every figure) · ` +
      'server and clients in one process (fetch, closed loop), sources via tsx, LOG_LEVEL=silent. ' +
      'Logins are CPU-bound on Argon2id (about 19 MiB and two passes per verification), so logins/s is ' +
      'roughly cores ÷ verify time; the bearer GET shows the per-request cost of verifying a JWT and ' +
      'loading the user with its role (one joined SELECT).',
    '',
    '| operation | db | count | per s | p50 ms | p99 ms |',
    '|---|---|---:|---:|---:|---:|',
    ...rows,
    '',
    'Reproduce: `node --import tsx bench/identity.ts` (PostgreSQL at BENCH_POSTGRES_URL when it answers).',
    '<!-- bench:identity:end -->',
  ].join('\n');
}

const startLoad = loadavg()[0];
const workDir = mkdtempSync(join(tmpdir(), 'emporia-bench-identity-'));
try {
  const figures = await benchHashing();
  for (const dialect of flags.db.split(',') as BenchDialect[]) {
    if (dialect === 'postgres' && !(await postgresAvailable(flags['postgres-url']))) {
      console.warn('PostgreSQL does not answer; skipped');
      continue;
    }
    figures.push(...(await benchDatabase(dialect, workDir)));
  }
  const section = render(figures);
  console.log(section);
  writeModuleSection(join(import.meta.dirname, 'RESULTS.md'), 'identity', section);
} finally {
  rmSync(workDir, { recursive: true, force: true });
}
