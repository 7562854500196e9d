import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { LoadResult } from './load.js';
import { BENCH_DIALECTS, type BenchDialect } from './databases.js';
import { VENDURE } from './scenarios.js';

export interface ScenarioResult {
  id: string;
  label: string;
  unavailable: string | null;
  result?: LoadResult;
  okRate?: boolean;
  extra?: Record<string, unknown>;
  error?: string;
}

export interface DatabaseRun {
  dialect: BenchDialect;
  size: number;
  seed_ms: number | null;
  seed_note?: string;
  start_ms: number | null;
  rss_start_mb: number | null;
  rss_after_mb: number | null;
  catalog?: { products: number; category: string | null; category_count: number; list_body_bytes: number };
  scenarios: ScenarioResult[];
  error?: string;
}

export interface Ceilings {
  body_bytes: number;
  body_source: string;
  node: LoadResult | null;
  express: LoadResult | null;
}

export interface BenchResults {
  date: string;
  commit: string;
  node: string;
  cores: number;
  cpu: string;
  mode: 'quick' | 'full' | 'partial';
  /** 1-minute load average when the run started and ended: other work shows in every figure. */
  load_average?: { before: number; after: number };
  server: string;
  options: Record<string, unknown>;
  ceilings: Ceilings | null;
  runs: DatabaseRun[];
  targets: Target[];
  vendure: typeof VENDURE;
}

export interface Target {
  target: string;
  status: 'met' | 'missed' | 'not measured';
  measured: string;
}

const fmt = (n: number | null | undefined, digits = 0) =>
  n === null || n === undefined || Number.isNaN(n) ? '—' : n.toLocaleString('en-US', { maximumFractionDigits: digits });
