import type { Knex } from 'knex';

/**
 * A guest cart keeps the e-mail its guest gave (`PATCH /api/cart {email}`), normalised like a
 * registration's; checkout without an `email` uses it. Customers' carts leave it NULL.
 */
export const cartEmailMigration = {
  name: '0026_cart_email',
  async up(knex: Knex): Promise<void> {
    await knex.schema.alterTable('carts', (t) => {
      t.string('email', 254).nullable();
    });
  },
  async down(knex: Knex): Promise<void> {
    await knex.schema.alterTable('carts', (t) => {
      t.dropColumn('email');
    });
  },
};
