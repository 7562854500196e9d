/* global fetch, setTimeout */
// Server CPU per request of several builds of `emporia serve` and of the Express ceiling, under the
// same machine load: each round sends the same burst (32 connections) to each server in turn and
// adds up each process's utime + stime (/proc/<pid>/stat), so a shared, noisy machine slows all of
// them alike. The share of the ceiling is the ceiling's CPU per request over the server's.
// Usage (from the repository root, on an existing catalog; scenario: health, list, deep, detail, or a
// path of its own such as '/api/products?q=linen&in_stock=true&sort=price'):
//   node bench/cpu-ab.mjs <database-url> <scenario> <rounds> <burst> <name>=<path to emporia.mjs>...
// e.g. a copy of packages/cli/dist from the commit before (`before=…/emporia.mjs after=packages/cli/dist/emporia.mjs`;
// `before='…/emporia.mjs|sqlite:copy.db'` gives one build its own copy of the catalog).
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
for (const s of servers) {
  // `name=bundle` serves the shared catalog; `name=bundle|database-url` a copy of its own (a build
  // that does not know a newer migration refuses a catalog migrated past it).
  const [name, spec] = s.split(/=(.*)/s);
  const [bundle, database] = spec.split('|');
  const p = port++;
  const child = spawn(process.execPath, [bundle, 'serve', '--port', String(p)], {
    env: database ? { ...env, DATABASE_URL: database } : env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  procs.push(child);
  targets.push({ name, base: `http://127.0.0.1:${p}`, pid: child.pid, cpu: 0, n: 0 });
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
  const path = scenario.startsWith('/')
    ? scenario
    : { health: '/health', list: listPath, deep: `${listPath}&page=${deep}`, detail: slugs[0] }[scenario];
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
    return r.requests.total;
  };
  for (const t of all) await send(t, burst * 2); // warm-up
  for (let round = 0; round < Number(roundsArg); round++) {
    for (const t of round % 2 ? [...all].reverse() : all) {
      const t0 = ticks(t.pid);
      t.n += await send(t, t.ceiling ? Math.round(burst * 2) : burst);
      t.cpu += (ticks(t.pid) - t0) * 10;
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
      requests: t.n,
    };
  console.log(JSON.stringify(out));
} finally {
  for (const p of procs) p.kill();
}