const pct = (a: number, b: number | undefined) => (b ? `${fmt((100 * a) / b, 1)} %` : '—');
const size = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}M` : n >= 1000 ? `${n / 1000}k` : String(n));
const rate = (s: ScenarioResult) => (s.okRate ? s.result!.ok_rps : s.result!.rps);

function find(results: BenchResults, dialect: string, n: number, id: string): ScenarioResult | undefined {
  const run = results.runs.find((r) => r.dialect === dialect && r.size === n);
  return run?.scenarios.find((s) => s.id === id && s.result);
}

/** Targets of issue 8, each judged at the size it names (or "not measured" when the run skipped it). */
/** The databases a run covered, in the usual order. */
const benched = (results: BenchResults): BenchDialect[] =>
  BENCH_DIALECTS.filter((d) => results.runs.some((r) => r.dialect === d));

export function judgeTargets(results: BenchResults): Target[] {
  const express = results.ceilings?.express?.rps;
  const t: Target[] = [];
  const judge = (target: string, value: number | undefined, ok: (v: number) => boolean, shown: (v: number) => string) =>
    t.push(
      value === undefined || Number.isNaN(value)
        ? { target, status: 'not measured', measured: '—' }
        : { target, status: ok(value) ? 'met' : 'missed', measured: shown(value) },
    );
  for (const [dialect, share] of [
    ['sqlite', 50],
    ['postgres', 35],
    ['mysql', 35],
  ] as const) {
    if (!benched(results).includes(dialect)) continue;
    const s = find(results, dialect, 100_000, 'list_page1');
    judge(
      `list with filter + sort ≥ ${share} % of the Express ceiling (${dialect}, 100k)`,
      s && express ? (100 * s.result!.rps) / express : undefined,
      (v) => v >= share,
      (v) => `${fmt(v, 1)} % (${fmt(s?.result?.rps)} req/s)`,
    );
  }
  const list100k = find(results, 'sqlite', 100_000, 'list_page1');
  judge(
    `list ≥ 50× Vendure (${VENDURE.list_page1} req/s) (sqlite, 100k)`,
    list100k ? list100k.result!.rps / VENDURE.list_page1 : undefined,
    (v) => v >= 50,
    (v) => `${fmt(v, 1)}×`,
  );
  for (const dialect of benched(results)) {
    const s = find(results, dialect, 100_000, 'list_page1');
    judge(
      `list p99 < 25 ms at 32 connections (${dialect}, 100k)`,
      s?.result?.p99_ms,
      (v) => v < 25,
      (v) => `${fmt(v, 1)} ms`,
    );
  }
  for (const dialect of benched(results)) {
    const first = find(results, dialect, 1_000_000, 'list_cursor1');
    const deep = find(results, dialect, 1_000_000, 'list_cursor_deep');
    judge(
      `deep cursor page p50 within 1.5× of the first page (${dialect}, 1M)`,
      first && deep ? deep.result!.p50_ms / Math.max(first.result!.p50_ms, 0.001) : undefined,
      (v) => v <= 1.5,
      (v) => `${fmt(v, 2)}× (${fmt(deep?.result?.p50_ms, 1)} vs ${fmt(first?.result?.p50_ms, 1)} ms)`,
    );
    const search = find(results, dialect, 1_000_000, 'search');
    judge(
      `search p50 < 15 ms (${dialect}, 1M)`,
      search?.result?.p50_ms,
      (v) => v < 15,
      (v) => `${fmt(v, 1)} ms`,
    );
  }
  for (const dialect of benched(results)) {
    const sorted = find(results, dialect, 100_000, 'search_sorted');
    judge(
      `search with in_stock=true&sort=price ≥ 600 req/s (${dialect}, 100k)`,
      sorted?.result?.rps,
      (v) => v >= 600,
      (v) => `${fmt(v)} req/s`,
    );
  }
  for (const [dialect, floor] of [
    ['sqlite', 500],
    ['postgres', 300],
    ['mysql', 300],
  ] as const) {
    if (!benched(results).includes(dialect)) continue;
    const best = results.runs
      .filter((r) => r.dialect === dialect)
      .map((r) => r.scenarios.find((s) => s.id === 'checkout' && s.result)?.result?.ok_rps)
      .filter((v): v is number => v !== undefined);
    judge(
      `checkout ≥ ${floor} orders/s without contention (${dialect}, lowest over sizes)`,
      best.length ? Math.min(...best) : undefined,
      (v) => v >= floor,
      (v) => `${fmt(v)} orders/s`,
    );
  }
  const contended = results.runs.flatMap((r) => r.scenarios.filter((s) => s.id === 'checkout_contended' && s.extra));
  judge(
    'zero oversell with contention (every run)',
    contended.length
      ? contended.reduce((n, s) => n + Number(s.extra!.oversold_variants) + Number(s.extra!.mismatched_variants), 0)
      : undefined,
    (v) => v === 0,
    (v) => `${v} variant(s) oversold or inconsistent over ${contended.length} run(s)`,
  );
  for (const r of results.runs) {
    const idle = r.scenarios.find((s) => s.id === 'detail_1' && s.result)?.result;
    const busy = r.scenarios.find((s) => s.id === 'backlog' && s.result)?.result;
    if (!idle && !busy) continue;
    judge(
      `request p99 during a job backlog ≤ 3× idle, 1 connection (${r.dialect}, ${r.size})`,
      idle && busy ? busy.p99_ms / Math.max(idle.p99_ms, 1) : undefined,
      (v) => v <= 3,
      (v) => `${fmt(v, 1)}× (${fmt(busy?.p99_ms)} vs ${fmt(idle?.p99_ms)} ms)`,
    );
  }
  const starts = results.runs.map((r) => r.start_ms).filter((v): v is number => v !== null);
  judge(
    'cold start to first /ready 200 < 300 ms (worst)',
    starts.length ? Math.max(...starts) : undefined,
    (v) => v < 300,
    (v) => `${fmt(v)} ms`,
  );
  const rss = results.runs.map((r) => r.rss_after_mb).filter((v): v is number => v !== null);
  judge(
    'RSS after load < 150 MB (worst)',
    rss.length ? Math.max(...rss) : undefined,
    (v) => v < 150,
    (v) => `${fmt(v)} MB`,
  );
  const seed = results.runs.find((r) => r.dialect === 'sqlite' && r.size === 1_000_000)?.seed_ms ?? undefined;
  judge(
    'seeding 1M products < 60 s (sqlite)',
    seed ?? undefined,
    (v) => v < 60_000,
    (v) => `${fmt(v / 1000, 1)} s`,
  );
  return t;
}

const START = '<!-- bench:main:start (written by npm run bench; module sections go below the end marker) -->';
const END = '<!-- bench:main:end -->';

function reproduceFlags(results: BenchResults): string {
  const argv = (results.options.argv as string[] | undefined) ?? (results.mode === 'quick' ? ['--quick'] : []);
  return argv.length ? ` -- ${argv.join(' ')}` : '';
}

export function renderMain(results: BenchResults): string {
  const c = results.ceilings;
  const nodeRps = c?.node?.rps;
  const expressRps = c?.express?.rps;
  const lines: string[] = [];
  lines.push('# Benchmark results', '');
  lines.push(
    `${results.date} · commit ${results.commit} · Node ${results.node} · ${results.cores} cores (${results.cpu}) · ` +
      `${results.mode} run · server from ${results.server}`,
    '',
    `Load: ${results.options.connections} connections, ${results.options.duration} s per figure after a ` +
      `${results.options.warmup} s warm-up; autocannon in the orchestrator process, the server in its own ` +
      'process; wrk where a plain GET passes autocannon’s own limit (~25k req/s here). The load generator ' +
      'shares the cores with the server, as in the Vendure run. Request logs are at ' +
      `LOG_LEVEL=${results.options.logLevel}. Reproduce: \`npm run bench${reproduceFlags(results)}\`.`,
    '',
  );
  const la = results.load_average;
  if (la) {
    lines.push(
      `Load average (1 min) before / after the run: ${la.before} / ${la.after} on ${results.cores} cores` +
        // Only the start says whether other work was running: by the end the bench itself loads the cores.
        (la.before > results.cores / 2
          ? ' — **the machine was busy with other work: these figures are not comparable**.'
          : '.'),
      '',
    );
  }
  if (results.mode === 'quick') {
    lines.push(
      '**Quick run**: one small catalog and short loads, to check the bench itself — not figures to quote.',
      '',
    );
  }
  if (c) {
    lines.push(
      '## Ceilings (same load, same body size)',
      '',
      `Body: ${fmt(c.body_bytes)} bytes (${c.body_source}).`,
      '',
      '| ceiling | tool | req/s | p50 ms | p99 ms |',
      '|---|---|---:|---:|---:|',
    );
    for (const [name, r] of [
      ['bare node:http, precomputed JSON string', c.node],
      ['bare Express 5, `res.json(object)`', c.express],
    ] as const) {
      lines.push(
        r
          ? `| ${name} | ${r.tool} | ${fmt(r.rps)} | ${fmt(r.p50_ms, 2)} | ${fmt(r.p99_ms, 2)} |`
          : `| ${name} | — | — | — | — |`,
      );
    }
    lines.push('');
  }
  lines.push(
    '## Emporia',
    '',
    'req/s counts every answer; for checkout it is orders/s (2xx only). “× Vendure” divides by Vendure 3.7’s ' +
      'figure on SQLite with 10k products on this machine (list 49, slug 150, search 88, add-to-cart 77 req/s).',
    '',
    '| scenario | db | products | tool | req/s | p50 ms | p99 ms | non-2xx | % node | % Express | × Vendure |',
    '|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|',
  );
  const unavailable = new Map<string, string[]>();
  for (const run of results.runs) {
    for (const s of run.scenarios) {
      if (!s.result) {
        const key = `${s.label.split(' (')[0]}: ${s.unavailable ?? s.error ?? 'failed'}`;
        unavailable.set(key, [...(unavailable.get(key) ?? []), `${run.dialect} ${size(run.size)}`]);
        continue;
      }
      const r = s.result;
      const v = run.dialect === 'sqlite' ? (VENDURE as Record<string, number>)[s.id] : undefined;
      lines.push(
        `| ${s.label} | ${run.dialect} | ${size(run.size)} | ${r.tool} | ${fmt(rate(s))} | ${fmt(r.p50_ms, 2)} | ` +
          `${fmt(r.p99_ms, 2)} | ${fmt(r.non_2xx)} | ${pct(rate(s), nodeRps)} | ${pct(rate(s), expressRps)} | ` +
          `${v ? `${fmt(rate(s) / v, 1)}×` : '—'} |`,
      );
    }
  }
  lines.push('');
  if (unavailable.size) {
    lines.push('Not measured in this run:', '');
    for (const [what, runs] of unavailable) lines.push(`- ${what} (${runs.join(', ')})`);
    lines.push('');
  }
  lines.push(
    '## Process',
    '',
    '| db | products | seed | cold start to /ready 200 | RSS after start | RSS after load |',
    '|---|---:|---:|---:|---:|---:|',
  );
  for (const r of results.runs) {
    lines.push(
      `| ${r.dialect} | ${size(r.size)} | ${r.seed_ms !== null ? `${fmt(r.seed_ms / 1000, 1)} s` : (r.seed_note ?? '—')} | ` +
        `${fmt(r.start_ms)} ms | ${fmt(r.rss_start_mb)} MB | ${fmt(r.rss_after_mb)} MB |`,
    );
  }
  lines.push('', `Vendure: ${VENDURE.start_ms / 1000} s to start, ${VENDURE.rss_after_mb} MB RSS after load.`, '');

  const sizes = [...new Set(results.runs.map((r) => r.size))].sort((a, b) => a - b);
  if (sizes.length > 1) {
    lines.push(
      '## List latency by catalog size (p50 / p99 ms)',
      '',
      `| scenario | db | ${sizes.map(size).join(' | ')} |`,
      `|---|---|${sizes.map(() => '---:').join('|')}|`,
    );
    for (const id of ['list_page1', 'list_deep_page', 'list_cursor1', 'list_cursor_deep', 'search', 'search_sorted']) {
      for (const dialect of benched(results)) {
        const cells = sizes.map((n) => {
          const s = find(results, dialect, n, id);
          return s ? `${fmt(s.result!.p50_ms, 1)} / ${fmt(s.result!.p99_ms, 1)}` : '—';
        });
        if (cells.some((x) => x !== '—')) lines.push(`| ${id} | ${dialect} | ${cells.join(' | ')} |`);
      }
    }
    lines.push('');
  }
  const contended = results.runs.flatMap((r) =>
    r.scenarios.filter((s) => s.id === 'checkout_contended' && s.extra).map((s) => ({ r, e: s.extra! })),
  );
  if (contended.length) {
    lines.push(
      '## Oversell check (checkout on the same 10 variants)',
      '',
      '| db | products | stock before | units in orders | 2xx answers | stock after | sold out | oversold or inconsistent variants |',
      '|---|---:|---:|---:|---:|---:|---|---:|',
    );
    for (const { r, e } of contended) {
      lines.push(
        `| ${r.dialect} | ${size(r.size)} | ${e.stock_before} | ${e.units_ordered} | ${e.answers_2xx} | ${e.stock_after} | ${e.sold_out ? 'yes' : 'no'} | ${Number(e.oversold_variants) + Number(e.mismatched_variants)} |`,
      );
    }
    lines.push('');
  }
  lines.push('## Targets (issue 8)', '', '| target | status | measured |', '|---|---|---|');
  for (const t of results.targets) lines.push(`| ${t.target} | ${t.status} | ${t.measured} |`);
  lines.push('');
  const errors = results.runs.filter((r) => r.error);
  if (errors.length) {
    lines.push('## Errors', '');
    for (const r of errors) lines.push(`- ${r.dialect} ${size(r.size)}: ${r.error}`);
    lines.push('');
  }
  return lines.join('\n');
}

