// `TSX_TSCONFIG_PATH=tsconfig.tests.json node --import tsx bench/dashboard.ts [--products 100000] [--runs 5]`:
// the back office's budgets.
// First load of /admin (cold: a new browser context each time), the JavaScript it ships (gzipped),
// and how long the product list of a large catalog takes to be interactive after navigating to it,
// in headless Chromium against createApp over SQLite. Writes the "Dashboard" section of RESULTS.md.
import { readdirSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { createDefaultEngine } from '@emporia/adapters';
import { systemContext } from '@emporia/core';
import { createApp } from '@emporia/http';
import { pino } from 'pino';
import { launchChromium } from '../packages/dashboard/test/support/browser.js';
import { ensureDashboardBuilt } from '../packages/dashboard/test/support/built-app.js';
import { writeModuleSection } from './lib/report.js';

const { values: flags } = parseArgs({
  options: { products: { type: 'string', default: '100000' }, runs: { type: 'string', default: '5' } },
});
const PRODUCTS = Number(flags.products);
const RUNS = Number(flags.runs);
const BUDGET = { firstLoadMs: 1000, jsGzipKb: 250, productListMs: 300 };
const PASSWORD = 'a benchmark passphrase';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (n: number) => Math.round(n);

/** The built app's JavaScript and CSS, gzipped as a server or CDN would send them. */
function shippedSizes(): { jsKb: number; cssKb: number } {
  const dir = join(import.meta.dirname, '../packages/dashboard/dist/assets');
  const gz = (ext: string) =>
    readdirSync(dir)
      .filter((f) => f.endsWith(ext))
      .reduce((sum, f) => sum + gzipSync(readFileSync(join(dir, f)), { level: 9 }).length, 0) / 1024;
  return { jsKb: Math.round(gz('.js') * 10) / 10, cssKb: Math.round(gz('.css') * 10) / 10 };
}

ensureDashboardBuilt();
const sizes = shippedSizes();
const dataDir = mkdtempSync(join(tmpdir(), 'emporia-bench-dashboard-'));
const engine = await createDefaultEngine({
  database: `sqlite:${join(dataDir, 'shop.db')}`,
  config: { logLevel: 'silent', env: 'test', jwtSecret: 'bench-secret-that-is-long-enough-for-hs256', worker: 'off' },
});
const system = systemContext();
const seedStart = performance.now();
await engine.catalog.seed(system, { products: PRODUCTS });
console.log(`seeded ${PRODUCTS} products in ${round(performance.now() - seedStart)} ms`);
await engine.identity.createUser(system, { email: 'bench@example.test', password: PASSWORD, role: 'admin' });
const server = createApp(engine, { logger: pino({ level: 'silent' }) }).listen(0, '127.0.0.1');
await new Promise<void>((done) => server.once('listening', () => done()));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const browser = await launchChromium();

// First load: navigation start → the sign-in form on screen, each time with an empty cache.
const firstLoads: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const start = performance.now();
  await page.goto(`${base}/admin/`);
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  firstLoads.push(performance.now() - start);
  await context.close();
}

// The product list: click in the menu → the first page's rows on screen and no request pending.
// Each round signs in on a new context, so the list is fetched, not shown from the app's cache.
const listTimes: number[] = [];
let page = null as unknown as import('playwright-core').Page;
for (let i = 0; i < RUNS; i++) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  page = await context.newPage();
  await page.goto(`${base}/admin/`);
  await page.getByLabel('E-mail').fill('bench@example.test');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Hello' }).waitFor();
  await page.locator('.tile__value a').waitFor(); // the home page's figures are in
  const start = performance.now();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Products' }).click();
  await page.locator('table[aria-busy="false"] tbody tr:not(.skeleton-row) a').first().waitFor();
  listTimes.push(performance.now() - start);
  if (i < RUNS - 1) await context.close();
}
const searchStart = performance.now();
await page.getByLabel('Search').fill('shirt');
await page.locator('table[aria-busy="false"] tbody tr:not(.skeleton-row) a').first().waitFor();
await page.waitForURL(/q=shirt/);
const searchMs = performance.now() - searchStart;

await browser.close();
await new Promise<void>((done) => server.close(() => done()));
await engine.close();
rmSync(dataDir, { recursive: true, force: true });

const firstLoadMs = round(median(firstLoads));
const listMs = round(median(listTimes));
const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');
const rows = [
  `| first load of /admin (cold cache, median of ${RUNS}) | ${firstLoadMs} ms | < ${BUDGET.firstLoadMs} ms | ${verdict(firstLoadMs < BUDGET.firstLoadMs)} |`,
  `| JavaScript shipped, gzipped | ${sizes.jsKb} KB (CSS ${sizes.cssKb} KB) | < ${BUDGET.jsGzipKb} KB | ${verdict(sizes.jsKb < BUDGET.jsGzipKb)} |`,
  `| product list of ${PRODUCTS.toLocaleString('en')} products interactive after navigation (median of ${RUNS}; max ${round(Math.max(...listTimes))} ms) | ${listMs} ms | < ${BUDGET.productListMs} ms | ${verdict(listMs < BUDGET.productListMs)} |`,
  `| search typed → ranked results (includes the 250 ms typing pause) | ${round(searchMs)} ms | — | — |`,
];
const section = `<!-- bench:dashboard:start (written by node --import tsx bench/dashboard.ts) -->
## Dashboard

Headless Chromium (Debian's) against \`createApp\` over SQLite on this machine (load average ${loadavg()[0]!.toFixed(2)} before the run).
Times are from the click (or navigation) to the content on screen with no request pending.

| measure | result | budget | |
|---|---|---|---|
${rows.join('\n')}

Reproduce: \`TSX_TSCONFIG_PATH=tsconfig.tests.json node --import tsx bench/dashboard.ts --products ${PRODUCTS}\` (builds the app when needed).
<!-- bench:dashboard:end -->`;
writeModuleSection(join(import.meta.dirname, 'RESULTS.md'), 'dashboard', section);
console.log(section);
