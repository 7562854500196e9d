import type { Knex } from 'knex';
import { grantToStaff } from './0012_economics.js';

/**
 * Addresses and shipping: the customers' address books, shipping zones and their methods, weights on
 * variants, the addresses and method chosen on a cart, and both snapshotted on orders (JSON text,
 * so later edits of an address or a method never alter a placed order).
 */
export const shippingMigration = {
  name: '0013_shipping',
  async up(knex: Knex): Promise<void> {
    await knex.schema.createTable('addresses', (t) => {
      t.string('id', 36).primary();
      t.string('user_id', 36).notNullable().references('id').inTable('users').onDelete('CASCADE');
      t.string('name', 100).notNullable();
      t.string('company', 100).nullable();
      t.string('line1', 200).notNullable();
      t.string('line2', 200).nullable();
      t.string('city', 100).notNullable();
      t.string('postal_code', 20).nullable();
      t.string('region', 64).nullable();
      t.string('country', 2).notNullable();
      t.string('phone', 32).nullable();
      t.boolean('is_default_shipping').notNullable().defaultTo(false);
      t.boolean('is_default_billing').notNullable().defaultTo(false);
      t.timestamp('created_at', { useTz: true }).notNullable();
      t.timestamp('updated_at', { useTz: true }).notNullable();
      // Why: the address book is read per user, oldest first.
      t.index(['user_id', 'id'], 'addresses_user_idx');
    });
    await knex.schema.createTable('shipping_zones', (t) => {
      t.string('id', 36).primary();
      t.string('name', 100).notNullable();
      // JSON arrays: ISO 3166-1 alpha-2 codes, and region names (empty: the whole countries).
      t.text('countries').notNullable();
      t.text('regions').notNullable();
      t.timestamp('created_at', { useTz: true }).notNullable();
      t.timestamp('updated_at', { useTz: true }).notNullable();
    });
    await knex.schema.createTable('shipping_methods', (t) => {
      t.string('id', 36).primary();
      t.string('zone_id', 36).notNullable().references('id').inTable('shipping_zones').onDelete('CASCADE');
      t.string('name', 100).notNullable();
      t.bigInteger('price').notNullable();
      t.bigInteger('free_over').nullable();
      t.integer('min_weight_grams').nullable();
      t.integer('max_weight_grams').nullable();
      t.boolean('is_active').notNullable().defaultTo(true);
      t.timestamp('created_at', { useTz: true }).notNullable();
      t.timestamp('updated_at', { useTz: true }).notNullable();
      // Why: a zone's methods are listed and deleted with it.
      t.index(['zone_id'], 'shipping_methods_zone_idx');
      t.check('?? >= 0', ['price'], 'shipping_methods_price_check');
    });
    await knex.schema.alterTable('product_variants', (t) => {
      t.integer('weight_grams').notNullable().defaultTo(0);
    });
    await knex.schema.alterTable('carts', (t) => {
      // JSON addresses as given (inline or copied from the address book) and the chosen method.
      t.text('shipping_address').nullable();
      t.text('billing_address').nullable();
      t.string('shipping_method_id', 36).nullable();
    });
    await knex.schema.alterTable('orders', (t) => {
      // JSON snapshots taken at checkout: the addresses and the method {id, name, price}.
      t.text('shipping_address').nullable();
      t.text('billing_address').nullable();
      t.text('shipping_method').nullable();
    });
    // Staff keep the shipping zones and methods: a database created before this grants it here.
    await grantToStaff(knex, ['shipping:manage']);
  },
  async down(knex: Knex): Promise<void> {
    await knex.schema.alterTable('orders', (t) => {
      t.dropColumn('shipping_method');
      t.dropColumn('billing_address');
      t.dropColumn('shipping_address');
    });
    await knex.schema.alterTable('carts', (t) => {
      t.dropColumn('shipping_method_id');
      t.dropColumn('billing_address');
      t.dropColumn('shipping_address');
    });
    await knex.schema.alterTable('product_variants', (t) => {
      t.dropColumn('weight_grams');
    });
    await knex.schema.dropTable('shipping_methods');
    await knex.schema.dropTable('shipping_zones');
    await knex.schema.dropTable('addresses');
  },
};
