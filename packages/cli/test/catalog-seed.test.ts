import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { anonymousContext, systemContext } from '@emporia/core';
import { pino } from 'pino';
import { afterAll, expect, it } from 'vitest';
import { startupTasks } from '../src/startup.js';
import { runEmporia } from '../../../test/support/cli.js';
import { createTestEnv, describeEachDatabase } from '../../../test/support/engine.js';

const dir = mkdtempSync(join(tmpdir(), 'emporia-seed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeEachDatabase('emporia seed', (env) => {
  it('generates a searchable catalog with a category tree and variants, and prints one summary line', async () => {
    const r = runEmporia(['seed', '--products', '1200', '--seed', '7', '--batch-size', '500'], {
      cwd: dir,
      env: { DATABASE_URL: env().url },
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // Not a terminal: no progress bar, just the summary.
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toMatch(/^Seeded 1200 products \(\d+ variants\) in \d+ categories in [\d.]+ s/);

    const { catalog } = env().engine;
    const all = await catalog.listProducts(systemContext(), { page_size: 100 });
    expect(all.kind === 'page' && all.count).toBe(1200);
    const tree = await catalog.categoryTree(anonymousContext());
    expect(tree.length).toBeGreaterThan(3);
    expect(tree.every((c) => c.children.length > 0)).toBe(true);
    const multi = all.results.find((p) => p.variants.length > 1)!;
    expect(multi.price).toBe(Math.min(...multi.variants.map((v) => v.price)));
    // The search index was built with the rows.
    const word = multi.name.split(' ')[1];
    const found = await catalog.listProducts(systemContext(), { q: word, page_size: 100 });
    expect(found.kind === 'page' && found.count).toBeGreaterThan(0);
    expect(found.results.every((p) => `${p.name} ${p.description}`.includes(word))).toBe(true);
    // A sub-category filter finds the products filed under it.
    const leaf = tree[0].children[0];
    const inLeaf = await catalog.listProducts(anonymousContext(), { category: leaf.slug, page_size: 100 });
    expect(inLeaf.results.every((p) => p.category_id === leaf.id && p.status === 'published')).toBe(true);
  });

  it('refuses a bad size with one line and exit code 1', () => {
    const r = runEmporia(['seed', '--products', 'lots'], { cwd: dir, env: { DATABASE_URL: env().url } });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe("emporia: --products: expected a whole number, got 'lots'");
  });
});

it('seeds a demo catalog at serve start with SEED_DEMO=true, only into an empty shop', async () => {
  const env = await createTestEnv('sqlite', { seedDemo: true });
  try {
    const logger = pino({ level: 'silent' });
    await startupTasks(env.engine, logger);
    const first = await env.engine.catalog.listProducts(systemContext(), {});
    expect(first.kind === 'page' && first.count).toBe(60);
    await startupTasks(env.engine, logger);
    const second = await env.engine.catalog.listProducts(systemContext(), {});
    expect(second.kind === 'page' && second.count).toBe(60);
  } finally {
    await env.close();
  }
});
