/* global fetch, setTimeout, performance */
// Server CPU per request of several builds of `emporia serve` and of the Express ceiling, under the
// same machine load: each round sends the same burst (32 connections) to each server in turn and
// adds up each process's utime + stime (/proc/<pid>/stat), so a shared, noisy machine slows all of
// them alike. The share of the ceiling is the ceiling's CPU per request over the server's.
// Usage (from the repository root, on an existing catalog; scenario: health, list, deep, detail,
// search — a ranked page of the word the bench's `search` scenario picks, or SEARCH_Q —, search-sort
// — the same word with `in_stock=true&sort=price` —, cart, checkout; cart and checkout write to the
// catalog: guest carts of up to five lines as the bench's add-to-cart, and orders of one unit of a
// different variant each, by 32 customers registered first), or a path of its own such as
// '/api/products?q=linen&in_stock=true&sort=price':
//   node bench/cpu-ab.mjs <database-url> <scenario> <rounds> <burst> <name>=<path to emporia.mjs>[,<database-url>]...
// e.g. a copy of packages/cli/dist from the commit before (`before=…/emporia.mjs after=packages/cli/dist/emporia.mjs`).
// Also reported per server: req/s during the bursts (indicative: load-dependent) and, after them, a
// single caller's p50 (SINGLE_CALLS requests, default 100, the servers in turn).
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
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
  // As the bench's server (bench/run.ts): every client shares one address, and the tokens outlive the run.
  GUEST_CARTS_PER_HOUR: '1000000',
  ACCESS_TOKEN_TTL: '1h',
  MAIL_DIR: process.env.MAIL_DIR ?? 'bench/.work/mail',
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
// Node flags for the servers, e.g. CPU_AB_NODE_FLAGS='--cpu-prof --cpu-prof-dir=bench/.work/prof' (NODE_OPTIONS
// refuses --cpu-prof); V8 writes each server's profile when it stops.
const nodeFlags = (process.env.CPU_AB_NODE_FLAGS ?? '').split(' ').filter(Boolean);
const bodyFile = 'bench/.work/cpu-ab-body.json';
let port = 4300 + Math.floor(Math.random() * 500);
const targets = [];
// PostgreSQL: the backends serving a server's database (its own copy: `name=bundle,database-url`)
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
// MariaDB/MySQL: the server threads serving a build's own connections (their client ports are the
// build's sockets, so other work on the same database is not counted), added to `db_cpu_ms_per_req`.
const myAdmin = /^(mysql|mariadb):/.test(url)
  ? await (await import('mysql2/promise')).default.createConnection(url.replace(/^mariadb:/, 'mysql:'))
  : null;
const commOf = (pid) => {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return ''; // gone
  }
};
const mysqldPid = myAdmin
  ? readdirSync('/proc').find((d) => /^\d+$/.test(d) && ['mariadbd', 'mysqld'].includes(commOf(d)))
  : null;
