// `node --import tsx bench/recommendations.ts [--db sqlite,postgres] [--products 10000] [--orders 280000]`:
// seeds a catalog and a planted order history (about four lines per order: 280,000 orders ≈ 1M
// lines), then runs the recommendations rebuild and the evaluation each in a child process of
// its own, so the peak RSS it reports is the rebuild's. The child runs the built packages with
// plain node (bench/lib/recommendations-child.mjs) when dist is up to date, as
// `emporia recommendations rebuild` does; otherwise this file through tsx, whose loader adds about
// 40 MB (the report says which). Writes the "Recommendations" section.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createDefaultEngine } from '@emporia/adapters';
import { systemContext, type EvaluationReport, type RebuildResult } from '@emporia/core';
import { freshDatabase, postgresAvailable, type BenchDialect } from './lib/databases.js';
import { distIsFresh } from './lib/emporia.js';
import { writeModuleSection } from './lib/report.js';
import { postgresUrlFlag } from './lib/flags.js';

const { values: flags } = parseArgs({
  options: {
    ...postgresUrlFlag,
    db: { type: 'string', default: 'sqlite,postgres' },
    products: { type: 'string', default: '10000' },
    orders: { type: 'string', default: '280000' },
    child: { type: 'string' },
    url: { type: 'string' },
  },
});

const quiet = { logLevel: 'silent' as const, worker: 'off' as const, mailDir: join(tmpdir(), 'emporia-bench-mail') };

interface ChildAnswer {
  seconds: number;
  max_rss_mb: number;
  /** RSS with the engine open, before the rebuild or evaluation. */
  baseline_rss_mb: number;
  rebuild?: RebuildResult;
  report?: EvaluationReport;
}

/** Child mode: one rebuild or one evaluation, then its time and peak RSS as JSON on stdout. */
async function child(what: string, url: string): Promise<void> {
  const engine = await createDefaultEngine({ database: url, config: quiet, migrate: false });
  try {
    const started = performance.now();
    const ctx = systemContext();
    const answer: ChildAnswer = {
      seconds: 0,
      max_rss_mb: 0,
      baseline_rss_mb: Math.round(process.memoryUsage().rss / 1e6),
    };
    if (what === 'rebuild') answer.rebuild = await engine.recommendations.rebuild(ctx);
    else answer.report = await engine.recommendations.evaluate(ctx);
    answer.seconds = (performance.now() - started) / 1000;
    answer.max_rss_mb = Math.round(process.resourceUsage().maxRSS / 1024);
    process.stdout.write(JSON.stringify(answer));
  } finally {
    await engine.close();
  }
}

const fromDist = distIsFresh();

function runChild(what: string, url: string): ChildAnswer {
  const args = fromDist
    ? [join(import.meta.dirname, 'lib/recommendations-child.mjs'), what, url]
    : ['--import', 'tsx', import.meta.filename, '--child', what, '--url', url];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${what} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as ChildAnswer;
}

interface Run {
  db: string;
  seedSeconds: number;
  lines: number;
  rebuild: ChildAnswer;
  evaluation: ChildAnswer;
}

