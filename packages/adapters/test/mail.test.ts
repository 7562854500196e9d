import { readFileSync, readdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMailer } from '@emporia/adapters';
import { systemContext, type DomainEvents, type EventType } from '@emporia/core';
import { afterAll, describe, expect, it } from 'vitest';
import { userWithToken } from '../../../test/support/auth.js';
import { createTestEnv, describeEachDatabase, type TestEnv } from '../../../test/support/engine.js';
import { startSmtpServer } from './support-smtp.js';

const smtp = await startSmtpServer();
afterAll(() => smtp.close());

async function record<T extends EventType>(env: TestEnv, type: T, payload: DomainEvents[T]) {
  const { engine } = env;
  await engine.store.unitOfWork.run(systemContext({ clock: env.clock }), (tx) =>
    engine.store.repositories.outbox.record(tx, type, payload),
  );
}

async function drain(env: TestEnv) {
  await env.engine.jobs.createRunner().runUntilIdle();
}

describeEachDatabase(
  'E-mail notifications over SMTP',
  (env) => {
    it('welcomes a new user', async () => {
      const customer = await userWithToken(env(), 'customer', { name: 'Ada <Lovelace>' });
      await drain(env());
      const [mail] = smtp.to(customer.user.email);
      expect(mail.subject).toBe('Welcome to Emporia');
      expect(mail.raw).toContain('Hello Ada <Lovelace>,');
      expect(mail.raw).toContain('Hello Ada &lt;Lovelace&gt;,'); // escaped in the HTML part only
      expect(mail.raw).toMatch(/Content-Type: multipart\/alternative/);
    });

    it('mails the customer when their order is placed, and nothing for a rolled-back order', async () => {
      const customer = await userWithToken(env(), 'customer');
      await drain(env());
      const before = smtp.to(customer.user.email).length;
      await record(env(), 'order.placed', {
        order_id: 'o-1',
        number: 'EMP-1001',
        user_id: customer.user.id,
        total: 4250,
        currency: 'USD',
      });
      await expect(
        env().engine.store.unitOfWork.run(systemContext({ clock: env().clock }), async (tx) => {
          await env().engine.store.repositories.outbox.record(tx, 'order.placed', {
            order_id: 'o-2',
            number: 'EMP-1002',
            user_id: customer.user.id,
            total: 100,
            currency: 'USD',
          });
          throw new Error('out of stock after all');
        }),
      ).rejects.toThrow();
      await drain(env());
      const mails = smtp.to(customer.user.email).slice(before);
      expect(mails.map((m) => m.subject)).toEqual(['Order EMP-1001 received']);
      expect(mails[0].raw).toContain('$42.50');
    });

    it('mails the customer whether a payment succeeded or failed', async () => {
      const customer = await userWithToken(env(), 'customer');
      await drain(env());
      const base = {
        order_id: 'o-3',
        order_number: 'EMP-1003',
        user_id: customer.user.id,
        amount: 999,
        currency: 'EUR',
      };
      await record(env(), 'payment.completed', { ...base, payment_id: 'p-1', status: 'failed' });
      await record(env(), 'payment.completed', { ...base, payment_id: 'p-2', status: 'succeeded' });
      await drain(env());
      const subjects = smtp.to(customer.user.email).map((m) => m.subject);
      expect(subjects).toContain('Payment failed for order EMP-1003');
      expect(subjects).toContain('Payment received for order EMP-1003');
    });

    it('alerts every admin and staff user about low stock, and no customer', async () => {
      const admin = await userWithToken(env(), 'admin');
      const staff = await userWithToken(env(), 'staff');
      const customer = await userWithToken(env(), 'customer');
      await drain(env());
      await record(env(), 'stock.low', {
        variant_id: 'v-1',
        product_id: 'p-1',
        sku: 'MUG-RED',
        stock: 2,
        threshold: 5,
      });
      await drain(env());
      for (const person of [admin, staff]) {
        expect(smtp.to(person.user.email).map((m) => m.subject)).toContain('Low stock: MUG-RED (2 left)');
      }
      expect(smtp.to(customer.user.email).map((m) => m.subject)).not.toContain('Low stock: MUG-RED (2 left)');
    });

    it('sends each mail from the real services: order, stock crossing once, payment; nothing for a refused order', async () => {
      const { engine } = env();
      const staff = await userWithToken(env(), 'staff');
      const customer = await userWithToken(env(), 'customer');
      await drain(env());
      const product = await engine.catalog.createProduct(staff.ctx, {
        name: 'Lamp',
        price: 1000,
        stock: 7,
        low_stock_threshold: 5,
        status: 'published',
      });
      const sku = product.variants[0].sku;
      const first = await engine.orders.placeOrder(customer.ctx, { items: [{ product_id: product.id, quantity: 2 }] });
      await engine.orders.placeOrder(customer.ctx, { items: [{ product_id: product.id, quantity: 1 }] });
      await expect(
        engine.orders.placeOrder(customer.ctx, { items: [{ product_id: product.id, quantity: 50 }] }),
      ).rejects.toThrow(/stock/i);
      const payment = await engine.payments.createPayment(customer.ctx, first.order.id, { provider: 'manual' });
      await engine.payments.confirmPayment(staff.ctx, payment.id);
      await drain(env());

      const toCustomer = smtp.to(customer.user.email).map((m) => m.subject);
      expect(toCustomer.filter((s) => s.startsWith('Order '))).toHaveLength(2);
      expect(toCustomer).toContain(`Order ${first.order.number} received`);
      expect(toCustomer).toContain(`Payment received for order ${first.order.number}`);
      // 7 → 5 crosses the alert level; 5 → 4 stays below it: one alert, not one per order.
      const alerts = smtp
        .to(staff.user.email)
        .map((m) => m.subject)
        .filter((s) => s.startsWith('Low stock'));
      expect(alerts).toEqual([`Low stock: ${sku} (5 left)`]);
    });

    it('uses the embedding app’s templates when given', async () => {
      const local = await createTestEnv(env().dialect, { smtpUrl: smtp.url, mailFrom: 'Corner Shop <hi@corner.test>' });
      try {
        // Same engine factory, with a template override.
        const { createDefaultEngine } = await import('@emporia/adapters');
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
          await engine.jobs.createRunner().runUntilIdle();
          expect(smtp.to(user.user.email).map((m) => m.subject)).toEqual(['Hi Grace from Corner Shop']);
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

describe('mail without SMTP_URL', () => {
  it('writes each message as an .eml file into MAIL_DIR and says where', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'emporia-mail-'));
    try {
      const mailer = createMailer({ smtpUrl: undefined, mailFrom: 'Shop <shop@localhost>', mailDir: dir });
      const sent = await mailer.send({ to: 'a@example.test', subject: 'Hello', text: 'plain', html: '<b>rich</b>' });
      expect(readdirSync(dir)).toHaveLength(1);
      expect(sent.location).toBe(join(dir, readdirSync(dir)[0]));
      const eml = readFileSync(sent.location!, 'utf8');
      expect(eml).toContain('Subject: Hello');
      expect(eml).toContain('To: a@example.test');
      expect(eml).toContain('<b>rich</b>');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
