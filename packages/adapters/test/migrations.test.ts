import { afterAll, describe, expect, it } from 'vitest';
import { createKnexStore, migrateLatest, migrateRollback, migrationStatus } from '@emporia/adapters';
import { migrations } from '../src/migrations/index.js';
import { isCheckViolation, isUniqueViolation, toBool, toIso } from '../src/knex/values.js';
import { createTestDatabase, testDialects, type TestDatabase } from '../../../test/support/databases.js';

for (const dialect of testDialects()) {
  describe(`migrations [${dialect}]`, () => {
    const dbs: TestDatabase[] = [];
    afterAll(async () => {
      for (const db of dbs) await db.drop();
    });

    it('apply every migration, roll all back, and apply again', async () => {
      const db = await createTestDatabase(dialect);
      dbs.push(db);
      const store = createKnexStore(db.url);
      try {
        const applied = await migrateLatest(store.knex);
        expect(applied).toEqual(migrations.map((m) => m.name));
        expect(await migrationStatus(store.knex)).toEqual(migrations.map((m) => ({ name: m.name, applied: true })));
        expect(await migrateLatest(store.knex)).toEqual([]);

        const roles = await store.knex('roles').select('name').orderBy('name');
        expect(roles.map((r) => r.name)).toEqual(['admin', 'customer', 'staff']);

        const rolled = await migrateRollback(store.knex, true);
        expect(rolled.sort()).toEqual(migrations.map((m) => m.name).sort());
        expect(await store.knex.schema.hasTable('users')).toBe(false);
        expect(await migrationStatus(store.knex)).toEqual(migrations.map((m) => ({ name: m.name, applied: false })));

        await migrateLatest(store.knex);
        expect(await store.knex.schema.hasTable('users')).toBe(true);
      } finally {
        await store.close();
      }
    });

    it('migrate --to stops at the named migration', async () => {
      const db = await createTestDatabase(dialect);
      dbs.push(db);
      const store = createKnexStore(db.url);
      try {
        const first = migrations[0].name;
        expect(await migrateLatest(store.knex, first)).toEqual([first]);
        const status = await migrationStatus(store.knex);
        expect(status.filter((s) => s.applied).map((s) => s.name)).toEqual([first]);
        await expect(migrateLatest(store.knex, 'nope')).rejects.toThrow(/Unknown migration/);
      } finally {
        await store.close();
      }
    });
  });
}

describe.each(testDialects())('the schema guarantees the same on every database [%s]', (dialect) => {
  it('enforces CHECK constraints, compares SKUs exactly and keeps millisecond timestamps', async () => {
    const db = await createTestDatabase(dialect);
    const store = createKnexStore(db.url);
    try {
      const k = store.knex;
      await migrateLatest(k);
      const at = '2026-01-02T03:04:05.678Z';
      const product = {
        id: 'p1',
        slug: 'lamp',
        name: 'Lamp',
        currency: 'EUR',
        min_price: 1,
        created_at: at,
        updated_at: at,
      };
      await k('products').insert(product);
      const variant = (id: string, sku: string, stock = 1) => ({
        id,
        product_id: 'p1',
        sku,
        price: 100,
        currency: 'EUR',
        stock,
        created_at: at,
        updated_at: at,
      });
      await k('product_variants').insert(variant('v1', 'SKU-1'));
      // Exact comparison: a SKU differing only in case is another SKU, the same one is refused.
      await k('product_variants').insert(variant('v2', 'sku-1'));
      expect(
        isUniqueViolation(
          await k('product_variants')
            .insert(variant('v3', 'SKU-1'))
            .catch((e: unknown) => e),
        ),
      ).toBe(true);
      expect(
        isCheckViolation(
          await k('product_variants')
            .insert(variant('v4', 'SKU-4', -1))
            .catch((e: unknown) => e),
        ),
      ).toBe(true);
      const badStatus = await k('products')
        .where('id', 'p1')
        .update({ status: 'sold' })
        .catch((e: unknown) => e);
      expect(isCheckViolation(badStatus)).toBe(true);
      const row = await k('products').where('id', 'p1').first('created_at', 'in_stock');
      expect(toIso(row.created_at)).toBe(at);
      expect(toBool(row.in_stock)).toBe(false);
      // An update that writes the values a row already has still counts the row (compare-and-set).
      expect(await k('products').where('id', 'p1').update({ name: 'Lamp' })).toBe(1);
    } finally {
      await store.close();
      await db.drop();
    }
  });
});

