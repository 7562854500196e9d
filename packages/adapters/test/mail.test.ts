import { readFileSync, readdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Argon2PasswordHasher,
  createDefaultEngine,
  createKnexStore,
  createMailer,
  type KnexStore,
} from '@emporia/adapters';
import {
  anonymousContext,
  createEngine,
  signWebhook,
  systemContext,
  type Engine,
  type JobRepository,
  type Product,
} from '@emporia/core';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { userWithToken, type TestUser } from '../../../test/support/auth.js';
import { createTestEnv, describeEachDatabase, type TestEnv } from '../../../test/support/engine.js';
import { startSmtpServer } from './support-smtp.js';

const smtp = await startSmtpServer();
afterAll(() => smtp.close());

/** The subjects of every mail an address received, sorted (jobs run side by side): duplicates show. */
const subjectsTo = (email: string) =>
  smtp
    .to(email)
    .map((m) => m.subject)
    .sort();

async function drain(engine: Engine) {
  await engine.jobs.createRunner().runUntilIdle();
}

async function lamp(env: TestEnv, stock: number): Promise<Product> {
  return env.engine.catalog.createProduct(systemContext({ clock: env.clock }), {
    name: 'Lamp',
    price: 4250,
    stock,
    low_stock_threshold: 5,
    status: 'published',
  });
}

function buy(env: TestEnv, customer: TestUser, product: Product, quantity: number) {
  return env.engine.orders.placeOrder(customer.ctx, { items: [{ product_id: product.id, quantity }] });
}

describeEachDatabase(
  'E-mail notifications over SMTP',
  (env) => {
    it('welcomes a new user, once, with a Message-ID of the shop’s domain', async () => {
      const customer = await userWithToken(env(), 'customer', { name: 'Ada <Lovelace>' });
      await drain(env().engine);
      const mails = smtp.to(customer.user.email);
      expect(mails.map((m) => m.subject)).toEqual(['Welcome to Emporia']);
      expect(mails[0].raw).toContain('Hello Ada <Lovelace>,');
      expect(mails[0].raw).toContain('Hello Ada &lt;Lovelace&gt;,'); // escaped in the HTML part only
      expect(mails[0].raw).toMatch(/Content-Type: multipart\/alternative/);
      expect(mails[0].raw).toMatch(/^Message-ID: <[0-9a-f]{32}@localhost>$/m);
    });

    it('mails the customer once per placed order, and nothing for an order refused for stock', async () => {
      const customer = await userWithToken(env(), 'customer');
      const product = await lamp(env(), 20);
      const { order } = await buy(env(), customer, product, 1);
      await expect(buy(env(), customer, product, 50)).rejects.toThrow(/stock/i);
      await drain(env().engine);
      expect(subjectsTo(customer.user.email)).toEqual([`Order ${order.number} received`, 'Welcome to Emporia']);
      const [mail] = smtp.to(customer.user.email).filter((m) => m.subject.startsWith('Order'));
      expect(mail.raw).toContain('$42.50');
    });

    it('mails a guest order to the e-mail the guest checked out with', async () => {
      const product = await lamp(env(), 20);
      const guest = anonymousContext({ clock: env().clock });
      const { issuedToken } = await env().engine.cart.addItem(guest, { product_id: product.id, quantity: 2 });
      const email = `guest-${Date.now()}@example.test`;
      const { order } = await env().engine.orders.placeOrder(guest, { email }, { cartToken: issuedToken });
      await drain(env().engine);
      expect(subjectsTo(email)).toEqual([`Order ${order.number} received`]);
      expect(smtp.to(email)[0].raw).toContain('$85.00');
    });

    it('mails the customer whether a payment succeeded or failed', async () => {
      const { engine, app, clock } = env();
      const customer = await userWithToken(env(), 'customer');
      const staff = await userWithToken(env(), 'staff');
      const product = await lamp(env(), 20);
      const { order: paid } = await buy(env(), customer, product, 1);
      const { order: unpaid } = await buy(env(), customer, product, 2);
      const manual = await engine.payments.createPayment(customer.ctx, paid.id, { provider: 'manual' });
      await engine.payments.confirmPayment(staff.ctx, manual.id);
      const hosted = await engine.payments.createPayment(customer.ctx, unpaid.id, { provider: 'hosted' });
      const callback = JSON.stringify({ reference: hosted.reference, status: 'failed', amount: hosted.amount });
      const t = Math.floor(clock.now().getTime() / 1000);
      const answer = await request(app)
        .post('/api/payments/webhooks/hosted')
        .set('Content-Type', 'application/json')
        .set('Emporia-Signature', signWebhook(engine.config.paymentWebhookSecret!, callback, t))
        .send(callback);
      expect(answer.status).toBe(200);
      await drain(engine);
      expect(subjectsTo(customer.user.email)).toEqual(
        [
          'Welcome to Emporia',
          `Order ${paid.number} received`,
          `Order ${unpaid.number} received`,
          `Payment received for order ${paid.number}`,
          `Payment failed for order ${unpaid.number}`,
        ].sort(),
      );
    });

    it('alerts every active admin and staff user once per crossing of the alert level, and no customer', async () => {
      const admin = await userWithToken(env(), 'admin');
      const staff = await userWithToken(env(), 'staff');
      const customer = await userWithToken(env(), 'customer');
      const product = await lamp(env(), 7);
      const sku = product.variants[0].sku;
      await buy(env(), customer, product, 2); // 7 → 5 crosses the alert level
      await buy(env(), customer, product, 1); // 5 → 4 stays below it: no second alert
      await drain(env().engine);
      for (const person of [admin, staff]) {
        expect(subjectsTo(person.user.email)).toEqual([`Low stock: ${sku} (5 left)`, 'Welcome to Emporia']);
      }
      expect(subjectsTo(customer.user.email).filter((s) => s.startsWith('Low stock'))).toEqual([]);
    });

    it('sends one mail when its job runs again after the worker died between the send and marking it done', async () => {
      const { engine, clock } = env();
      const customer = await userWithToken(env(), 'customer');
      const product = await lamp(env(), 20);
      await drain(engine);
      const { order } = await buy(env(), customer, product, 1);
      // A worker that sends and is then killed (kill -9): none of its writes after the send land.
      const killed = workerKilledAfterEachJob(env());
      try {
        await drain(killed);
        const expected = [`Order ${order.number} received`, 'Welcome to Emporia'];
        expect(subjectsTo(customer.user.email)).toEqual(expected);
        const [stuck] = (await engine.jobs.list(systemContext(), { type: 'mail.send', status: 'running' })).results;
        expect(stuck).toMatchObject({ attempts: 1 });
        // Its lease runs out; another runner takes the job over and runs it again.
        clock.advance(61_000);
        expect(await engine.jobs.createRunner().runUntilIdle()).toBe(1);
        const done = await engine.jobs.get(systemContext(), stuck.id);
        expect(done).toMatchObject({ status: 'succeeded', attempts: 2, result: { duplicate: true } });
        expect(subjectsTo(customer.user.email)).toEqual(expected);
        const sent = await (engine.store as KnexStore).knex('sent_mails').where('recipient', customer.user.email);
        expect(sent.map((m: { subject: string }) => m.subject).sort()).toEqual(expected);
        const [mail] = smtp.to(customer.user.email).filter((m) => m.subject.startsWith('Order'));
        const messageId = /^Message-ID: (.*)$/m.exec(mail.raw)?.[1].trim();
        expect(sent.find((m: { subject: string }) => m.subject === expected[0]).message_id).toBe(messageId);
      } finally {
        await killed.close();
      }
    });

    it('uses the embedding app’s templates when given', async () => {
      const local = await createTestEnv(env().dialect, { smtpUrl: smtp.url, mailFrom: 'Corner Shop <hi@corner.test>' });
      try {
        // Same engine factory, with a template override.
        const engine = await createDefaultEngine({
          database: local.url,
          migrate: false,
          clock: local.clock,
          config: { ...local.engine.config },
          notifications: {
            mailTemplates: {
              welcome: { subject: 'Hi {{name}} from {{shop_name}}', text: 'Plain {{email}}', html: '<i>{{email}}</i>' },
            },
          },
        });
        try {
          const user = await userWithToken({ ...local, engine }, 'customer', { name: 'Grace' });
          await drain(engine);
          expect(subjectsTo(user.user.email)).toEqual(['Hi Grace from Corner Shop']);
          expect(smtp.to(user.user.email)[0].raw).toMatch(/^Message-ID: <[0-9a-f]{32}@corner\.test>$/m);
        } finally {
          await engine.close();
        }
      } finally {
        await local.close();
      }
    });
  },
  { smtpUrl: smtp.url },
);

