import type { Knex } from 'knex';

/**
 * What a shop charges: the price breakdown snapshotted on orders and their lines, tax classes on
 * products and the tax rate table. Orders placed before it read as untaxed and undiscounted.
 */
/** Adds permissions to the built-in staff role's row, once. */
export async function grantToStaff(knex: Knex, permissions: string[]): Promise<void> {
  const row = await knex('roles').where({ name: 'staff', is_builtin: true }).first();
  if (!row) return;
  const held = JSON.parse(String(row.permissions)) as string[];
  const missing = permissions.filter((p) => !held.includes(p));
  if (missing.length === 0) return;
  await knex('roles')
    .where({ id: row.id })
    .update({ permissions: JSON.stringify([...held, ...missing]) });
}

export const economicsMigration = {
  name: '0012_economics',
  async up(knex: Knex): Promise<void> {
    await knex.schema.alterTable('orders', (t) => {
      t.bigInteger('discount_total').notNullable().defaultTo(0);
      t.bigInteger('shipping_total').notNullable().defaultTo(0);
      t.bigInteger('tax_total').notNullable().defaultTo(0);
      t.boolean('prices_include_tax').notNullable().defaultTo(false);
      // JSON {tax_lines, discounts, shipping_discount, shipping_tax}: the breakdown's order-level lists.
      t.text('pricing').nullable();
    });
    await knex.schema.alterTable('order_items', (t) => {
      t.bigInteger('discount_total').notNullable().defaultTo(0);
      t.bigInteger('tax_total').notNullable().defaultTo(0);
      t.string('tax_class', 32).notNullable().defaultTo('standard');
    });
    await knex.schema.alterTable('products', (t) => {
      t.string('tax_class', 32).notNullable().defaultTo('standard');
    });
    await knex.schema.createTable('tax_rates', (t) => {
      t.string('id', 36).primary();
      t.string('name', 100).notNullable();
      t.string('country', 2).notNullable();
      // '' for the whole country: a unique key over NULLs would let duplicates in.
      t.string('region', 64).notNullable().defaultTo('');
      t.string('tax_class', 32).notNullable();
      t.integer('rate_bps').notNullable();
      t.timestamp('created_at', { useTz: true }).notNullable();
      t.timestamp('updated_at', { useTz: true }).notNullable();
      // Why: one rate per place and class; pricing looks rates up by country.
      t.unique(['country', 'region', 'tax_class'], { indexName: 'tax_rates_place_class_unique' });
      t.check('?? >= 0 and ?? <= 100000', ['rate_bps', 'rate_bps'], 'tax_rates_rate_check');
    });
    // Staff keep the tax rates: a database created before this grants it here (a fresh one has it from 0001).
    await grantToStaff(knex, ['tax:manage']);
  },
  async down(knex: Knex): Promise<void> {
    await knex.schema.dropTable('tax_rates');
    await knex.schema.alterTable('products', (t) => {
      t.dropColumn('tax_class');
    });
    await knex.schema.alterTable('order_items', (t) => {
      t.dropColumn('tax_class');
      t.dropColumn('tax_total');
      t.dropColumn('discount_total');
    });
    await knex.schema.alterTable('orders', (t) => {
      t.dropColumn('pricing');
      t.dropColumn('prices_include_tax');
      t.dropColumn('tax_total');
      t.dropColumn('shipping_total');
      t.dropColumn('discount_total');
    });
  },
};
