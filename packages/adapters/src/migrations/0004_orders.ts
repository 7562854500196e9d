import type { Knex } from 'knex';
import { knexDialect } from '../knex/dialect.js';

/** The first order number. */
export const FIRST_ORDER_NUMBER = 1001;

/**
 * Carts, orders, payments, the status history every lifecycle writes, idempotency keys and
 * the order-number source. Order lines keep snapshots (sku, name, price) and no foreign key to
 * variants: an order outlives the product it sold.
 */
export const ordersMigration = {
  name: '0004_orders',
  async up(knex: Knex): Promise<void> {
    const dialect = knexDialect(knex);
    await knex.schema.createTable('carts', (t) => {
      t.string('id', 36).primary();
      // One cart per customer; guest carts have no user (NULLs never collide in a unique index).
      t.string('user_id', 36).nullable().unique().references('id').inTable('users').onDelete('CASCADE');
      // SHA-256 of the guest's X-Cart-Token; the token itself is never stored.
      t.string('token_hash', 64).nullable().unique();
      t.timestamp('created_at', { useTz: true }).notNullable();
      t.timestamp('updated_at', { useTz: true }).notNullable();
    });

    await knex.schema.createTable('cart_items', (t) => {
      t.string('id', 36).primary();
      t.string('cart_id', 36).notNullable().references('id').inTable('carts').onDelete('CASCADE');
      // No foreign key: a deleted variant leaves its line behind, flagged `gone` in the cart.
      t.string('variant_id', 36).notNullable();
      t.integer('quantity').notNullable();
      t.string('sku', 64).notNullable();
      t.string('name', 400).notNullable();
      t.timestamp('created_at', { useTz: true }).notNullable();
      t.timestamp('updated_at', { useTz: true }).notNullable();
      // One line per variant: adding again raises the quantity (an upsert on this key).
      t.unique(['cart_id', 'variant_id'], { indexName: 'cart_items_cart_variant_unique' });
      t.check('?? > 0', ['quantity'], 'cart_items_quantity_check');
    });

    await knex.schema.createTable('orders', (t) => {
      t.string('id', 36).primary(); // UUIDv7: id order is creation order (lists sort by id)
      t.string('number', 32).notNullable().unique();
      t.string('user_id', 36).notNullable().references('id').inTable('users');
      t.string('status', 16).notNullable();
      t.string('currency', 3).notNullable();
      t.bigInteger('subtotal').notNullable();
      t.bigInteger('total').notNullable();
      t.timestamp('created_at', { useTz: true }).notNullable();
      t.timestamp('updated_at', { useTz: true }).notNullable();
      t.check("?? in ('pending', 'paid', 'shipped', 'delivered', 'cancelled')", ['status'], 'orders_status_check');
      // Why: a customer's own orders, newest first.
      t.index(['user_id', 'id'], 'orders_user_idx');
      // Why: staff lists filtered by status, newest first.
      t.index(['status', 'id'], 'orders_status_idx');
      // Why: staff date-range filters.
      t.index(['created_at'], 'orders_created_idx');
    });

    await knex.schema.createTable('order_items', (t) => {
      t.string('order_id', 36).notNullable().references('id').inTable('orders').onDelete('CASCADE');
      t.integer('position').notNullable();
      t.string('variant_id', 36).notNullable();
      t.string('product_id', 36).notNullable();
      t.string('sku', 64).notNullable();
      t.string('name', 400).notNullable();
      t.bigInteger('unit_price').notNullable();
      t.integer('quantity').notNullable();
      t.bigInteger('line_total').notNullable();
      t.primary(['order_id', 'position']);
    });

    await knex.schema.createTable('payments', (t) => {
      t.string('id', 36).primary();
      t.string('order_id', 36).notNullable().references('id').inTable('orders');
      t.string('user_id', 36).notNullable().references('id').inTable('users');
      t.string('provider', 32).notNullable();
      t.string('status', 16).notNullable();
      t.bigInteger('amount').notNullable();
      t.string('currency', 3).notNullable();
      t.string('reference', 255).notNullable();
      t.string('checkout_url', 2048).nullable();
      t.timestamp('created_at', { useTz: true }).notNullable();
      t.timestamp('updated_at', { useTz: true }).notNullable();
      t.check("?? in ('pending', 'succeeded', 'failed')", ['status'], 'payments_status_check');
      // Why: webhooks find the payment by the provider's reference.
      t.unique(['provider', 'reference'], { indexName: 'payments_provider_reference_unique' });
      t.index(['user_id', 'id'], 'payments_user_idx');
      t.index(['order_id'], 'payments_order_idx');
    });

    // One history table for every lifecycle (orders, payments, later fulfilments, refunds).
    await knex.schema.createTable('status_history', (t) => {
      t.string('id', 36).primary(); // UUIDv7: id order is time order
      t.string('subject_type', 32).notNullable();
      t.string('subject_id', 36).notNullable();
      t.string('from_status', 32).notNullable();
      t.string('to_status', 32).notNullable();
      t.string('actor_id', 36).nullable();
      t.string('actor', 16).notNullable();
      t.string('note', 500).nullable();
      t.timestamp('created_at', { useTz: true }).notNullable();
      // Why: the history of the orders (or payments) on one page, in order.
      t.index(['subject_type', 'subject_id', 'id'], 'status_history_subject_idx');
    });

    await knex.schema.createTable('idempotency_keys', (t) => {
      t.string('id', 36).primary();
      t.string('scope', 80).notNullable(); // `user:<id>`
      t.string('key', 255).notNullable();
      t.string('request_hash', 64).notNullable();
      t.string('status', 16).notNullable();
      t.integer('response_status').nullable();
      t.text('response_body').nullable(); // JSON
      t.timestamp('created_at', { useTz: true }).notNullable();
      t.timestamp('expires_at', { useTz: true }).notNullable();
      t.unique(['scope', 'key'], { indexName: 'idempotency_keys_scope_key_unique' });
      // Why: a sweeper deletes expired keys.
      t.index(['expires_at'], 'idempotency_keys_expires_idx');
    });

    // Order numbers: a PostgreSQL sequence hands out numbers without a row lock, so concurrent
    // checkouts never queue on one counter. MySQL 8 has no sequences: an AUTO_INCREMENT table does
    // the same (one row per number handed out; the counter is not rolled back, so gaps are
    // possible, as with a sequence). SQLite serialises writers anyway: a counter row.
    if (dialect === 'postgres') {
      await knex.raw(`CREATE SEQUENCE order_number_seq START WITH ${FIRST_ORDER_NUMBER}`);
    } else if (dialect === 'mysql') {
      await knex.raw(
        `CREATE TABLE order_number_seq (n BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY) AUTO_INCREMENT = ${FIRST_ORDER_NUMBER}`,
      );
    } else {
      await knex.schema.createTable('order_number_counter', (t) => {
        t.integer('id').primary();
        t.integer('value').notNullable();
      });
      await knex('order_number_counter').insert({ id: 1, value: FIRST_ORDER_NUMBER - 1 });
    }
  },
  async down(knex: Knex): Promise<void> {
    const dialect = knexDialect(knex);
    if (dialect === 'postgres') await knex.raw('DROP SEQUENCE IF EXISTS order_number_seq');
    else await knex.schema.dropTableIfExists(dialect === 'mysql' ? 'order_number_seq' : 'order_number_counter');
    for (const table of [
      'idempotency_keys',
      'status_history',
      'payments',
      'order_items',
      'orders',
      'cart_items',
      'carts',
    ]) {
      await knex.schema.dropTable(table);
    }
  },
};