/**
 * A second engine on the test's database whose process dies right after each job's handler
 * returns: its job writes after that (done, retry, dead) never reach the database.
 */
function workerKilledAfterEachJob(env: TestEnv): Engine {
  const store = createKnexStore(env.url);
  // The store's repositories may be wrapped one by one before the engine is built from it.
  const gone = async () => false;
  store.repositories.jobs = Object.assign(Object.create(store.repositories.jobs) as JobRepository, {
    complete: gone,
    reschedule: gone,
    bury: gone,
  });
  return createEngine({
    config: env.engine.config,
    store,
    clock: env.clock,
    passwordHasher: new Argon2PasswordHasher(),
    notifications: { mailer: createMailer(env.engine.config) },
  });
}

describe('mail without SMTP_URL', () => {
  it('writes each message as an .eml file into MAIL_DIR and says where', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'emporia-mail-'));
    try {
      const mailer = createMailer({ smtpUrl: undefined, mailFrom: 'Shop <shop@localhost>', mailDir: dir });
      const sent = await mailer.send({
        to: 'a@example.test',
        subject: 'Hello',
        text: 'plain',
        html: '<b>rich</b>',
        message_id: '<abc123@localhost>',
      });
      expect(readdirSync(dir)).toHaveLength(1);
      expect(sent.location).toBe(join(dir, readdirSync(dir)[0]));
      expect(sent.id).toBe('<abc123@localhost>');
      const eml = readFileSync(sent.location!, 'utf8');
      expect(eml).toContain('Subject: Hello');
      expect(eml).toContain('To: a@example.test');
      expect(eml).toContain('Message-ID: <abc123@localhost>');
      expect(eml).toContain('<b>rich</b>');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
