/**
 * A product's recommendations in the back office, in headless Chromium against `createApp(engine)`
 * over SQLite: the empty state before the first rebuild, then a pair bought together in real orders
 * showing up (and linking to the partner's page) after `engine.recommendations.rebuild`.
 *
 * `DASHBOARD_SCREENSHOTS=1` writes docs/images/product-recommendations.png (docs/dashboard.md shows it).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { systemContext, type Product } from '@emporia/core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PASSWORD, userWithToken, type TestUser } from '../../../test/support/auth.js';
import { createTestEnv } from '../../../test/support/engine.js';
import { NO_RECOMMENDATIONS } from '../src/products/messages.js';
import { ensureDashboardBuilt } from './support/built-app.js';
import { closeBrowserSession, launchChromium, seriousAxeViolations } from './support/browser.js';

const SCREENSHOTS = process.env.DASHBOARD_SCREENSHOTS ? join(import.meta.dirname, '../../../docs/images') : null;

describe('recommendations on the product page in Chromium [sqlite]', { timeout: 90_000 }, () => {
  let env: Awaited<ReturnType<typeof createTestEnv>>;
  let server: Server;
  let base: string;
  let browser: Browser;
  let page: Page;
  let admin: TestUser;
  let tent: Product;
  let mat: Product;
  const pageErrors: string[] = [];

  const system = () => systemContext({ clock: env.clock });
  const product = (name: string, description: string) =>
    env.engine.catalog.createProduct(system(), {
      name,
      description,
      status: 'published',
      price: 4200,
      stock: 50,
      sku: name.toUpperCase().replace(/\W+/g, '-'),
    });
  const region = (name: string) => page.getByRole('region', { name });

  beforeAll(async () => {
    ensureDashboardBuilt();
    if (SCREENSHOTS) mkdirSync(SCREENSHOTS, { recursive: true });
    env = await createTestEnv('sqlite');
    admin = await userWithToken(env, 'admin', { name: 'Ada', email: 'ada@shop.example' });
    const customers = await Promise.all([1, 2, 3].map(() => userWithToken(env, 'customer')));
    tent = await product('Ridge Tent', 'A two person tent for alpine camping');
    mat = await product('Sleeping Mat', 'Foam, rolls up small');
    const kettle = await product('Enamel Kettle', 'For the stove at home');
    const mug = await product('Tea Mug', 'Stoneware');
    // The tent and the mat share three orders; the kettle and the mug share three others.
    for (const customer of customers) {
      await env.engine.orders.placeOrder(customer.ctx, {
        items: [tent, mat].map((p) => ({ variant_id: p.variants[0].id, quantity: 1 })),
      });
      await env.engine.orders.placeOrder(customer.ctx, {
        items: [kettle, mug].map((p) => ({ variant_id: p.variants[0].id, quantity: 1 })),
      });
    }

    server = env.app.listen(0, '127.0.0.1');
    await new Promise<void>((done) => server.once('listening', () => done()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    context.setDefaultTimeout(20_000);
    page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(`pageerror: ${err.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource'))
        pageErrors.push(`console: ${m.text()}`);
    });

    await page.goto(`${base}/admin/`);
    await page.getByLabel('E-mail').fill(admin.user.email);
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Hello, Ada' }).waitFor();
  });

  afterAll(() => closeBrowserSession(browser, server, env));

  it('says why both lists are empty before the first rebuild', async () => {
    await page.goto(`${base}/admin/products/${tent.id}`);
    await page.getByRole('heading', { name: 'Recommendations' }).waitFor();
    for (const name of ['Bought together', 'Similar']) {
      await region(name).getByText(NO_RECOMMENDATIONS).waitFor();
      expect(await region(name).getByRole('link').count()).toBe(0);
    }
    expect(await seriousAxeViolations(page)).toEqual([]);
  });

  it('shows the partner bought together after a rebuild, linking to its page', async () => {
    const rebuilt = await env.engine.recommendations.rebuild(system());
    expect(rebuilt.rows).toBeGreaterThan(0);
    await page.reload();
    const together = region('Bought together');
    const partner = together.getByRole('link', { name: 'Sleeping Mat' });
    await partner.waitFor();
    // The kettle and the mug were never in an order with the tent.
    expect(await together.getByRole('link').allTextContents()).not.toContain('Enamel Kettle');
    expect(await together.getByRole('link').allTextContents()).not.toContain('Ridge Tent');
    expect(await together.getByText(NO_RECOMMENDATIONS).count()).toBe(0);
    expect(await seriousAxeViolations(page)).toEqual([]);
    if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, 'product-recommendations.png'), fullPage: true });

    await partner.click();
    await page.getByRole('heading', { name: 'Sleeping Mat', level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/admin/products/${mat.id}`);
    await region('Bought together').getByRole('link', { name: 'Ridge Tent' }).waitFor();
    expect(pageErrors).toEqual([]);
  });
});
