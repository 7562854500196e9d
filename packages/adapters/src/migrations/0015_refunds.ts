import type { Knex } from 'knex';
import { knexDialect } from '../knex/dialect.js';
import { grantToStaff } from './0012_economics.js';

const BEFORE = `'pending', 'paid', 'shipped', 'delivered', 'cancelled'`;
const AFTER = `'pending', 'paid', 'shipped', 'delivered', 'cancelled', 'partially_refunded', 'refunded'`;

/**
 * SQLite cannot alter a CHECK constraint: the table is rebuilt (the procedure of SQLite's ALTER TABLE
 * page) from its own CREATE statement with `edit` applied, so columns other migrations added stay.
 * Foreign keys are off meanwhile — else dropping the old table would cascade into its children —
 * which a transaction cannot switch, so this migration runs outside knex's and opens its own.
 */
export async function rebuildSqliteTable(knex: Knex, table: string, edit: (sql: string) => string): Promise<void> {
  await knex.raw('PRAGMA foreign_keys = OFF');
  try {
    await knex.transaction(async (trx) => {
      const objects = (await trx('sqlite_master').select('type', 'name', 'sql').where('tbl_name', table)) as Array<{
        type: string;
        name: string;
        sql: string | null;
      }>;
      const create = objects.find((o) => o.type === 'table')?.sql;
      if (!create) throw new Error(`No table ${table}`);
      const rebuilt = edit(create);
      if (rebuilt === create) throw new Error(`The edit of ${table} changed nothing`);
      const temp = `${table}__rebuilt`;
      const head = /^CREATE TABLE\s+(?:`[^`]+`|"[^"]+"|\S+)/i;
      await trx.raw(rebuilt.replace(head, `CREATE TABLE "${temp}"`));
      const columns = ((await trx.raw(`PRAGMA table_info("${temp}")`)) as Array<{ name: string }>)
        .map((c) => `"${c.name}"`)
        .join(', ');
      await trx.raw(`INSERT INTO "${temp}" (${columns}) SELECT ${columns} FROM "${table}"`);
      await trx.raw(`DROP TABLE "${table}"`);
      await trx.raw(`ALTER TABLE "${temp}" RENAME TO "${table}"`);
      for (const o of objects) if (o.type !== 'table' && o.sql) await trx.raw(o.sql);
      const broken = (await trx.raw(`PRAGMA foreign_key_check("${table}")`)) as unknown[];
      if (broken.length) throw new Error(`Rebuilding ${table} broke ${broken.length} foreign keys`);
    });
  } finally {
    await knex.raw('PRAGMA foreign_keys = ON');
  }
}

/** Orders' status column and its CHECK, with or without the refund statuses. */
async function orderStatuses(knex: Knex, from: string, to: string, length: number): Promise<void> {
  const dialect = knexDialect(knex);
  if (dialect === 'sqlite') {
    // SQLite does not enforce varchar lengths: only the CHECK changes.
    await rebuildSqliteTable(knex, 'orders', (sql) => sql.replace(`in (${from})`, `in (${to})`));
    return;
  }
  await knex.raw('ALTER TABLE orders DROP CONSTRAINT orders_status_check');
  await knex.raw(
    dialect === 'postgres'
      ? `ALTER TABLE orders ALTER COLUMN status TYPE varchar(${length})`
      : `ALTER TABLE orders MODIFY status varchar(${length}) NOT NULL`,
  );
  await knex.raw(`ALTER TABLE orders ADD CONSTRAINT orders_status_check CHECK (status in (${to}))`);
}

/**
 * Refunds: the `refunds` table (one row per refund, its history in `status_history`), what each
 * payment has refunded or holds for pending refunds (`payments.refunded_amount`, never past `amount`)
 * and each order line's refunded units (`order_items.refunded_quantity`, never past `quantity`),
 * the order statuses `partially_refunded` and `refunded`, and `order:refund` for staff.
 */
export const refundsMigration = {
  name: '0015_refunds',
  transaction: false,
  async up(knex: Knex): Promise<void> {
    const dialect = knexDialect(knex);
    await orderStatuses(knex, BEFORE, AFTER, 32);
    // Both counters move only by conditional updates; the CHECKs back them.
    if (dialect === 'sqlite') {
      await knex.raw(
        'ALTER TABLE payments ADD COLUMN refunded_amount bigint NOT NULL DEFAULT 0 ' +
          'CONSTRAINT payments_refunded_check CHECK (refunded_amount >= 0 AND refunded_amount <= amount)',
      );
      await knex.raw(
        'ALTER TABLE order_items ADD COLUMN refunded_quantity integer NOT NULL DEFAULT 0 ' +
          'CONSTRAINT order_items_refunded_check CHECK (refunded_quantity >= 0 AND refunded_quantity <= quantity)',
      );
    } else {
      await knex.schema.alterTable('payments', (t) => {
        t.bigInteger('refunded_amount').notNullable().defaultTo(0);
      });
      await knex.schema.alterTable('order_items', (t) => {
        t.integer('refunded_quantity').notNullable().defaultTo(0);
      });
      await knex.raw(
        'ALTER TABLE payments ADD CONSTRAINT payments_refunded_check CHECK (refunded_amount >= 0 AND refunded_amount <= amount)',
      );
      await knex.raw(
        'ALTER TABLE order_items ADD CONSTRAINT order_items_refunded_check CHECK (refunded_quantity >= 0 AND refunded_quantity <= quantity)',
      );
    }
    await knex.schema.createTable('refunds', (t) => {
      t.string('id', 36).primary(); // UUIDv7
      t.string('order_id', 36).notNullable().references('id').inTable('orders');
      t.string('payment_id', 36).notNullable().references('id').inTable('payments');
      t.string('provider', 32).notNullable();
      t.string('status', 16).notNullable();
      t.bigInteger('amount').notNullable();
      t.string('currency', 3).notNullable();
      t.string('reason', 500).nullable();
      // JSON [{variant_id, sku, name, quantity, amount}]: the units refunded by line, empty for an amount.
      t.text('lines').notNullable();
      t.boolean('restock').notNullable().defaultTo(false);
      // The provider's reference, once it answered (a hosted gateway's callback names it).
      t.string('reference', 255).nullable();
      t.string('created_by', 36).nullable();
      t.timestamp('created_at', { useTz: true }).notNullable();
      t.timestamp('updated_at', { useTz: true }).notNullable();
      t.check("?? in ('pending', 'completed', 'failed')", ['status'], 'refunds_status_check');
      t.check('?? > 0', ['amount'], 'refunds_amount_check');
      // Why: a refund callback finds the refund by the provider's reference.
      t.unique(['provider', 'reference'], { indexName: 'refunds_provider_reference_unique' });
      // Why: an order's refunds, in order.
      t.index(['order_id', 'id'], 'refunds_order_idx');
      // Why: a payment's foreign key (InnoDB wants an index).
      t.index(['payment_id'], 'refunds_payment_idx');
    });
    // A database created before this grants it here (a fresh one has it from 0001 too).
    await grantToStaff(knex, ['order:refund']);
  },
  async down(knex: Knex): Promise<void> {
    const dialect = knexDialect(knex);
    await knex.schema.dropTable('refunds');
    if (dialect !== 'sqlite') {
      await knex.raw('ALTER TABLE order_items DROP CONSTRAINT order_items_refunded_check');
      await knex.raw('ALTER TABLE payments DROP CONSTRAINT payments_refunded_check');
    }
    // SQLite drops a column with a CHECK only through a rebuild: drop the constraint first.
    if (dialect === 'sqlite') {
      await rebuildSqliteTable(knex, 'order_items', (sql) =>
        sql.replace(
          /,?\s*`?refunded_quantity`?[^,]*CHECK \(refunded_quantity >= 0 AND refunded_quantity <= quantity\)/i,
          '',
        ),
      );
      await rebuildSqliteTable(knex, 'payments', (sql) =>
        sql.replace(/,?\s*`?refunded_amount`?[^,]*CHECK \(refunded_amount >= 0 AND refunded_amount <= amount\)/i, ''),
      );
    } else {
      await knex.schema.alterTable('order_items', (t) => {
        t.dropColumn('refunded_quantity');
      });
      await knex.schema.alterTable('payments', (t) => {
        t.dropColumn('refunded_amount');
      });
    }
    // An order that was refunded fails the narrower CHECK: such a database cannot go back past this.
    await orderStatuses(knex, AFTER, BEFORE, 16);
  },
};
