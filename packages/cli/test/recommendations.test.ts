import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RECOMMENDATIONS_REBUILD_JOB, systemContext } from '@emporia/core';
import { afterAll, expect, it } from 'vitest';
import { runEmporia } from '../../../test/support/cli.js';
import { describeEachDatabase } from '../../../test/support/engine.js';

const dir = mkdtempSync(join(tmpdir(), 'emporia-recs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeEachDatabase('emporia recommendations', (env) => {
  const run = (args: string[]) => runEmporia(args, { cwd: dir, env: { DATABASE_URL: env().url } });

  it('refuses to evaluate a shop without orders: one line, exit 1', () => {
    const r = run(['recommendations', 'evaluate']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('emporia: Evaluation needs at least 10 orders; the shop has 0\n');
    const bad = run(['recommendations', 'evaluate', '--k', 'ten']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe("emporia: --k: expected a whole number from 1 to 100, got 'ten'\n");
  });

  it('seeds a catalog and a planted order history, and orders alone into a shop with a catalog', async () => {
    const seeded = run(['seed', '--products', '120', '--orders', '1500', '--seed', '3']);
    expect(seeded.code).toBe(0);
    expect(seeded.stdout).toMatch(/^Seeded 120 products .*\n/);
    expect(seeded.stdout).toMatch(
      /\nSeeded 1500 orders \(\d+ lines\) by 300 customers from \d+ shopping missions in [\d.]+ s\n$/,
    );

    const more = run(['seed', '--orders', '20']);
    expect(more.code).toBe(0);
    // Into a shop that has a catalog, --orders alone adds orders only.
    expect(more.stdout).toMatch(/^Seeded 20 orders \(\d+ lines\) by 4 customers/);
  }, 90_000);

  it('rebuilds with progress on stderr and evaluates above the baseline, as a table or JSON', async () => {
    const rebuilt = run(['recommendations', 'rebuild']);
    expect(rebuilt.code).toBe(0);
    expect(rebuilt.stdout).toMatch(
      /^Rebuilt recommendations from 1520 orders \(\d+ lines\) for 120 products: \d+ rows in [\d.]+ s\n$/,
    );
    // Not a terminal: progress comes as plain lines on stderr.
    expect(rebuilt.stderr).toMatch(/^Rebuilding: \d+\/\d+ rows/m);

    const product = (await env().engine.catalog.listProducts(systemContext(), { page_size: 1 })).results[0];
    const similar = await env().engine.recommendations.forProduct(systemContext(), product.id, { kind: 'similar' });
    expect(similar.results.length).toBeGreaterThan(0);

    const table = run(['recommendations', 'evaluate']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^Trained on 1216 orders, tested on the next 304 \(time split 80\/20\), k = 10\n/);
    expect(table.stdout).toMatch(/\nbought_together model\s+\d+\s+[\d.]+ %/);
    expect(table.stdout).toMatch(/\nfor_me\s+most popular/);

    const json = run(['recommendations', 'evaluate', '--json', '--k', '5']);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as {
      k: number;
      kinds: Array<{ kind: string; model: { hit_rate: number }; baseline: { hit_rate: number } }>;
    };
    expect(report.k).toBe(5);
    const bt = report.kinds.find((k) => k.kind === 'bought_together')!;
    expect(bt.model.hit_rate).toBeGreaterThan(bt.baseline.hit_rate);
  }, 120_000);

  it('rebuilds in the background job, which queues its next run one interval later', async () => {
    const { engine, clock } = env();
    const ctx = systemContext({ clock });
    await engine.jobs.enqueue(ctx, RECOMMENDATIONS_REBUILD_JOB, {}, { createdBy: null });
    await engine.jobs.createRunner().runUntilIdle();
    const [done] = (await engine.jobs.list(ctx, { type: RECOMMENDATIONS_REBUILD_JOB, status: 'succeeded' })).results;
    expect(done.result).toMatchObject({ orders: 1520, products: 120 });
    const [next] = (await engine.jobs.list(ctx, { type: RECOMMENDATIONS_REBUILD_JOB, status: 'queued' })).results;
    expect(Date.parse(next.run_at) - clock.now().getTime()).toBe(engine.config.recommendationsRebuildInterval * 1000);
  });
});
