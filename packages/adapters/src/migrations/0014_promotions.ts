import type { Knex } from 'knex';
import { knexDialect } from '../knex/dialect.js';
import { grantToStaff } from './0012_economics.js';

/**
 * Promotion codes and guest checkout: the `promotions` table, the codes a cart holds
 * (`cart_promotions`), one redemption row per order and code (`promotion_redemptions`), and
 * guest orders — `orders.user_id` becomes nullable, with the guest's e-mail and the SHA-256 of
 * the order token beside it.
 */
export const promotionsMigration = {
  name: '0014_promotions',
  // It opens its own transaction: SQLite's foreign keys must be switched off outside one.
  transaction: false as const,
  up: (knex: Knex) => withoutForeignKeys(knex, (trx) => up(trx)),
  async down(knex: Knex): Promise<void> {
    await knex.schema.dropTable('promotion_redemptions');
    await knex.schema.dropTable('cart_promotions');
    await knex.schema.dropTable('promotions');
    await knex('orders').whereNull('user_id').delete();
    await knex.schema.alterTable('orders', (t) => {
      t.dropIndex(['guest_email'], 'orders_guest_email_idx');
      t.dropColumn('order_token_hash');
      t.dropColumn('guest_email');
    });
  },
};

async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('promotions', (t) => {
    t.string('id', 36).primary();
    // Stored upper case: codes compare case-insensitively on every dialect.
    t.string('code', 64).notNullable().unique();
    t.string('kind', 16).notNullable();
    t.bigInteger('value').notNullable().defaultTo(0);
    t.bigInteger('min_subtotal').nullable();
    t.timestamp('starts_at', { useTz: true }).nullable();
    t.timestamp('ends_at', { useTz: true }).nullable();
    t.integer('usage_limit').nullable();
    t.integer('usage_limit_per_customer').nullable();
    // JSON arrays of ids; empty: every line.
    t.text('category_ids').notNullable();
    t.text('product_ids').notNullable();
    t.boolean('is_active').notNullable().defaultTo(true);
    // Raised by a conditional update inside the order transaction, lowered when an order is cancelled.
    t.integer('times_used').notNullable().defaultTo(0);
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.check("?? in ('percentage', 'fixed', 'free_shipping')", ['kind'], 'promotions_kind_check');
    t.check('?? >= 0', ['times_used'], 'promotions_times_used_check');
    t.check('?? >= 0', ['value'], 'promotions_value_check');
  });
  await knex.schema.createTable('cart_promotions', (t) => {
    t.string('cart_id', 36).notNullable().references('id').inTable('carts').onDelete('CASCADE');
    t.string('promotion_id', 36).notNullable().references('id').inTable('promotions').onDelete('CASCADE');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.primary(['cart_id', 'promotion_id']);
  });
  await knex.schema.createTable('promotion_redemptions', (t) => {
    t.string('id', 36).primary();
    t.string('promotion_id', 36).notNullable().references('id').inTable('promotions').onDelete('CASCADE');
    t.string('order_id', 36).notNullable().references('id').inTable('orders').onDelete('CASCADE');
    // `user:<id>` or `email:<lower-case e-mail>` (guests).
    t.string('customer_key', 330).notNullable();
    // 1..usage_limit_per_customer when the code has a per-customer limit, else NULL (NULLs never clash).
    t.integer('slot').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    // Why: the per-customer limit. Two checkouts of one customer racing for the same slot: one
    // inserts, the other waits for its commit, finds the slot taken and tries the next.
    t.unique(['promotion_id', 'customer_key', 'slot'], { indexName: 'promotion_redemptions_slot_unique' });
    // Why: a cancelled order gives its uses back.
    t.index(['order_id'], 'promotion_redemptions_order_idx');
  });
  await knex.schema.alterTable('orders', (t) => {
    // The e-mail of a guest order (no account); a guest who registers with it and verifies it claims the order.
    t.string('guest_email', 320).nullable();
    // SHA-256 of the guest's order token (X-Order-Token); the token itself is never stored.
    t.string('order_token_hash', 64).nullable();
    // Why: claiming a verified e-mail's guest orders.
    t.index(['guest_email'], 'orders_guest_email_idx');
  });
  await dropNotNull(knex, 'orders', 'user_id', 'varchar(36)');
  // Staff keep the promotions: a database created before this grants it here.
  await grantToStaff(knex, ['promotion:manage']);
}

/**
 * Lets a column hold NULL. SQLite cannot alter a column: the table is rebuilt with the column's
 * `not null` removed, while foreign keys are off (see {@link withoutForeignKeys}).
 */
async function dropNotNull(knex: Knex, table: string, column: string, type: string): Promise<void> {
  const dialect = knexDialect(knex);
  if (dialect === 'postgres') {
    await knex.raw('alter table ?? alter column ?? drop not null', [table, column]);
    return;
  }
  if (dialect === 'mysql') {
    await knex.raw(`alter table ?? modify ?? ${type} null`, [table, column]);
    return;
  }
  const rows = (await knex.raw('select type, name, sql from sqlite_master where tbl_name = ?', [table])) as Array<{
    type: string;
    name: string;
    sql: string | null;
  }>;
  const create = rows.find((r) => r.type === 'table')!.sql!;
  const columnDef = `\`${column}\` ${type} not null`;
  if (!create.includes(columnDef)) throw new Error(`${table}.${column} is not '${columnDef}'`);
  const rebuilt = create
    .replace(columnDef, `\`${column}\` ${type} null`)
    .replace(`CREATE TABLE \`${table}\``, `CREATE TABLE \`${table}_rebuilt\``);
  const indexes = rows.filter((r) => r.type === 'index' && r.sql).map((r) => r.sql!);
  await knex.raw(rebuilt);
  await knex.raw(`insert into \`${table}_rebuilt\` select * from \`${table}\``);
  await knex.raw(`drop table \`${table}\``);
  await knex.raw(`alter table \`${table}_rebuilt\` rename to \`${table}\``);
  for (const sql of indexes) await knex.raw(sql);
}

/**
 * Runs the migration in one transaction. On SQLite with foreign keys off for it (a pragma that
 * cannot change inside a transaction, hence this migration opens its own): dropping the old
 * `orders` while `order_items` and `payments` reference it would otherwise cascade into them.
 * The foreign keys are checked before the commit.
 */
async function withoutForeignKeys(knex: Knex, body: (trx: Knex.Transaction) => Promise<void>): Promise<void> {
  if (knexDialect(knex) !== 'sqlite') {
    await knex.transaction(body);
    return;
  }
  const connection = await knex.client.acquireConnection();
  try {
    await knex.raw('pragma foreign_keys = off').connection(connection);
    await knex.transaction(
      async (trx) => {
        await body(trx);
        const broken = (await trx.raw('pragma foreign_key_check')) as unknown[];
        if (broken.length) throw new Error(`0014_promotions left ${broken.length} broken foreign keys`);
      },
      { connection },
    );
  } finally {
    await knex.raw('pragma foreign_keys = on').connection(connection);
    await knex.client.releaseConnection(connection);
  }
}
