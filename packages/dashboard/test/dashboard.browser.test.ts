/**
 * The back office in a real browser: headless Chromium (Debian's) driven by playwright-core against
 * a real `createApp(engine)` on an ephemeral port over SQLite. The flows run in order on one admin
 * page, as a merchant would work; every screen visited is checked with axe-core.
 *
 * `DASHBOARD_SCREENSHOTS=1` also writes the main screens to docs/images/ (docs/dashboard.md shows them).
 */
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { systemContext } from '@emporia/core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PASSWORD, userWithToken, type TestUser } from '../../../test/support/auth.js';
import { createTestEnv } from '../../../test/support/engine.js';
import { NO_ACCESS_MESSAGE } from '../src/session/messages.js';
import { ensureDashboardBuilt } from './support/built-app.js';
import { closeBrowserSession, launchChromium, seriousAxeViolations, type AxeViolation } from './support/browser.js';

const SCREENSHOTS = process.env.DASHBOARD_SCREENSHOTS ? join(import.meta.dirname, '../../../docs/images') : null;
// Generous: the suite shares two cores with the rest of `npm test`; the flows themselves take ~25 s.
const FLOW_TIMEOUT = 90_000;

describe('the back office in Chromium [sqlite]', { timeout: FLOW_TIMEOUT }, () => {
  let env: Awaited<ReturnType<typeof createTestEnv>>;
  let server: Server;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let admin: TestUser;
  let customer: TestUser;
  const axeFindings: Record<string, AxeViolation[]> = {};
  const pageErrors: string[] = [];
  let productId = '';
  let smallVariantId = '';

  /** axe on the screen as it is now, kept under its name; asserted empty at the end. */
  async function checkAccessibility(name: string, on: Page = page): Promise<void> {
    axeFindings[name] = await seriousAxeViolations(on);
  }
  async function screenshot(name: string, on: Page = page): Promise<void> {
    if (SCREENSHOTS) await on.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  }
  function watch(p: Page): void {
    p.on('pageerror', (err) => pageErrors.push(`pageerror: ${err.message}`));
    // The API's 4xx answers are part of the flows (a refused sign-in, field errors); any other failed
    // load is not. Chromium logs each failed load to the console too, so those lines are left out.
    p.on('response', (r) => {
      if (r.status() >= 400 && !new URL(r.url()).pathname.startsWith('/api/'))
        pageErrors.push(`${r.status()} ${r.url()}`);
    });
    p.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource'))
        pageErrors.push(`console: ${m.text()}`);
    });
  }
  async function signIn(p: Page, email: string, password = TEST_PASSWORD): Promise<void> {
    await p.goto(`${base}/admin/`);
    await p.getByLabel('E-mail').fill(email);
    await p.getByLabel('Password').fill(password);
    await p.getByRole('button', { name: 'Sign in' }).click();
  }
  const api = (path: string, init: RequestInit = {}) => fetch(`${base}${path}`, init);

  beforeAll(async () => {
    ensureDashboardBuilt();
    if (SCREENSHOTS) mkdirSync(SCREENSHOTS, { recursive: true });
    env = await createTestEnv('sqlite');
    env.engine.jobs.createRunner({ pollIntervalMs: 100 }).start(); // CSV imports run while the page watches
    admin = await userWithToken(env, 'admin', { name: 'Ada', email: 'ada@shop.example' });
    customer = await userWithToken(env, 'customer', { email: 'carl@customer.example' });

    server = env.app.listen(0, '127.0.0.1');
    await new Promise<void>((done) => server.once('listening', () => done()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    context.setDefaultTimeout(20_000);
    page = await context.newPage();
    watch(page);
  });

  afterAll(() => closeBrowserSession(browser, server, env));

  it('refuses a customer with a clear message, then signs an admin in to the home page', async () => {
    await signIn(page, customer.user.email);
    await expect.poll(() => page.getByRole('alert').textContent()).toContain(NO_ACCESS_MESSAGE);
    await checkAccessibility('sign-in');
    await screenshot('sign-in');

    await signIn(page, admin.user.email);
    await page.getByRole('heading', { name: 'Hello, Ada' }).waitFor();
    await page.getByText('Every published product is in stock.').waitFor();
    await checkAccessibility('home');
  });

  it('shows the API’s field errors beside the fields, then creates a product with two variants', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Products' }).click();
    await page.getByRole('link', { name: 'New product' }).click();
    await page.getByLabel('Price (USD)').fill('24.50');
    await page.getByRole('button', { name: 'Create product' }).click();
    // The API answered 400 with errors[] naming body.name and body.variants.0.sku.
    await expect.poll(() => page.getByLabel('Name', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    await expect.poll(() => page.getByLabel('SKU').getAttribute('aria-invalid')).toBe('true');

    await page.getByLabel('Name', { exact: true }).fill('Harbour tee');
    await page.getByLabel('Description').fill('Heavy cotton, made to last.');
    await page.getByRole('button', { name: 'Add option' }).click();
    await page.getByLabel('Option 1 name').fill('Size');
    await page.getByLabel('Option 1 values').fill('S, M');
    for (const [size, stock] of [
      ['S', '3'],
      ['M', '7'],
    ] as const) {
      await page.getByLabel(`SKU of ${size}`).fill(`TEE-${size}`);
      await page.getByLabel(`Price of ${size} (USD)`).fill('24.50');
      await page.getByLabel(`Stock of ${size}`).fill(stock);
    }
    await checkAccessibility('product-new');
    await screenshot('product-new');
    await page.getByRole('button', { name: 'Create product' }).click();
    await page.getByRole('heading', { name: 'Harbour tee' }).waitFor();
    productId = page.url().split('/').pop()!;
    const product = await env.engine.catalog.getProduct(systemContext(), productId);
    expect(product.variants.map((v) => [v.sku, v.price, v.stock])).toEqual([
      ['TEE-S', 2450, 3],
      ['TEE-M', 2450, 7],
    ]);
    smallVariantId = product.variants.find((v) => v.sku === 'TEE-S')!.id;
  });

  it('adjusts stock with a reason, shows the movement log, publishes, and the storefront API sees it', async () => {
    await page.getByRole('button', { name: 'Stock of TEE-S' }).click();
    await page.getByLabel('Change by').fill('5');
    await page.getByLabel('Reason').fill('delivery');
    await page.getByRole('button', { name: 'Adjust stock' }).click();
    await page.getByRole('cell', { name: '+5', exact: true }).waitFor();
    await page.getByRole('cell', { name: 'delivery', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Publish' }).click();
    await page.getByRole('button', { name: 'Unpublish' }).waitFor();
    await checkAccessibility('product');
    await screenshot('product');

    const storefront = (await (await api('/api/products?q=harbour')).json()) as {
      results: Array<{ id: string; status: string; stock: number; variants: Array<{ sku: string; stock: number }> }>;
    };
    expect(storefront.results).toEqual([
      expect.objectContaining({
        id: productId,
        status: 'published',
        stock: 15,
        variants: [
          expect.objectContaining({ sku: 'TEE-S', stock: 8 }),
          expect.objectContaining({ sku: 'TEE-M', stock: 7 }),
        ],
      }),
    ]);
  });

  it('keeps list filters in the URL, and the back button undoes them', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Products' }).click();
    await page.getByRole('link', { name: 'Harbour tee' }).waitFor();
    await page.getByLabel('Status').selectOption('archived');
    await expect.poll(() => new URL(page.url()).searchParams.get('status')).toBe('archived');
    await page.getByText('No products match.').waitFor();
    await page.goBack();
    await expect.poll(() => new URL(page.url()).searchParams.get('status')).toBe(null);
    await page.getByRole('link', { name: 'Harbour tee' }).waitFor();
    expect(await page.getByLabel('Status').inputValue()).toBe('');
    await checkAccessibility('products');
    await screenshot('products');
  });

  it('announces a new order live, moves it to shipped, and the access token refreshes itself on the way', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Orders' }).click();
    await page.getByRole('heading', { name: 'Orders' }).waitFor();
    const placed = await api('/api/orders', {
      method: 'POST',
      headers: { ...customer.headers, 'Content-Type': 'application/json' },
      body: JSON.stringify({ items: [{ variant_id: smallVariantId, quantity: 2 }] }),
    });
    expect(placed.status).toBe(201);
    const order = (await placed.json()) as { id: string; number: string };
    const toast = page.getByRole('status').filter({ hasText: `New order ${order.number}: $49.00` });
    await toast.waitFor();
    await page.getByRole('link', { name: order.number }).waitFor(); // the list refreshed itself

    // Five minutes on, the server finds the access token expired: one refresh, the request retried.
    const refreshes: string[] = [];
    page.on('request', (r) => {
      if (r.url().endsWith('/api/auth/token/refresh')) refreshes.push(r.url());
    });
    env.clock.advance(6 * 60_000);
    await toast.getByRole('link', { name: 'Open' }).click();
    await page.getByRole('heading', { name: `Order ${order.number}` }).waitFor();
    expect(refreshes).toHaveLength(1);

    await page.getByRole('button', { name: 'Mark as paid' }).click();
    await page.getByRole('button', { name: 'Mark as shipped' }).click();
    await page.getByRole('button', { name: 'Mark as delivered' }).waitFor();
    expect(await page.getByRole('button', { name: 'Cancel order' }).count()).toBe(0); // shipped: no cancel
    expect((await env.engine.orders.getOrder(systemContext(), order.id)).status).toBe('shipped');
    await checkAccessibility('order');
    await screenshot('order');
  });

  it('refunds a unit of a paid order back into stock from the order page', async () => {
    // The tokens made at the start expired with the clock: the order and its payment go through the library.
    const { order } = await env.engine.orders.placeOrder(customer.ctx, {
      items: [{ variant_id: smallVariantId, quantity: 2 }],
    });
    const payment = await env.engine.payments.createPayment(customer.ctx, order.id, { provider: 'manual' });
    await env.engine.payments.confirmPayment(systemContext(), payment.id);

    await page.goto(`${base}/admin/orders/${order.id}`);
    await page.getByRole('heading', { name: `Order ${order.number}` }).waitFor();
    await page.getByText('Refund', { exact: true }).first().click();
    const form = page.getByRole('form', { name: 'Refund' });
    await form.getByLabel(/^Units of /).fill('1');
    await form.getByLabel('Return these units to stock').check();
    await form.getByLabel('Reason').fill('arrived broken');
    await form.getByRole('button', { name: 'Refund' }).click();
    await page.getByRole('status').filter({ hasText: 'Refund of $24.50 is completed' }).waitFor();
    await page.getByText('1 × ').first().waitFor();
    const refunds = await env.engine.payments.listRefunds(systemContext(), order.id);
    expect(refunds).toMatchObject([{ amount: 2450, restock: true, reason: 'arrived broken', status: 'completed' }]);
    expect((await env.engine.orders.getOrder(systemContext(), order.id)).status).toBe('partially_refunded');
    await checkAccessibility('order-refund');
  });

  it('defines a role that cannot delete products, adds a staff member with it, and their screen has no delete', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Roles' }).click();
    await page.getByText('Define a role').click();
    const define = page.getByRole('form', { name: 'Define a role' });
    await define.getByLabel('Role name').fill('clerk');
    await define.getByLabel('Description').fill('Counts stock');
    await define.getByLabel('See draft and archived products').check();
    await define.getByLabel('Adjust stock').check();
    await define.getByLabel('Sign in to this back office').check();
    await define.getByRole('button', { name: 'Create role' }).click();
    await page.getByRole('heading', { name: 'clerk' }).waitFor();
    await checkAccessibility('roles');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Customers & staff' }).click();
    await page.getByText('Add a staff member').click();
    const form = page.getByRole('form', { name: 'Add a staff member' });
    await form.getByLabel('E-mail').fill('clerk@example.test');
    await form.getByLabel('Name').fill('Cleo Clerk');
    await form.getByLabel('Role').selectOption('clerk');
    await form.getByLabel('First password').fill('clerk password 1');
    await form.getByRole('button', { name: 'Add staff member' }).click();
    await page.getByRole('status').filter({ hasText: 'Added clerk@example.test as clerk' }).waitFor();
    await checkAccessibility('users');
    await screenshot('users');

    const clerkContext = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const clerkPage = await clerkContext.newPage();
    watch(clerkPage);
    await signIn(clerkPage, 'clerk@example.test', 'clerk password 1');
    await clerkPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Products' }).click();
    await clerkPage.getByRole('link', { name: 'Harbour tee' }).click();
    await clerkPage.getByRole('heading', { name: 'Harbour tee' }).waitFor();
    await clerkPage.getByRole('button', { name: 'Stock of TEE-S' }).waitFor();
    expect(await clerkPage.getByRole('button', { name: 'Delete product' }).count()).toBe(0);
    expect(await clerkPage.getByRole('link', { name: 'New product' }).count()).toBe(0);
    expect(await clerkPage.getByRole('link', { name: 'Roles' }).count()).toBe(0);
    await checkAccessibility('product-as-clerk', clerkPage);
    await clerkContext.close();

    // And the server refuses it whatever the screen shows.
    const login = await api('/api/auth/token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: 'clerk@example.test', password: 'clerk password 1' }),
    });
    const { access } = (await login.json()) as { access: string };
    const deleted = await api(`/api/products/${productId}`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${access}` },
    });
    expect(deleted.status).toBe(403);
  });

  it('imports a CSV and the progress bar runs to the end with the result', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Products' }).click();
    await page.getByRole('link', { name: 'Import CSV' }).click();
    const rows = Array.from({ length: 250 }, (_, i) => `CSV-${i},Imported item ${i},,draft,${1000 + i},,${i % 7}`);
    await page.getByLabel('CSV file').setInputFiles({
      name: 'products.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(['sku,name,description,status,price,currency,stock', ...rows, 'BAD,,,,,,'].join('\n')),
    });
    await page.getByRole('button', { name: 'Import' }).click();
    await page.getByText('250 created, 0 updated, 1 failed of 251 rows.').waitFor({ timeout: 30_000 });
    const bar = page.locator('progress');
    expect([await bar.getAttribute('value'), await bar.getAttribute('max')]).toEqual(['251', '251']);
    await page.getByRole('cell', { name: 'BAD' }).waitFor();
    await checkAccessibility('import');
    await screenshot('import');
  });

  it('builds the category tree: create, move by renaming into a parent, delete with reassign', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Categories' }).click();
    const create = page.getByRole('form', { name: 'New category' });
    for (const name of ['Apparel', 'Shirts', 'Outlet']) {
      await create.getByLabel('New category').fill(name);
      await create.getByRole('button', { name: 'Create category' }).click();
      await page.getByRole('button', { name: `Delete ${name}` }).waitFor();
    }
    await page.getByRole('button', { name: 'Rename or move Shirts' }).click();
    const change = page.getByRole('form', { name: 'Change Shirts' });
    await change.getByLabel('Name').fill('Tops');
    await change.getByLabel('Inside').selectOption({ label: 'Apparel' });
    await change.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('button', { name: 'Delete Tops' }).waitFor();
    await checkAccessibility('categories');
    await screenshot('categories');

    await page.getByRole('button', { name: 'Delete Apparel' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete Apparel?' });
    await dialog.getByLabel('Move its contents to').selectOption({ label: 'Outlet' });
    await checkAccessibility('category-delete');
    await dialog.getByRole('button', { name: 'Delete Apparel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const tree = await env.engine.catalog.listCategories(systemContext());
    const outlet = tree.find((c) => c.name === 'Outlet')!;
    expect(tree.map((c) => [c.name, c.parent_id])).toEqual(
      expect.arrayContaining([
        ['Outlet', null],
        ['Tops', outlet.id],
      ]),
    );
    expect(tree.some((c) => c.name === 'Apparel')).toBe(false);
  });

  it('subscribes a webhook and lists jobs', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Webhooks' }).click();
    await page.getByText('Subscribe a URL').click();
    await page.getByLabel('URL', { exact: true }).fill('https://hooks.example.test/emporia');
    await page.getByRole('button', { name: 'Subscribe' }).click();
    await page.getByText('Signing secret (shown once, keep it now)').waitFor();
    await page.getByRole('link', { name: 'https://hooks.example.test/emporia' }).click();
    await page.getByRole('heading', { name: 'Latest deliveries' }).waitFor();
    await checkAccessibility('webhook');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Jobs' }).click();
    await page.getByRole('cell', { name: 'import.products' }).waitFor();
    await checkAccessibility('jobs');
    await screenshot('jobs');
  });

  it('works at 390 px: the menu folds behind a button and nothing overflows sideways', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${base}/admin/`);
    await page.getByRole('heading', { name: 'Hello, Ada' }).waitFor();
    await page.getByText('Every published product is in stock.').waitFor();
    const nav = page.getByRole('navigation', { name: 'Main' });
    expect(await nav.isVisible()).toBe(false);
    await page.getByRole('button', { name: 'Menu' }).click();
    await nav.getByRole('link', { name: 'Orders' }).click();
    await page.getByRole('heading', { name: 'Orders' }).waitFor();
    expect(await nav.isVisible()).toBe(false);
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await checkAccessibility('orders-390');
    await screenshot('orders-phone');
    await page.setViewportSize({ width: 1280, height: 860 });
    await page.goto(`${base}/admin/`);
    await page.getByRole('heading', { name: 'Hello, Ada' }).waitFor();
    await page.getByRole('img', { name: /Revenue per day/ }).waitFor();
    await screenshot('home');
  });

  it('signs out, and the server has revoked the refresh token', async () => {
    const refresh = await page.evaluate(`sessionStorage.getItem('emporia.dashboard.refresh')`);
    expect(refresh).toBeTruthy();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    const again = await api('/api/auth/token/refresh', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ refresh }),
    });
    expect(again.status).toBe(401);
  });

  it('found no serious accessibility violation on any screen, and no script error', () => {
    expect(Object.keys(axeFindings).length).toBeGreaterThanOrEqual(14);
    expect(Object.fromEntries(Object.entries(axeFindings).filter(([, v]) => v.length > 0))).toEqual({});
    expect(pageErrors).toEqual([]);
  });
});
