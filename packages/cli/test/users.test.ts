import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KnexStore } from '@emporia/adapters';
import { systemContext } from '@emporia/core';
import { afterAll, expect, it } from 'vitest';
import { userWithToken } from '../../../test/support/auth.js';
import { runEmporia } from '../../../test/support/cli.js';
import { describeEachDatabase } from '../../../test/support/engine.js';
import { publishedProduct } from '../../http/test/checkout-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'emporia-users-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeEachDatabase('emporia users erase', (env) => {
  it(
    'anonymises a customer with orders by e-mail, and says so; a second run fails in one line',
    { timeout: 120_000 },
    async () => {
      const customer = await userWithToken(env(), 'customer');
      const mug = await publishedProduct(env());
      await env().engine.orders.placeOrder(customer.ctx, { items: [{ variant_id: mug.variants[0].id, quantity: 1 }] });
      const run = () =>
        runEmporia(['users', 'erase', customer.user.email], { cwd: dir, env: { DATABASE_URL: env().url } });

      const first = run();
      expect(first.stdout.trim()).toBe(`Erased ${customer.user.id}: personal data anonymised, orders kept`);
      expect(first.code).toBe(0);
      const row = await (env().engine.store as KnexStore).knex('users').where({ id: customer.user.id }).first();
      expect(row.email).toBe(`erased+${customer.user.id}@invalid`);
      const orders = await env().engine.orders.listOrders(systemContext({ clock: env().clock }), {
        user_id: customer.user.id,
      });
      expect(orders.results).toHaveLength(1);

      const again = run();
      expect(again.code).toBe(1);
      expect(again.stderr.trim()).toBe(`emporia: No user ${customer.user.email}`);
    },
  );
});
