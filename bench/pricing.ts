// `TSX_TSCONFIG_PATH=tsconfig.tests.json node --import tsx bench/pricing.ts [--db sqlite,postgres] [--orders 500]
// [--concurrency 16]`: checkout orders/s with and without tax rates at the destination, on one engine
// (STORE_COUNTRY=DE), the two runs interleaved twice so machine noise falls on both. Each order is
// `POST /api/orders` with two lines (standard and reduced tax class). Writes the "Checkout pricing"
// section of RESULTS.md.
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createDefaultEngine } from '@emporia/adapters';
import { systemContext } from '@emporia/core';
import { createApp } from '@emporia/http';
import { pino } from 'pino';
import { closedLoop } from './lib/stats.js';
import { writeModuleSection } from './lib/report.js';
import { freshDatabase, postgresAvailable, type BenchDialect } from './lib/databases.js';
import { postgresUrlFlag } from './lib/flags.js';

const { values: flags } = parseArgs({
  options: {
    ...postgresUrlFlag,
    db: { type: 'string', default: 'sqlite,postgres' },
    orders: { type: 'string', default: '500' },
    concurrency: { type: 'string', default: '16' },
  },
});
const ORDERS = Number(flags.orders);
const CONCURRENCY = Number(flags.concurrency);
const PASSWORD = 'a benchmark passphrase';
const DATABASE_TAG = 5012;

interface Figure {
  db: string;
  plain: number;
  taxed: number;
  /** Taxed, and every order redeems one 10 % code (no usage limit: its uses are redemption rows). */
  promoted: number;
}

async function benchDatabase(dialect: BenchDialect, workDir: string): Promise<Figure> {
  const db = await freshDatabase(dialect, DATABASE_TAG, workDir, flags['postgres-url']);
  const engine = await createDefaultEngine({
    database: db.url,
    config: {
      logLevel: 'silent',
      jwtSecret: 'bench-secret-long-enough-for-hs256-signing',
      worker: 'off',
      storeCountry: 'DE',
    },
  });
  const server = createApp(engine, { logger: pino({ level: 'silent' }) }).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const system = systemContext();
  try {
    const tokens: string[] = [];
    for (let i = 0; i < CONCURRENCY; i++) {
      const email = `pricing-${i}@example.test`;
      await engine.identity.createUser(system, { email, password: PASSWORD });
      tokens.push((await engine.identity.login(system, { email, password: PASSWORD })).access);
    }
    const variants: string[] = [];
    for (let i = 0; i < 100; i++) {
      const p = await engine.catalog.createProduct(system, {
        name: `Priced ${i}`,
        status: 'published',
        price: 1999,
        stock: ORDERS * 10,
        tax_class: i % 2 ? 'reduced' : 'standard',
      });
      variants.push(p.variants[0].id);
    }
    await engine.promotions.createPromotion(system, { code: 'BENCH10', kind: 'percentage', value: 1000 });
    let codes: string[] | undefined;
    const checkout = (i: number) =>
      fetch(`${base}/api/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[i % tokens.length]}` },
        body: JSON.stringify({
          items: [
            { variant_id: variants[(2 * i) % 100], quantity: 1 },
            { variant_id: variants[(2 * i + 1) % 100], quantity: 2 },
          ],
          promotion_codes: codes,
        }),
      }).then(async (res) => {
        await res.arrayBuffer();
        if (res.status !== 201) throw new Error(`checkout answered ${res.status}`);
      });
    const perSecond = async () => ORDERS / (await closedLoop(ORDERS, CONCURRENCY, checkout)).seconds;

    await closedLoop(Math.min(200, ORDERS), CONCURRENCY, checkout); // warm-up
    const rates: string[] = [];
    const plain: number[] = [];
    const taxed: number[] = [];
    const promoted: number[] = [];
    for (let round = 0; round < 2; round++) {
      codes = undefined;
      for (const id of rates.splice(0)) await engine.tax.deleteTaxRate(system, id);
      plain.push(await perSecond());
      rates.push((await engine.tax.createTaxRate(system, { name: 'VAT 19%', country: 'DE', rate_bps: 1900 })).id);
      rates.push(
        (
          await engine.tax.createTaxRate(system, {
            name: 'VAT 7%',
            country: 'DE',
            tax_class: 'reduced',
            rate_bps: 700,
          })
        ).id,
      );
      taxed.push(await perSecond());
      codes = ['BENCH10'];
      promoted.push(await perSecond());
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    return { db: dialect, plain: mean(plain), taxed: mean(taxed), promoted: mean(promoted) };
  } finally {
    await new Promise((resolve) => server.close(resolve));
    await engine.close();
    await db.drop();
  }
}

function render(figures: Figure[]): string {
  const rows = figures.map(
    (f) =>
      `| ${f.db} | ${Math.round(f.plain)} | ${Math.round(f.taxed)} | ${(((f.taxed - f.plain) / f.plain) * 100).toFixed(1)} % | ` +
      `${Math.round(f.promoted)} | ${(((f.promoted - f.plain) / f.plain) * 100).toFixed(1)} % |`,
  );
  return [
    '<!-- bench:pricing:start (written by node --import tsx bench/pricing.ts) -->',
    '## Checkout pricing',
    '',
    `${new Date().toISOString()} · Node ${process.version} · ${cpus().length} cores · ${CONCURRENCY} customers, ` +
      `${ORDERS} orders per run, two lines per order (standard and reduced tax class), runs interleaved twice ` +
      `and averaged · load average at the end ${loadavg()[0].toFixed(1)}. "plain": no tax rate at the ` +
      'destination (the pipeline still runs and looks rates up); "taxed": 19 % and 7 % VAT applied; ' +
      '"taxed + code": the same, and every order redeems one 10 % code without a usage limit (its uses are ' +
      'redemption rows; checkout neither locks nor writes the promotion row).',
    '',
    '| db | plain orders/s | taxed orders/s | change | taxed + code orders/s | change |',
    '|---|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    'Reproduce: `TSX_TSCONFIG_PATH=tsconfig.tests.json node --import tsx bench/pricing.ts`.',
    '<!-- bench:pricing:end -->',
  ].join('\n');
}

const workDir = mkdtempSync(join(tmpdir(), 'emporia-bench-pricing-'));
try {
  const figures: Figure[] = [];
  for (const dialect of flags.db.split(',') as BenchDialect[]) {
    if (dialect === 'postgres' && !(await postgresAvailable(flags['postgres-url']))) {
      console.warn('PostgreSQL does not answer; skipped');
      continue;
    }
    figures.push(await benchDatabase(dialect, workDir));
  }
  const section = render(figures);
  console.log(section);
  writeModuleSection(join(import.meta.dirname, 'RESULTS.md'), 'pricing', section);
} finally {
  rmSync(workDir, { recursive: true, force: true });
}
