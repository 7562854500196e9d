/* global fetch, setTimeout, performance */
// Server CPU per request of several builds of `emporia serve` and of the Express ceiling, under the
// same machine load: each round sends the same burst (32 connections) to each server in turn and
// adds up each process's utime + stime (/proc/<pid>/stat), so a shared, noisy machine slows all of
// them alike. The share of the ceiling is the ceiling's CPU per request over the server's.
// Usage (from the repository root, on an existing catalog; scenario: health, list, deep, detail,
// search — a ranked page of the word the bench's `search` scenario picks, or SEARCH_Q —, search-sort
// — the same word with `in_stock=true&sort=price`):
//   node bench/cpu-ab.mjs <database-url> <scenario> <rounds> <burst> <name>=<path to emporia.mjs>[=<database-url>]...
// e.g. a copy of packages/cli/dist from the commit before (`before=…/emporia.mjs after=packages/cli/dist/emporia.mjs`).
// CPU_PROF_DIR=<dir> runs each server under `node --cpu-prof` (one profile per server, written when it
// stops; summarise with bench/lib/profile-summary.ts). Also reported per server: req/s during the
// bursts (indicative: load-dependent) and, after them, a single caller's p50 (SINGLE_CALLS requests,
// default 100, the servers in turn).
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import autocannon from 'autocannon';
const [url, scenario, roundsArg, burstArg, ...servers] = process.argv.slice(2);
const env = {
  ...process.env,
  DATABASE_URL: url,
  LOG_LEVEL: 'warn',
  CATALOG_CACHE: 'off',
  EMPORIA_ENV: 'production',
  ALLOWED_HOSTS: '127.0.0.1,localhost',
  JWT_SECRET: 'bench-jwt-secret-0123456789abcdef0123456789abcdef',
  PAYMENT_WEBHOOK_SECRET: 'bench-webhook-secret-0123456789abcdef0123456789',
};
const ticks = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(f[11]) + Number(f[12]);
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function ready(base, path) {
  for (let i = 0; i < 600; i++) {
    try {
      const r = await fetch(base + path);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error('not ready ' + base);
}
const procs = [];
const bodyFile = 'bench/.work/cpu-ab-body.json';
let port = 4300 + Math.floor(Math.random() * 500);
const targets = [];
// PostgreSQL: the backends serving a server's database (its own copy: `name=bundle=database-url`)
// are counted too, as `db_cpu_ms_per_req`: most of a search's work is there.
const admin = url.startsWith('postgres') ? new (await import('pg')).default.Client({ connectionString: url }) : null;
await admin?.connect();
const backends = async (dbUrl) => {
  if (!admin) return [];
  const { rows } = await admin.query(
    `select pid from pg_stat_activity where datname = $1 and backend_type = 'client backend' and pid <> pg_backend_pid()`,
    [new URL(dbUrl).pathname.slice(1)],
  );
  return rows.map((r) => r.pid);
};
const backendTicks = async (dbUrl) => {
  const out = new Map();
  for (const pid of await backends(dbUrl)) {
    try {
      out.set(pid, ticks(pid));
    } catch {
      // gone
    }
  }
  return out;
};
for (const s of servers) {
  const [name, bundle, ...own] = s.split('=');
  const dbUrl = own.join('=') || url;
  const p = port++;
  const prof = process.env.CPU_PROF_DIR
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.CPU_PROF_DIR}`, `--cpu-prof-name=${name}.cpuprofile`]
    : [];
  const child = spawn(process.execPath, [...prof, bundle, 'serve', '--port', String(p)], {
    env: { ...env, DATABASE_URL: dbUrl },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  procs.push(child);
  targets.push({ name, base: `http://127.0.0.1:${p}`, pid: child.pid, cpu: 0, dbCpu: 0, n: 0, dbUrl });
}
try {
  for (const t of targets) await ready(t.base, '/ready');
  const base = targets[0].base;
  const first = await (await fetch(`${base}/api/products?page_size=100`)).json();
  const category = first.results.find((p) => p.category_id)?.category_id;
  const cats = await (await fetch(`${base}/api/categories`)).json();
  const byId = new Map((cats.results ?? cats).map((c) => [c.id, c]));
  let best = category;
  for (let c = byId.get(category); c?.parent_id; c = byId.get(c.parent_id)) {
    const n = (await (await fetch(`${base}/api/products?category=${c.parent_id}&page_size=1`)).json()).count;
    if (n <= first.count / 2) best = c.parent_id;
  }
  const listPath = `/api/products?category=${best}&sort=price`;
  const listText = await (await fetch(base + listPath)).text();
  const list = JSON.parse(listText);
  const deep = Math.max(1, Math.ceil(list.count / 20 / 2));
  mkdirSync('bench/.work', { recursive: true });
  writeFileSync(bodyFile, listText);
  const slugs = first.results.map((p) => `/api/products/${p.slug}`);
  // the ceiling, on the same body
  const cp = port++;
  const ceiling = spawn(process.execPath, ['--import', 'tsx', 'bench/ceilings/express.ts', bodyFile, String(cp)], {
    stdio: 'inherit',
  });
  procs.push(ceiling);
  const ceil = {
    name: 'express-ceiling',
    base: `http://127.0.0.1:${cp}`,
    pid: ceiling.pid,
    cpu: 0,
    n: 0,
    ceiling: true,
  };
  await ready(ceil.base, '/api/products');
  // The bench's search word (bench/lib/scenarios.ts `searchWord`): the longest of the newest names' words.
  const word =
    process.env.SEARCH_Q ??
    first.results
      .slice(0, 20)
      .flatMap((p) => p.name.split(/[^A-Za-z]+/))
      .filter((w) => w.length >= 4)
      .sort((a, b) => b.length - a.length)[0]
      ?.toLowerCase();
  const search = `/api/products?q=${encodeURIComponent(word ?? '')}`;
  const path = {
    health: '/health',
    list: listPath,
    deep: `${listPath}&page=${deep}`,
    detail: slugs[0],
    search,
    'search-sort': `${search}&in_stock=true&sort=price`,
  }[scenario];
  if (!path) throw new Error(`unknown scenario ${scenario}`);
  const paths = scenario === 'detail' ? slugs : null;
  const all = [...targets, ceil];
  const burst = Number(burstArg);
  const send = async (t, amount) => {
    let i = 0;
    const r = await autocannon({
      url: t.base,
      connections: 32,
      amount,
      pipelining: 1,
      requests: [
        {
          method: 'GET',
          path: t.ceiling ? '/api/products' : path,
          ...(paths && !t.ceiling ? { setupRequest: (req) => ({ ...req, path: paths[i++ % paths.length] }) } : {}),
        },
      ],
    });
    if (r.non2xx) throw new Error(`${t.name}: ${r.non2xx} non-2xx`);
    t.seconds = (t.seconds ?? 0) + r.duration;
    return r.requests.total;
  };
  for (const t of all) await send(t, burst * 2); // warm-up
  for (let round = 0; round < Number(roundsArg); round++) {
    for (const t of round % 2 ? [...all].reverse() : all) {
      const t0 = ticks(t.pid);
      const db0 = t.ceiling ? new Map() : await backendTicks(t.dbUrl);
      t.n += await send(t, t.ceiling ? Math.round(burst * 2) : burst);
      t.cpu += (ticks(t.pid) - t0) * 10;
      if (!t.ceiling) for (const [pid, n] of await backendTicks(t.dbUrl)) t.dbCpu += (n - (db0.get(pid) ?? 0)) * 10;
    }
  }
  // One caller, the servers in turn: each request's wall time (p50), after the load.
  const single = Number(process.env.SINGLE_CALLS ?? 100);
  for (let i = 0; i < single; i++) {
    for (const t of i % 2 ? [...targets].reverse() : targets) {
      const started = performance.now();
      const res = await fetch(t.base + (paths ? paths[i % paths.length] : path));
      await res.arrayBuffer();
      (t.single ??= []).push(performance.now() - started);
    }
  }
  const c = ceil.cpu / ceil.n;
  const out = {
    scenario,
    path,
    load: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
    ceiling_ms: +c.toFixed(3),
  };
  for (const t of targets)
    out[t.name] = {
      cpu_ms_per_req: +(t.cpu / t.n).toFixed(3),
      share_of_ceiling: `${((100 * c) / (t.cpu / t.n)).toFixed(1)} %`,
      ...(admin ? { db_cpu_ms_per_req: +(t.dbCpu / t.n).toFixed(3) } : {}),
      requests: t.n,
      // indicative: the machine's load weighs on it
      req_per_s_32: Math.round(t.n / t.seconds),
      ...(t.single?.length
        ? { single_p50_ms: +[...t.single].sort((a, b) => a - b)[Math.floor(t.single.length / 2)].toFixed(2) }
        : {}),
    };
  console.log(JSON.stringify(out));
} finally {
  await admin?.end();
  for (const p of procs) p.kill();
  // a profiled server writes its profile as it exits
  if (process.env.CPU_PROF_DIR)
    await Promise.all(
      procs.map((p) => new Promise((r) => (p.exitCode !== null || p.signalCode !== null ? r() : p.once('exit', r)))),
    );
}
