import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  importErrorMessage,
  MAX_IMPORT_BYTES,
  PRODUCT_IMPORT_JOB,
  systemContext,
  type ProductImportResult,
} from '@emporia/core';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { userWithToken } from '../../../test/support/auth.js';
import { describeEachDatabase } from '../../../test/support/engine.js';

const sample = readFileSync(join(import.meta.dirname, '../../../docs/products-sample.csv'), 'utf8');

describeEachDatabase('POST /api/products/import', (env) => {
  const jobCount = async (ctx: ReturnType<typeof systemContext>) =>
    Object.values(await env().engine.jobs.counts(ctx)).reduce((a, b) => a + b, 0);
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
    expect(result).toEqual({ rows: 6, created: 5, updated: 1, failed: 0, errors: [] });
    expect(progress).toEqual({ done: 6, total: 6 });
    const ctx = systemContext({ clock: env().clock });
    const red = (await env().engine.catalog.listProducts(ctx, { q: 'MUG-RED' })).results[0];
    expect(red).toMatchObject({ name: 'Red mug', price: 1199, stock: 40, status: 'published' });
    const tee = (await env().engine.catalog.listProducts(ctx, { q: 'TEE-S', status: 'draft' })).results[0];
    expect(tee).toMatchObject({ name: 'T-shirt "Classic" (S)', description: 'Organic cotton.\nMachine washable.' });
    const mugs = await env().engine.catalog.getCategory(ctx, 'mugs');
    expect(red.category_id).toBe(mugs.id);
    expect((await env().engine.catalog.getCategory(ctx, 'kitchen')).id).toBe(mugs.parent_id);
    const tent = await env().engine.catalog.getProduct(ctx, 'tent-2p');
    expect(tent).toMatchObject({ name: 'Two-person tent', price: 18900, stock: 7 });
    expect(tent.variants.map((v) => v.options.colour)).toEqual(['green', 'red']);

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

  it('rejects a header with unknown or missing columns with a 400, before any job exists', async () => {
    const staff = await userWithToken(env(), 'staff');
    const customer = await userWithToken(env(), 'customer');
    const ctx = systemContext({ clock: env().clock });
    const jobsBefore = await jobCount(ctx);

    const post = (headers: Record<string, string>, type: string, body: string) =>
      request(env().app).post('/api/products/import').set(headers).set('Content-Type', type).send(body);
    const unknown = await post(staff.headers, 'text/csv', 'sku,colour\nX,red\n');
    expect(unknown.status).toBe(400);
    expect(unknown.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(unknown.body.errors[0].message).toMatch(/unknown column\(s\) colour/);
    const noSku = await post(staff.headers, 'text/csv', 'name,price\nMug,100\n');
    expect(noSku.status).toBe(400);
    expect(noSku.body.errors[0].message).toMatch(/no sku column/);
    const multipartUnknown = await request(env().app)
      .post('/api/products/import')
      .set(staff.headers)
      .attach('file', Buffer.from('sku,colour\nX,red\n'), { filename: 'products.csv', contentType: 'text/csv' });
    expect(multipartUnknown.status).toBe(400);
    expect(await jobCount(ctx)).toBe(jobsBefore);

    expect((await post(customer.headers, 'text/csv', sample)).status).toBe(403);
    expect((await post({}, 'text/csv', sample)).status).toBe(401);
    expect((await post(staff.headers, 'text/csv', '  \n')).status).toBe(400);
    expect((await post(staff.headers, 'application/xml', '<a/>')).status).toBe(415);
  });

  it('a job that finds a file-level error ends dead with the reason, not succeeded', async () => {
    // A job queued some other way (an older server, the library) still fails as a whole.
    const ctx = systemContext({ clock: env().clock });
    const job = await env().engine.jobs.enqueue(
      ctx,
      PRODUCT_IMPORT_JOB,
      { csv: 'sku,colour\nX,red\n' },
      { maxAttempts: 3 },
    );
    await env().engine.jobs.createRunner().runUntilIdle();
    const after = await env().engine.jobs.get(ctx, job.id);
    expect(after).toMatchObject({ status: 'dead', attempts: 1, result: null });
    expect(after.last_error).toMatch(/unknown column\(s\) colour/);
  });

  it('accepts a multipart upload in the field file, as curl -F sends it', async () => {
    const staff = await userWithToken(env(), 'staff');
    const csv =
      'sku,name,price,stock,status\nUP-1,Uploaded mug,1299,5,published\nUP-2,Uploaded cup,899,3,draft\nUP-1,,,6,\n';
    const res = await request(env().app)
      .post('/api/products/import')
      .set(staff.headers)
      .attach('file', Buffer.from(csv), { filename: 'products.csv', contentType: 'text/csv' });
    expect(res.status).toBe(202);
    expect(res.headers.location).toBe(`/api/jobs/${res.body.id}`);
    await env().engine.jobs.createRunner().runUntilIdle();
    const job = await request(env().app).get(`/api/jobs/${res.body.id}`).set(staff.headers);
    expect(job.body).toMatchObject({ status: 'succeeded', result: { rows: 3, created: 2, updated: 1, failed: 0 } });
    const ctx = systemContext({ clock: env().clock });
    const red = (await env().engine.catalog.listProducts(ctx, { q: 'UP-1' })).results[0];
    expect(red).toMatchObject({ name: 'Uploaded mug', price: 1299, stock: 6 });
  });

  it('refuses a multipart body without the field file, with other fields, or too large', async () => {
    const staff = await userWithToken(env(), 'staff');
    const ctx = systemContext({ clock: env().clock });
    const jobsBefore = await jobCount(ctx);
    const upload = () => request(env().app).post('/api/products/import').set(staff.headers);

    const noFile = await upload().field('note', 'hello');
    expect(noFile.status).toBe(400);
    expect(noFile.headers['content-type']).toMatch(/application\/problem\+json/);
    const wrongName = await upload().attach('csv', Buffer.from(sample), 'products.csv');
    expect(wrongName.status).toBe(400);
    expect(wrongName.body.detail).toMatch(/field 'file'/);
    const extra = await upload().field('mode', 'replace').attach('file', Buffer.from(sample), 'products.csv');
    expect(extra.status).toBe(400);
    const empty = await request(env().app)
      .post('/api/products/import')
      .set(staff.headers)
      .set('Content-Type', 'multipart/form-data; boundary=xyz')
      .send('--xyz--\r\n');
    expect(empty.status).toBe(400);

    const big = Buffer.alloc(MAX_IMPORT_BYTES + 1024, 'a');
    big.write('sku,name\n');
    const oversize = await upload().attach('file', big, 'products.csv');
    expect(oversize.status).toBe(413);
    expect(oversize.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(await jobCount(ctx)).toBe(jobsBefore);
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
