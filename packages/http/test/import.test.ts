import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { importErrorMessage, systemContext, type ProductImportResult } from '@emporia/core';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { userWithToken } from '../../../test/support/auth.js';
import { describeEachDatabase } from '../../../test/support/engine.js';

const sample = readFileSync(join(import.meta.dirname, '../../../docs/products-sample.csv'), 'utf8');

describeEachDatabase('POST /api/products/import', (env) => {
  async function importCsv(csv: string, headers: Record<string, string>) {
    const res = await request(env().app)
      .post('/api/products/import')
      .set(headers)
      .set('Content-Type', 'text/csv')
      .send(csv);
    expect(res.status).toBe(202);
    expect(res.headers.location).toBe(`/api/jobs/${res.body.id}`);
    await env().engine.jobs.createRunner().runUntilIdle();
    const job = await request(env().app).get(`/api/jobs/${res.body.id}`).set(headers);
    expect(job.body.status).toBe('succeeded');
    return job.body as { result: ProductImportResult; progress: { done: number; total: number } };
  }

  it('imports the documented sample: creates, then updates by SKU', async () => {
    const staff = await userWithToken(env(), 'staff');
    const { result, progress } = await importCsv(sample, staff.headers);
    expect(result).toEqual({ rows: 4, created: 3, updated: 1, failed: 0, errors: [] });
    expect(progress).toEqual({ done: 4, total: 4 });
    const ctx = systemContext({ clock: env().clock });
    const red = (await env().engine.catalog.listProducts(ctx, { q: 'MUG-RED' })).results[0];
    expect(red).toMatchObject({ name: 'Red mug', price: 1199, stock: 40, status: 'published' });
    const tee = (await env().engine.catalog.listProducts(ctx, { q: 'TEE-S', status: 'draft' })).results[0];
    expect(tee).toMatchObject({ name: 'T-shirt "Classic" (S)', description: 'Organic cotton.\nMachine washable.' });

    const again = await importCsv('sku,stock,status\nMUG-RED,7,archived\n', staff.headers);
    expect(again.result).toMatchObject({ created: 0, updated: 1, failed: 0 });
    const after = await env().engine.catalog.getProduct(ctx, red.id);
    expect(after).toMatchObject({ stock: 7, status: 'archived', price: 1199 });
  });

  it('reports each bad row with its line and reason and imports the rest', async () => {
    const staff = await userWithToken(env(), 'staff');
    const csv = [
      'sku,name,price,stock,status',
      'OK-1,Fine,100,1,published', // line 2
      'NEW-NO-NAME,,100,1,published', // 3: a new SKU needs a name
      'BAD-PRICE,Thing,12.50,1,draft', // 4
      'BAD-STATUS,Thing,100,1,sold-out', // 5
      'EXTRA,Thing,100,1,draft,surplus', // 6: one cell too many
      ',Nameless,100,1,draft', // 7: no SKU
      'OK-2,Also fine,200,2,draft', // 8
    ].join('\n');
    const { result } = await importCsv(csv, staff.headers);
    expect(result).toMatchObject({ rows: 7, created: 2, updated: 0, failed: 5 });
    expect(result.errors.map((e) => e.line)).toEqual([3, 4, 5, 6, 7]);
    expect(result.errors[0]).toMatchObject({ sku: 'NEW-NO-NAME', message: 'a new SKU needs a name' });
    expect(result.errors[1].message).toMatch(/price .* whole number/);
    expect(result.errors[2].message).toMatch(/draft|published|archived/);
    expect(result.errors[4].message).toMatch(/sku is required/);
  });

  it('rejects a file with unknown columns as a whole, and bad requests up front', async () => {
    const staff = await userWithToken(env(), 'staff');
    const customer = await userWithToken(env(), 'customer');
    const { result } = await importCsv('sku,colour\nX,red\n', staff.headers);
    expect(result).toMatchObject({
      created: 0,
      failed: 1,
      errors: [{ line: 1, message: expect.stringMatching(/unknown column\(s\) colour/) }],
    });

    const post = (headers: Record<string, string>, type: string, body: string) =>
      request(env().app).post('/api/products/import').set(headers).set('Content-Type', type).send(body);
    expect((await post(customer.headers, 'text/csv', sample)).status).toBe(403);
    expect((await post({}, 'text/csv', sample)).status).toBe(401);
    expect((await post(staff.headers, 'text/csv', '  \n')).status).toBe(400);
    expect((await post(staff.headers, 'application/xml', '<a/>')).status).toBe(415);
  });

  it('imports 10,000 rows with 3 bad ones', { timeout: 300_000 }, async () => {
    const staff = await userWithToken(env(), 'staff');
    const bad = new Set([1234, 5000, 9999]);
    const lines = ['sku,name,price,stock,status'];
    for (let i = 1; i <= 10_000; i++) {
      lines.push(
        bad.has(i)
          ? `BULK-${i},Item ${i},not-a-price,1,published`
          : `BULK-${i},Item ${i},${100 + i},${i % 50},published`,
      );
    }
    const started = Date.now();
    const { result, progress } = await importCsv(lines.join('\n') + '\n', staff.headers);
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `[${env().dialect}] import: 10000 rows in ${seconds.toFixed(1)} s (${Math.round(10_000 / seconds)} rows/s)`,
    );
    expect(result).toMatchObject({ rows: 10_000, created: 9_997, updated: 0, failed: 3 });
    expect(result.errors.map((e) => [e.line, e.sku])).toEqual([
      [1235, 'BULK-1234'],
      [5001, 'BULK-5000'],
      [10_000, 'BULK-9999'],
    ]);
    expect(progress).toEqual({ done: 10_000, total: 10_000 });
  });
});

describe('import row errors', () => {
  it('show staff the database’s reason, never the SQL statement', () => {
    const pg = new Error(
      'insert into "products" ("id", "name") values ($1, $2) - duplicate key value violates unique constraint "products_slug_unique"',
    );
    expect(importErrorMessage(pg)).toBe('duplicate key value violates unique constraint "products_slug_unique"');
    expect(importErrorMessage(new Error('update `product_variants` set `stock` = ?'))).toBe(
      'the database refused the row',
    );
    expect(importErrorMessage(new Error('sku is required'))).toBe('sku is required');
  });
});