describe.runIf(testDialects().includes('mysql'))('mysql settings', () => {
  it('makes utf8mb4_bin tables with DATETIME(3) columns and runs READ COMMITTED', async () => {
    const db = await createTestDatabase('mysql');
    const store = createKnexStore(db.url);
    try {
      await migrateLatest(store.knex);
      const [table] = await store.knex.raw(
        `select table_collation as c from information_schema.tables where table_schema = database() and table_name = 'users'`,
      );
      expect(table.c).toBe('utf8mb4_bin');
      const [column] = await store.knex.raw(
        `select column_type as t from information_schema.columns
          where table_schema = database() and table_name = 'users' and column_name = 'created_at'`,
      );
      expect(column.t).toBe('datetime(3)');
      // MariaDB before 11.1 names it tx_isolation, MySQL 8 transaction_isolation.
      const [isolation] = await store.knex
        .raw('select @@tx_isolation as i')
        .catch(() => store.knex.raw('select @@transaction_isolation as i'));
      expect(isolation.i).toBe('READ-COMMITTED');
    } finally {
      await store.close();
      await db.drop();
    }
  });
});

describe('sqlite settings', () => {
  it('uses WAL, foreign keys and a busy timeout', async () => {
    const db = await createTestDatabase('sqlite');
    const store = createKnexStore(db.url);
    try {
      const [journal] = await store.knex.raw('PRAGMA journal_mode');
      const [fk] = await store.knex.raw('PRAGMA foreign_keys');
      const [busy] = await store.knex.raw('PRAGMA busy_timeout');
      expect(journal.journal_mode).toBe('wal');
      expect(fk.foreign_keys).toBe(1);
      expect(Object.values(busy)[0]).toBeGreaterThan(0);
    } finally {
      await store.close();
      await db.drop();
    }
  });
});

describe.each(testDialects())('the refunds migration [%s]', (dialect) => {
  it('widens the order statuses and keeps every order line, index and key of a shop that has orders', async () => {
    const db = await createTestDatabase(dialect);
    const store = createKnexStore(db.url);
    try {
      const k = store.knex;
      await migrateLatest(k, '0012_economics');
      const at = '2026-01-02T03:04:05.678Z';
      await k('users').insert({
        id: 'u1',
        email: 'a@example.test',
        password_hash: 'x',
        name: 'A',
        role: 'customer',
        created_at: at,
        updated_at: at,
      });
      const order = {
        id: 'o1',
        number: 'EM-1',
        user_id: 'u1',
        status: 'paid',
        currency: 'EUR',
        subtotal: 300,
        total: 300,
      };
      await k('orders').insert({ ...order, created_at: at, updated_at: at });
      const line = { order_id: 'o1', variant_id: 'v1', product_id: 'p1', sku: 'S', name: 'N', unit_price: 100 };
      await k('order_items').insert({ ...line, position: 0, quantity: 3, line_total: 300 });
      await migrateLatest(k);

      expect(await k('order_items').where('order_id', 'o1').first('quantity', 'refunded_quantity')).toEqual({
        quantity: 3,
        refunded_quantity: 0,
      });
      expect(await k('orders').where('id', 'o1').update({ status: 'partially_refunded' })).toBe(1);
      const bad = await k('orders')
        .where('id', 'o1')
        .update({ status: 'lost' })
        .catch((e: unknown) => e);
      expect(isCheckViolation(bad)).toBe(true);
      const tooMany = await k('order_items')
        .where('order_id', 'o1')
        .update({ refunded_quantity: 4 })
        .catch((e: unknown) => e);
      expect(isCheckViolation(tooMany)).toBe(true);
      // The rebuilt table keeps its unique number and its foreign key from the lines.
      const duplicate = await k('orders')
        .insert({ ...order, id: 'o2', created_at: at, updated_at: at })
        .catch((e: unknown) => e);
      expect(isUniqueViolation(duplicate)).toBe(true);
      const orphan = await k('order_items')
        .insert({ ...line, order_id: 'nope', position: 0, quantity: 1, line_total: 100 })
        .catch((e: unknown) => e);
      expect(orphan).toBeInstanceOf(Error);
      const staff = await k('roles').where('name', 'staff').first('permissions');
      expect(JSON.parse(String(staff.permissions))).toContain('order:refund');
    } finally {
      await store.close();
      await db.drop();
    }
  });
});

