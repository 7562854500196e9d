/**
 * Runs the host app: `npx tsx examples/embedded-express/main.ts`, then open http://127.0.0.1:3001.
 */
import { randomBytes } from 'node:crypto';
import { createDefaultEngine } from '@emporia/adapters';
import { systemContext } from '@emporia/core';
import { AcmePayProvider } from './acme-pay.provider.js';
import { createHostApp } from './app.js';

const engine = await createDefaultEngine({
  database: process.env.DATABASE_URL ?? 'sqlite:./data/embedded-example.db',
  config: { logLevel: 'silent' },
  // Customers may pay with Acme Pay besides the shipped `hosted` and `manual` providers.
  paymentProviders: [new AcmePayProvider({ secret: process.env.ACME_SECRET ?? 'acme-dev-secret' })],
});
const shop = systemContext();
if ((await engine.catalog.listProducts(shop, { page_size: 1 })).results.length === 0) {
  await engine.catalog.createProduct(shop, { name: 'Enamel mug', status: 'published', price: 1250, stock: 40 });
}
const runner = engine.jobs.createRunner();
runner.start();
const app = createHostApp({ engine, sessionSecret: process.env.SESSION_SECRET ?? randomBytes(32).toString('hex') });
const server = app.listen(Number(process.env.PORT ?? 3001), '127.0.0.1', () => {
  console.log('host app on http://127.0.0.1:3001 — Emporia API under /shop/api, docs at /shop/api/docs');
});
process.once('SIGINT', () => server.close(() => void engine.close()));
