// `node --import tsx bench/startup.ts --database-url URL [--bin SPEC,SPEC…] [--runs 7] [--load-seconds N]`:
// cold start of `emporia serve` (spawn to the first 200 of /ready, as `npm run bench` measures it),
// the CPU time the server spent until then (all threads, and its main thread alone: figures a loaded
// machine inflates less than wall time) and RSS, for one or more builds or settings side by side.
// A SPEC is a binary, optionally with node options and environment: `path|--max-semi-space-size=4|KEY=V KEY2=V`.
// Runs alternate between the specs (A, B, A, B, …) so a change in the machine's load falls on all;
// figures are medians. With --load-seconds N, each run then drives list page 1 (category + price
// sort), product by slug and a search, N seconds each at 32 connections, and reads the RSS after
// them, as `npm run bench` reads "RSS after load"; their req/s show what a setting costs.
// The server migrates at start as `npm run bench` runs it: give it a copy of a seeded catalog.
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { mkdirSync, readFileSync } from 'node:fs';
import { BENCH_PRODUCTION, repoRoot } from './lib/emporia.js';
import { positiveInt } from './lib/flags.js';
import { measure, type LoadRequest } from './lib/load.js';
import { freePort, rssMb, startServer } from './lib/processes.js';
import { Api, discoverFixtures, operations } from './lib/scenarios.js';

const { values: flags } = parseArgs({
  options: {
    'database-url': { type: 'string' },
    bin: { type: 'string', default: join(repoRoot, 'packages/cli/bin/emporia.js') },
    runs: { type: 'string', default: '7' },
    'load-seconds': { type: 'string', default: '0' },
  },
});
if (!flags['database-url']) {
  console.error('--database-url: required (a seeded catalog; SQLite files are only read)');
  process.exit(2);
}
const runs = positiveInt('runs', flags.runs);
const loadSeconds = Number(flags['load-seconds']);
interface Spec {
  label: string;
  bin: string;
  nodeOptions: string[];
  env: Record<string, string>;
}
const specs: Spec[] = flags.bin.split(',').map((label) => {
  const [bin, nodeOptions = '', env = ''] = label.split('|');
  return {
    label,
    bin: resolve(bin),
    nodeOptions: nodeOptions.split(' ').filter(Boolean),
    env: Object.fromEntries(
      env
        .split(' ')
        .filter(Boolean)
        .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    ),
  };
});
const workDir = join(repoRoot, 'bench/.work/startup');
mkdirSync(workDir, { recursive: true });

interface Sample {
  startMs: number;
  /** CPU time (user + system, all threads) the server spent up to its first /ready 200: survives a loaded machine. */
  cpuMs: number | null;
  mainMs: number | null;
  rssStart: number | null;
  rssAfter: number | null;
  /** req/s of each load, when --load-seconds is given. */
  rates: Record<string, number>;
  /** Server CPU µs per answer of each load. */
  costs: Record<string, number>;
  /** Garbage-collection µs per answer (V8's pauses, from the server's /metrics). */
  gcCosts: Record<string, number>;
}