/** Writes our section at the top of RESULTS.md, keeping every module section below it. */
export function writeResults(mdFile: string, jsonFile: string, results: BenchResults): void {
  writeFileSync(jsonFile, JSON.stringify(results, null, 2) + '\n');
  const previous = existsSync(mdFile) ? readFileSync(mdFile, 'utf8') : '';
  let rest = previous;
  const end = previous.indexOf(END);
  if (end >= 0) rest = previous.slice(end + END.length);
  else rest = previous.replace(/^# Benchmark results\s*\n/, '');
  writeFileSync(mdFile, `${START}\n${renderMain(results)}\n${END}\n${rest.replace(/^\n+/, '\n')}`);
}

/**
 * Replaces a module's own section of RESULTS.md (`<!-- bench:<name>:start … <!-- bench:<name>:end -->`),
 * or appends it, leaving every other section alone.
 */
export function writeModuleSection(mdFile: string, name: string, section: string): void {
  const current = existsSync(mdFile) ? readFileSync(mdFile, 'utf8') : '';
  const re = new RegExp(`<!-- bench:${name}:start[\\s\\S]*?<!-- bench:${name}:end -->`);
  writeFileSync(mdFile, re.test(current) ? current.replace(re, section) : `${current.trimEnd()}\n\n${section}\n`);
}
