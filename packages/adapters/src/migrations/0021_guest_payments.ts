import type { Knex } from 'knex';
import { knexDialect } from '../knex/dialect.js';
import { rebuildSqliteTable } from './0015_refunds.js';

const NOT_NULL = /(`user_id` varchar\(36\)) not null/i;
const NULLABLE = /(`user_id` varchar\(36\)) null/i;

/**
 * Guests pay: `payments.user_id` becomes nullable (a guest order's payment has no user; a guest who
 * registers and verifies the e-mail takes it over with the order). PostgreSQL and MySQL/MariaDB
 * alter the column; SQLite cannot, so the table is rebuilt from its own CREATE statement (columns,
 * indexes and CHECKs kept) with foreign keys off — `refunds` references it — hence no knex
 * transaction around it.
 */
export const guestPaymentsMigration = {
  name: '0021_guest_payments',
  transaction: false,
  async up(knex: Knex): Promise<void> {
    const dialect = knexDialect(knex);
    if (dialect === 'sqlite') {
      await rebuildSqliteTable(knex, 'payments', (sql) => sql.replace(NOT_NULL, '$1 null'));
    } else if (dialect === 'postgres') {
      await knex.raw('ALTER TABLE payments ALTER COLUMN user_id DROP NOT NULL');
    } else {
      await knex.raw('ALTER TABLE payments MODIFY user_id varchar(36) NULL');
    }
  },
  async down(knex: Knex): Promise<void> {
    // A guest's payment has no user to give back to NOT NULL: such a database cannot go back past this.
    const [{ count }] = await knex('payments').whereNull('user_id').count({ count: '*' });
    if (Number(count) > 0) {
      throw new Error(`0021_guest_payments cannot be rolled back: ${Number(count)} payments of guest orders`);
    }
    const dialect = knexDialect(knex);
    if (dialect === 'sqlite') {
      await rebuildSqliteTable(knex, 'payments', (sql) => sql.replace(NULLABLE, '$1 not null'));
    } else if (dialect === 'postgres') {
      await knex.raw('ALTER TABLE payments ALTER COLUMN user_id SET NOT NULL');
    } else {
      await knex.raw('ALTER TABLE payments MODIFY user_id varchar(36) NOT NULL');
    }
  },
};
