// `node --import tsx bench/startup.ts --database-url URL [--bin A,B] [--runs 7] [--load N] [--node-options OPTS]`:
// cold start of `emporia serve` (spawn to the first 200 of /ready, as `npm run bench` measures it)
// and RSS, for one or more builds of the binary side by side. Runs alternate between the builds
// (A, B, A, B, …) so a change in the machine's load falls on both; the figure is the median.
// With --load N, each run then sends N product-list requests (page 1, 8 at a time) and reports the RSS
// after them, as `npm run bench` reads "RSS after load". Prints one line per build and the load average.
// A SQLite URL is used as is (the server only reads it); give each build a copy if it migrates.
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { mkdirSync, readFileSync } from 'node:fs';
import { BENCH_PRODUCTION, repoRoot } from './lib/emporia.js';
import { positiveInt } from './lib/flags.js';
import { freePort, rssMb, startServer } from './lib/processes.js';

const { values: flags } = parseArgs({
  options: {
    'database-url': { type: 'string' },
    bin: { type: 'string', default: join(repoRoot, 'packages/cli/bin/emporia.js') },
    runs: { type: 'string', default: '7' },
    load: { type: 'string', default: '0' },
    'node-options': { type: 'string', default: '' },
    path: { type: 'string', default: '/api/products?sort=price' },
  },
});
if (!flags['database-url']) {
  console.error('--database-url: required (a seeded catalog; SQLite files are only read)');
  process.exit(2);
}
const runs = positiveInt('runs', flags.runs);
const load = Number(flags.load);
const bins = flags.bin.split(',').map((b) => resolve(b));
const workDir = join(repoRoot, 'bench/.work/startup');
mkdirSync(workDir, { recursive: true });

interface Sample {
  startMs: number;
  /** CPU time (user + system, all threads) the server spent up to its first /ready 200: survives a loaded machine. */
  cpuMs: number | null;
  mainMs: number | null;
  rssStart: number | null;
  rssAfter: number | null;
}

async function once(bin: string): Promise<Sample> {
  const port = await freePort();
  const server = await startServer({
    command: process.execPath,
    args: [...flags['node-options'].split(' ').filter(Boolean), bin, 'serve', '--no-migrate', '--port', String(port)],
    env: {
      ...process.env,
      ...BENCH_PRODUCTION,
      DATABASE_URL: flags['database-url'],
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      MAIL_DIR: join(workDir, 'mail'),
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
  try {
    if (load > 0) {
      let sent = 0;
      const worker = async () => {
        while (sent < load) {
          sent++;
          const res = await fetch(server.baseUrl + flags.path);
          await res.arrayBuffer();
          if (res.status !== 200) throw new Error(`${flags.path} answered ${res.status}`);
        }
      };
      await Promise.all(Array.from({ length: 8 }, worker));
      rssAfter = rssMb(server.child.pid);
    }
  } finally {
    await server.stop();
  }
  return { startMs: server.startMs, cpuMs, mainMs, rssStart, rssAfter };
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

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const before = loadavg();
const samples = new Map<string, Sample[]>(bins.map((b) => [b, []]));
await once(bins[0]); // warms the file cache for everyone; not counted
for (let i = 0; i < runs; i++) {
  for (const bin of bins) samples.get(bin)!.push(await once(bin));
}
const after = loadavg();
for (const [bin, list] of samples) {
  const starts = list.map((s) => s.startMs);
  const cpu = list.map((s) => s.cpuMs ?? 0);
  const main = list.map((s) => s.mainMs ?? 0);
  const rss = list.map((s) => s.rssStart ?? 0);
  const rssAfter = list.map((s) => s.rssAfter ?? 0);
  console.log(
    `${bin}: cold start median ${median(starts)} ms (min ${Math.min(...starts)}, max ${Math.max(...starts)}), ` +
      `CPU to ready median ${median(cpu)} ms (main thread ${median(main)} ms), RSS at start ${median(rss)} MB` +
      (load > 0 ? `, after ${load} requests ${median(rssAfter)} MB` : '') +
      ` [${starts.join(' ')}]`,
  );
}
console.log(`load average ${before.map((l) => l.toFixed(2)).join(' ')} → ${after.map((l) => l.toFixed(2)).join(' ')}`);
