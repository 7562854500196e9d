import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SIGNATURE_HEADER, signWebhook, systemContext } from '@emporia/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEmporia } from '../../test/support/cli.js';
import { describeEachDatabase, testConfig } from '../../test/support/engine.js';
import { ApiProblem, createShopClient, storefrontWalk } from './client.js';
import { TYPES_FILES, generateTypes } from './generate.js';

describe('examples/typed-client types', () => {
  it('are what openapi-typescript makes of `emporia openapi` now, here and in the dashboard (regenerate with generate.ts when this fails)', async () => {
    const printed = runEmporia(['openapi'], { cwd: mkdtempSync(join(tmpdir(), 'emporia-openapi-')) });
    expect(printed.stderr).toBe('');
    expect(printed.code).toBe(0);
    const types = await generateTypes(printed.stdout);
    for (const file of TYPES_FILES) expect(readFileSync(file, 'utf8'), file).toBe(types);
  });
});

describeEachDatabase('examples/typed-client against a running server', (env) => {
  let server: Server;
  let baseUrl: string;
  beforeAll(async () => {
    server = env().app.listen(0, '127.0.0.1');
    await new Promise<void>((done) => server.once('listening', () => done()));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await env().engine.catalog.createProduct(systemContext(), {
      name: 'Typed teapot',
      status: 'published',
      price: 3200,
      stock: 4,
    });
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  it('walks register → browse → cart → order → pay, and the signed gateway callback marks the order paid', async () => {
    const shop = createShopClient(baseUrl);
    const customer = { email: `typed-${env().dialect}@example.com`, password: 'typed client password', name: 'Typed' };
    const { order, payment } = await storefrontWalk(shop, customer, 'teapot');
    expect(order).toMatchObject({ status: 'pending', total: 6400, currency: 'USD' });
    expect(order.items).toEqual([expect.objectContaining({ name: 'Typed teapot', quantity: 2, line_total: 6400 })]);
    expect(payment).toMatchObject({ order_id: order.id, provider: 'hosted', status: 'pending', amount: 6400 });
    expect(payment.checkout_url).toMatch(/^https:\/\//);

    // The hosted gateway's callback, signed as the README's payments section describes.
    const body = JSON.stringify({ reference: payment.reference, status: 'succeeded', amount: 6400 });
    const t = Math.floor(env().clock.now().getTime() / 1000);
    const callback = await fetch(`${baseUrl}/api/payments/webhooks/hosted`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        [SIGNATURE_HEADER]: signWebhook(testConfig().paymentWebhookSecret!, body, t),
      },
      body,
    });
    expect(callback.status).toBe(200);
    expect((await shop.order(order.id)).status).toBe('paid');
  });

  it('surfaces problems as ApiProblem with the typed problem body', async () => {
    const shop = createShopClient(baseUrl);
    const failed = await shop.order('0190f0e0-0000-7000-8000-000000000000').catch((err: unknown) => err);
    expect(failed).toBeInstanceOf(ApiProblem);
    expect((failed as ApiProblem).problem).toMatchObject({
      status: 401,
      type: 'https://emporia.dev/problems/unauthorized',
    });
    const taken = await shop
      .register(`typed-${env().dialect}@example.com`, 'typed client password', 'Again')
      .catch((err: unknown) => err);
    expect((taken as ApiProblem).problem.status).toBe(409);
  });
});