async function once(spec: Spec): Promise<Sample> {
  const port = await freePort();
  const server = await startServer({
    command: process.execPath,
    args: [...spec.nodeOptions, spec.bin, 'serve', '--port', String(port)],
    env: {
      ...process.env,
      ...BENCH_PRODUCTION,
      DATABASE_URL: flags['database-url'],
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      CATALOG_CACHE: 'off', // as `npm run bench` runs it: every answer reads the database
      MAIL_DIR: join(workDir, 'mail'),
      ...spec.env,
    },
    cwd: workDir,
    port,
    readyPath: '/ready',
    logFile: join(workDir, 'server.log'),
  });
  const cpuMs = cpuTimeMs(server.child.pid);
  const mainMs = cpuTimeMs(server.child.pid, true);
  const rssStart = rssMb(server.child.pid);
  let rssAfter: number | null = null;
  const rates: Record<string, number> = {};
  const costs: Record<string, number> = {};
  const gcCosts: Record<string, number> = {};
  try {
    if (loadSeconds > 0) {
      const api = new Api(server.baseUrl);
      const fx = await discoverFixtures(api, await operations(api), 0);
      if (!fx) throw new Error('the catalog is empty: --load-seconds needs a seeded one');
      const slugs = fx.products.map((p) => p.slug);
      const requests: Record<string, LoadRequest> = {
        list_page1: { path: fx.listPath },
        product_slug: {
          path: `/api/products/${slugs[0]}`,
          setupRequest(req, ctx) {
            const i = ((ctx.i as number | undefined) ?? 0) + 1;
            ctx.i = i;
            return { ...req, path: `/api/products/${encodeURIComponent(slugs[i % slugs.length])}` };
          },
        },
        ...(fx.word ? { search: { path: `/api/products?search=${fx.word}` } } : {}),
      };
      for (const [id, request] of Object.entries(requests)) {
        const cpuBefore = cpuTimeMs(server.child.pid) ?? 0;
        const gcBefore = await gcSeconds(server.baseUrl);
        const r = await measure(server.baseUrl, request, {
          connections: 32,
          duration: loadSeconds,
          warmup: 1,
          useWrk: false,
        });
        const cpuAfter = cpuTimeMs(server.child.pid) ?? 0;
        rates[id] = r.rps;
        // The server's CPU and GC time per answer, the warm-up's answers estimated at the measured
        // rate: figures a loaded machine distorts less than req/s.
        const answers = (r.requests * (loadSeconds + 1)) / loadSeconds;
        costs[id] = Math.round(((cpuAfter - cpuBefore) * 1000) / answers);
        gcCosts[id] = Math.round((((await gcSeconds(server.baseUrl)) - gcBefore) * 1e6) / answers);
      }
      rssAfter = rssMb(server.child.pid);
    }
  } finally {
    await server.stop();
  }
  return { startMs: server.startMs, cpuMs, mainMs, rssStart, rssAfter, rates, costs, gcCosts };
}

/**
 * utime + stime of a process (all its threads) from /proc/<pid>/stat, or of its main thread alone
 * (`/proc/<pid>/task/<pid>/stat`: what a quiet machine's wall time is made of); Linux, 100 ticks a
 * second; null elsewhere.
 */
function cpuTimeMs(pid: number | undefined, mainThread = false): number | null {
  try {
    const stat = readFileSync(mainThread ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

/** Seconds V8 has spent collecting garbage so far, all kinds, from the server's /metrics (loopback may scrape). */
async function gcSeconds(baseUrl: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  let sum = 0;
  for (const m of text.matchAll(/^emporia_nodejs_gc_duration_seconds_sum\{[^}]*\} ([0-9.e+-]+)$/gm))
    sum += Number(m[1]);
  return sum;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const before = loadavg();
const samples = new Map<Spec, Sample[]>(specs.map((s) => [s, []]));
await once(specs[0]); // warms the file cache for everyone; not counted
for (let i = 0; i < runs; i++) {
  for (const spec of specs) samples.get(spec)!.push(await once(spec));
}
const after = loadavg();
for (const [spec, list] of samples) {
  const starts = list.map((s) => s.startMs);
  const cpu = list.map((s) => s.cpuMs ?? 0);
  const main = list.map((s) => s.mainMs ?? 0);
  const rss = list.map((s) => s.rssStart ?? 0);
  const rssAfter = list.map((s) => s.rssAfter ?? 0);
  console.log(
    `${spec.label}: cold start median ${median(starts)} ms (min ${Math.min(...starts)}, max ${Math.max(...starts)}), ` +
      `CPU to ready median ${median(cpu)} ms (main thread ${median(main)} ms), RSS at start ${median(rss)} MB` +
      (loadSeconds > 0
        ? `, after the load ${median(rssAfter)} MB; req/s ` +
          Object.keys(list[0].rates)
            .map(
              (id) =>
                `${id} ${Math.round(median(list.map((s) => s.rates[id])))} (${median(list.map((s) => s.costs[id]))} µs CPU, ${median(list.map((s) => s.gcCosts[id]))} µs GC each)`,
            )
            .join(', ')
        : '') +
      ` [${starts.join(' ')}]`,
  );
}
console.log(`load average ${before.map((l) => l.toFixed(2)).join(' ')} → ${after.map((l) => l.toFixed(2)).join(' ')}`);