describe.each(testDialects())('the guest payments migration [%s]', (dialect) => {
  it('lets a payment have no user and keeps the payments, their refunds, CHECKs and keys of a shop', async () => {
    const db = await createTestDatabase(dialect);
    const store = createKnexStore(db.url);
    try {
      const k = store.knex;
      await migrateLatest(k, '0020_account_erasure');
      const at = '2026-01-02T03:04:05.678Z';
      const user = { id: 'u1', email: 'a@example.test', password_hash: 'x', name: 'A', role: 'customer' };
      await k('users').insert({ ...user, created_at: at, updated_at: at });
      const order = { id: 'o1', number: 'EM-1', user_id: 'u1', status: 'paid', currency: 'EUR', subtotal: 300 };
      await k('orders').insert({ ...order, total: 300, created_at: at, updated_at: at });
      const payment = { order_id: 'o1', provider: 'manual', status: 'succeeded', amount: 300, currency: 'EUR' };
      await k('payments').insert({
        ...payment,
        id: 'p1',
        user_id: 'u1',
        reference: 'r1',
        created_at: at,
        updated_at: at,
      });
      const refund = { order_id: 'o1', payment_id: 'p1', provider: 'manual', status: 'completed', currency: 'EUR' };
      await k('refunds').insert({ ...refund, id: 'r1', amount: 100, lines: '[]', created_at: at, updated_at: at });
      await migrateLatest(k);

      expect(await k('payments').where('id', 'p1').first('user_id', 'amount')).toMatchObject({ user_id: 'u1' });
      expect(await k('refunds').where('payment_id', 'p1').count({ n: '*' })).toEqual([{ n: expect.anything() }]);
      const row = (id: string, reference: string) => ({ ...payment, id, reference, created_at: at, updated_at: at });
      await k('payments').insert({ ...row('p2', 'r2'), user_id: null });
      expect((await k('payments').where('id', 'p2').first('user_id')).user_id).toBeNull();
      // The rebuilt table keeps its CHECKs, its unique reference and its foreign keys both ways.
      const overRefunded = await k('payments')
        .where('id', 'p1')
        .update({ refunded_amount: 301 })
        .catch((e: unknown) => e);
      expect(isCheckViolation(overRefunded)).toBe(true);
      const duplicate = await k('payments')
        .insert(row('p3', 'r1'))
        .catch((e: unknown) => e);
      expect(isUniqueViolation(duplicate)).toBe(true);
      const orphan = await k('payments')
        .insert({ ...row('p4', 'r4'), order_id: 'nope' })
        .catch((e: unknown) => e);
      expect(orphan).toBeInstanceOf(Error);
      const orphanRefund = await k('refunds')
        .insert({ ...refund, id: 'r2', payment_id: 'nope', amount: 1, lines: '[]', created_at: at, updated_at: at })
        .catch((e: unknown) => e);
      expect(orphanRefund).toBeInstanceOf(Error);
      // A guest's payment cannot go back to NOT NULL: the rollback says so and changes nothing.
      await expect(migrateRollback(k)).rejects.toThrow(/guest orders/);
      await k('payments').where('id', 'p2').delete();
      await migrateRollback(k);
      const missingUser = await k('payments')
        .insert({ ...row('p5', 'r5'), user_id: null })
        .catch((e: unknown) => e);
      expect(missingUser).toBeInstanceOf(Error);
    } finally {
      await store.close();
      await db.drop();
    }
  });
});
