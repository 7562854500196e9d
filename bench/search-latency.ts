// `node --import tsx bench/search-latency.ts <database-url> [word] [calls] [--http [seconds]]`:
// one caller, in process, `catalog.listProducts` as an anonymous shopper (published only): a ranked
// search page (page mode, with its count), page 3, a ranked cursor page, and the same word filtered
// to products in stock and sorted by price (page and cursor mode); p50 and p90 of `calls` calls
// after 10 warm-up calls (`calls` 0: none). The load of the machine weighs on it far less than on a 32-connection
// figure. With `--http`, also `emporia serve` (from the sources) on the same database and
// autocannon at 32 connections for `seconds` (default 10, after 2 s of warm-up) per query: req/s
// and p50 over HTTP, as the `search` scenario of `npm run bench` measures them (catalog cache off
// unless `CATALOG_CACHE` says otherwise).
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { createDefaultEngine } from '@emporia/adapters';
import { anonymousContext } from '@emporia/core';
import { emporiaCommand, modeEnv, repoRoot } from './lib/emporia.js';
import { measure } from './lib/load.js';
import { freePort, startServer } from './lib/processes.js';

const args = process.argv.slice(2);
const httpAt = args.indexOf('--http');
const httpSeconds = httpAt >= 0 ? Number(args[httpAt + 1]) || 10 : 0;
const [url, word = 'waterproof', callsArg = '60'] = httpAt >= 0 ? args.slice(0, httpAt) : args;
if (!url) throw new Error('usage: search-latency.ts <database-url> [word] [calls] [--http [seconds]]');
const calls = Number(callsArg);
const db = url.split(':')[0];
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * p)];

const queries = [
  ['ranked, page 1 (with count)', { q: word }],
  ['ranked, page 3 (with count)', { q: word, page: 3 }],
  ['ranked, cursor first page', { q: word, limit: 20 }],
  ['in_stock + sort=price, page 1 (with count)', { q: word, in_stock: true, sort: 'price' }],
  ['in_stock + sort=price, cursor first page', { q: word, in_stock: true, sort: 'price', limit: 20 }],
] as const;

const engine = await createDefaultEngine({ database: url, config: { logLevel: 'silent' } });
try {
  for (const [label, query] of calls > 0 ? queries : []) {
    const times: number[] = [];
    let count: unknown;
    for (let i = 0; i < calls + 10; i++) {
      const started = performance.now();
      const result = await engine.catalog.listProducts(anonymousContext(), query);
      if (i >= 10) times.push(performance.now() - started);
      count = result.kind === 'page' ? `${result.count}${result.count_is_estimate ? ' (estimate)' : ''}` : '—';
    }
    console.log(
      `${db}\t${word}\t${label}\tp50 ${pct(times, 0.5).toFixed(1)} ms\tp90 ${pct(times, 0.9).toFixed(1)} ms\tcount ${String(count)}`,
    );
  }
} finally {
  await engine.close();
}

if (httpSeconds > 0) {
  const port = await freePort();
  const { command, args: serveArgs } = emporiaCommand('src', ['serve', '--port', String(port)]);
  const server = await startServer({
    command,
    args: serveArgs,
    env: {
      ...process.env,
      ...modeEnv('src'),
      EMPORIA_ENV: 'production',
      JWT_SECRET: 'bench-jwt-secret-0123456789abcdef0123456789abcdef',
      PAYMENT_WEBHOOK_SECRET: 'bench-webhook-secret-0123456789abcdef0123456789',
      DATABASE_URL: url,
      HOST: '127.0.0.1',
      ALLOWED_HOSTS: '127.0.0.1',
      LOG_LEVEL: 'warn',
      // Every request reads the database, as `npm run bench` measures by default (`--cache off`):
      // the catalog cache would answer the repeated query from memory.
      CATALOG_CACHE: process.env.CATALOG_CACHE ?? 'off',
    },
    cwd: repoRoot,
    port,
    readyPath: '/ready',
    logFile: join(repoRoot, 'bench/.work/search-latency-serve.log'),
  });
  try {
    for (const [label, query] of queries) {
      const path = `/api/products?${new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]))}`;
      const r = await measure(
        server.baseUrl,
        { path },
        { connections: 32, duration: httpSeconds, warmup: 2, useWrk: false },
      );
      console.log(
        `${db}\t${word}\t${label}\tHTTP, 32 connections\t${r.rps.toFixed(0)} req/s\tp50 ${r.p50_ms} ms\tp99 ${r.p99_ms} ms\tnon-2xx ${r.non_2xx}`,
      );
    }
  } finally {
    await server.stop();
  }
}