async function benchDatabase(dialect: BenchDialect, workDir: string): Promise<Run> {
  const db = await freshDatabase(dialect, 21, workDir, flags['postgres-url']);
  try {
    const engine = await createDefaultEngine({ database: db.url, config: quiet });
    let seedSeconds = 0;
    let lines = 0;
    try {
      const ctx = systemContext();
      const started = performance.now();
      await engine.catalog.seed(ctx, { products: Number(flags.products), seed: 21 });
      const seeded = await engine.recommendations.seedOrders(ctx, {
        orders: Number(flags.orders),
        seed: 21,
        onProgress: (done, total) => done % 50_000 === 0 && console.warn(`${dialect}: ${done}/${total} orders`),
      });
      seedSeconds = (performance.now() - started) / 1000;
      lines = seeded.order_lines;
    } finally {
      await engine.close();
    }
    console.warn(`${dialect}: seeded ${lines} lines in ${seedSeconds.toFixed(1)} s; rebuilding`);
    const rebuild = runChild('rebuild', db.url);
    console.warn(`${dialect}: rebuilt in ${rebuild.seconds.toFixed(1)} s; evaluating`);
    const evaluation = runChild('evaluate', db.url);
    return { db: dialect, seedSeconds, lines, rebuild, evaluation };
  } finally {
    await db.drop();
  }
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

function render(runs: Run[], startLoad: number): string {
  const rows = runs.map((r) => {
    const b = r.rebuild.rebuild!;
    return `| ${r.db} | ${b.orders.toLocaleString('en-US')} | ${b.order_lines.toLocaleString('en-US')} | ${b.products.toLocaleString('en-US')} | ${r.seedSeconds.toFixed(1)} | ${r.rebuild.seconds.toFixed(1)} | ${r.rebuild.max_rss_mb} | ${r.rebuild.baseline_rss_mb} | ${r.evaluation.seconds.toFixed(1)} | ${r.evaluation.max_rss_mb} |`;
  });
  const evals = runs.flatMap((r) =>
    r.evaluation.report!.kinds.map(
      (k) =>
        `| ${r.db} | ${k.kind} | ${k.cases.toLocaleString('en-US')} | ${pct(k.model.hit_rate)} | ${pct(k.baseline.hit_rate)} | ${pct(k.model.precision)} | ${pct(k.baseline.precision)} | ${pct(k.model.coverage)} | ${pct(k.baseline.coverage)} |`,
    ),
  );
  return [
    '<!-- bench:recommendations:start (written by node --import tsx bench/recommendations.ts) -->',
    '## Recommendations',
    '',
    `${new Date().toISOString()} · Node ${process.version} · ${cpus().length} cores (${cpus()[0]?.model.trim()}) · ` +
      `load average ${startLoad.toFixed(1)} at start, ${loadavg()[0].toFixed(1)} at the end · rebuild and evaluation ` +
      `${fromDist ? 'from dist (plain node)' : 'from the sources through tsx (its loader adds about 40 MB)'}. ` +
      'A seeded catalog (in collections) and a planted order history (`seedOrders`: shopping missions drawn from the ' +
      'collections, plus Zipf noise), then a full rebuild and the evaluation, each in a child process of its own (peak ' +
      'RSS is that process, module loading included; "engine open" is its RSS before the work). Targets: rebuild over ' +
      '1M lines under 60 s and 300 MB.',
    '',
    '| db | orders | order lines | products | seed s | rebuild s | rebuild peak RSS MB | engine open RSS MB | evaluate s | evaluate peak RSS MB |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    'Evaluation (time split 80/20, k = 10; baseline: the most popular products of the training part):',
    '',
    '| db | kind | cases | hit@10 model | hit@10 baseline | precision@10 model | precision@10 baseline | coverage model | coverage baseline |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|',
    ...evals,
    '',
    'Reproduce: `node --import tsx bench/recommendations.ts` (PostgreSQL at BENCH_POSTGRES_URL when it answers).',
    '<!-- bench:recommendations:end -->',
  ].join('\n');
}

if (flags.child) {
  await child(flags.child, flags.url as string);
} else {
  const startLoad = loadavg()[0];
  const workDir = mkdtempSync(join(tmpdir(), 'emporia-bench-recs-'));
  try {
    const runs: Run[] = [];
    for (const dialect of flags.db.split(',') as BenchDialect[]) {
      if (dialect === 'postgres' && !(await postgresAvailable(flags['postgres-url']))) {
        console.warn('PostgreSQL does not answer; skipped');
        continue;
      }
      runs.push(await benchDatabase(dialect, workDir));
    }
    const section = render(runs, startLoad);
    console.log(section);
    writeModuleSection(join(import.meta.dirname, 'RESULTS.md'), 'recommendations', section);
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}