const clientPorts = (pid) => {
  const inodes = new Set();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]);
    } catch {
      // closed meanwhile
    }
  }
  const ports = new Set();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6'])
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[9] && inodes.has(f[9])) ports.add(parseInt(f[1].split(':').pop(), 16));
    }
  return ports;
};
const mysqlThreadTicks = async (pid) => {
  const out = new Map();
  const ports = clientPorts(pid);
  const [rows] = await myAdmin.query(
    'select host, tid from information_schema.processlist where id <> connection_id()',
  );
  for (const r of rows) {
    if (!ports.has(Number(String(r.host).split(':').pop()))) continue;
    try {
      const f = readFileSync(`/proc/${mysqldPid}/task/${r.tid}/stat`, 'utf8').split(') ')[1].split(' ');
      out.set(r.tid, Number(f[11]) + Number(f[12]));
    } catch {
      // gone
    }
  }
  return out;
};
for (const s of servers) {
  // name=bundle, or name=bundle,database-url for a build that needs its own copy of the catalog (an
  // older build refuses a database migrated past its own migrations).
  const [name, spec] = s.split(/=(.*)/s);
  const [bundle, own] = spec.split(',');
  const p = port++;
  const child = spawn(process.execPath, [...nodeFlags, bundle, 'serve', '--port', String(p)], {
    env: own ? { ...env, DATABASE_URL: own } : env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  procs.push(child);
  targets.push({ name, base: `http://127.0.0.1:${p}`, pid: child.pid, cpu: 0, dbCpu: 0, n: 0, dbUrl: own ?? url });
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
  const path = scenario.startsWith('/')
    ? scenario
    : {
        health: '/health',
        list: listPath,
        deep: `${listPath}&page=${deep}`,
        detail: slugs[0],
        search,
        'search-sort': `${search}&in_stock=true&sort=price`,
        cart: '/api/cart/items',
        checkout: '/api/orders',
      }[scenario];
  if (!path) throw new Error(`unknown scenario ${scenario}`);
  const paths = scenario === 'detail' ? slugs : null;
  // Variants in stock for cart and checkout, from every page of the catalog (each order takes one unit).
  const pool = [];
  if (scenario === 'cart' || scenario === 'checkout') {
    for (let page = 1; page <= Math.ceil(first.count / 100); page++) {
      const answer = await (await fetch(`${base}/api/products?page_size=100&page=${page}`)).json();
      for (const p of answer.results) for (const v of p.variants ?? []) if (v.stock > 0) pool.push(v.id);
    }
  }
  // Each build's own customers: a build may have a catalog of its own.
  if (scenario === 'checkout') {
    const json = { 'content-type': 'application/json' };
    for (const t of targets) {
      t.tokens = [];
      for (let i = 0; i < 32; i++) {
        const email = `cpu-ab-${process.pid}-${i}@example.com`;
        const password = 'a benchmark passphrase';
        const body = (extra) => JSON.stringify({ email, password, ...extra });
        await fetch(`${t.base}/api/auth/register`, { method: 'POST', headers: json, body: body({ name: `AB ${i}` }) });
        const r = await fetch(`${t.base}/api/auth/token`, { method: 'POST', headers: json, body: body({}) });
        if (r.status !== 200) throw new Error(`token answered ${r.status}`);
        t.tokens.push((await r.json()).access);
      }
    }
  }
  let cursor = 0;
  const post = (t) =>
    ({
      // As bench/lib/scenarios.ts add_to_cart: a cart takes five lines, then the connection opens another.
      cart: {
        method: 'POST',
        path,
        setupRequest(req, ctx) {
          const lines = ctx.lines ?? 0;
          const token = lines > 0 && lines < 5 ? ctx.token : undefined;
          if (!token) ctx.lines = 0;
          const headers = { 'content-type': 'application/json', ...(token ? { 'x-cart-token': token } : {}) };
          return { ...req, headers, body: JSON.stringify({ variant_id: pool[cursor++ % pool.length], quantity: 1 }) };
        },
        onResponse(status, body, ctx, headers) {
          if (status >= 300) return;
          const given = Object.entries(headers ?? {}).find(([k]) => k.toLowerCase() === 'x-cart-token')?.[1];
          ctx.token = given ?? JSON.parse(body).token;
          ctx.lines = (ctx.lines ?? 0) + 1;
        },
      },
      checkout: {
        method: 'POST',
        path,
        setupRequest(req, ctx) {
          ctx.token ??= t.tokens[cursor % t.tokens.length];
          const headers = { 'content-type': 'application/json', authorization: `Bearer ${ctx.token}` };
          return {
            ...req,
            headers,
            body: JSON.stringify({ items: [{ variant_id: pool[cursor++ % pool.length], quantity: 1 }] }),
          };
        },
      },
    })[scenario];
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
        post(t) && !t.ceiling
          ? post(t)
          : {
              method: 'GET',
              path: t.ceiling ? '/api/products' : path,
              ...(paths && !t.ceiling ? { setupRequest: (req) => ({ ...req, path: paths[i++ % paths.length] }) } : {}),
            },
      ],
    });
    t.seconds = (t.seconds ?? 0) + r.duration;
    if (r.non2xx) throw new Error(`${t.name}: ${r.non2xx} non-2xx (${JSON.stringify(r.statusCodeStats)})`);
    return r.requests.total;
  };
  for (const t of all) await send(t, burst * 2); // warm-up
  for (let round = 0; round < Number(roundsArg); round++) {
    for (const t of round % 2 ? [...all].reverse() : all) {
      const t0 = ticks(t.pid);
      const db0 = t.ceiling ? new Map() : await backendTicks(t.dbUrl);
      const my0 = t.ceiling || !myAdmin ? new Map() : await mysqlThreadTicks(t.pid);
      t.n += await send(t, t.ceiling ? Math.round(burst * 2) : burst);
      // The work a burst leaves behind counts too (checkout's e-mail jobs, which the inline runner
      // drains after the answers): the burst ends when the process is idle again (≤ 10 ms in 250 ms).
      for (let last = ticks(t.pid), i = 0; i < 240; i++) {
        await sleep(250);
        const now = ticks(t.pid);
        if (now - last <= 1) break;
        last = now;
      }
      t.cpu += (ticks(t.pid) - t0) * 10;
      if (!t.ceiling) for (const [pid, n] of await backendTicks(t.dbUrl)) t.dbCpu += (n - (db0.get(pid) ?? 0)) * 10;
      if (!t.ceiling && myAdmin)
        for (const [tid, n] of await mysqlThreadTicks(t.pid)) t.dbCpu += (n - (my0.get(tid) ?? 0)) * 10;
    }
  }
  // One caller, the servers in turn: each request's wall time (p50), after the load (reads only).
  const single = post(targets[0]) ? 0 : Number(process.env.SINGLE_CALLS ?? 100);
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
      ...(admin || myAdmin ? { db_cpu_ms_per_req: +(t.dbCpu / t.n).toFixed(3) } : {}),
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
  await myAdmin?.end();
  for (const p of procs) p.kill();
  // a profiled server writes its profile as it exits
  if (nodeFlags.includes('--cpu-prof'))
    await Promise.all(
      procs.map((p) => new Promise((r) => (p.exitCode !== null || p.signalCode !== null ? r() : p.once('exit', r)))),
    );
}
