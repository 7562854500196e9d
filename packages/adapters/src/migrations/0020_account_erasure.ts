import type { Knex } from 'knex';

/**
 * Account erasure: a user whose orders are kept for accounting stays as a tombstone row (orders and
 * payments point at it) with its personal data overwritten; `erased_at` says when, and marks the row
 * as no account any more (every read of a user treats it as gone).
 */
export const accountErasureMigration = {
  name: '0020_account_erasure',
  async up(knex: Knex): Promise<void> {
    await knex.schema.alterTable('users', (t) => {
      t.timestamp('erased_at', { useTz: true }).nullable();
    });
  },
  async down(knex: Knex): Promise<void> {
    await knex.schema.alterTable('users', (t) => {
      t.dropColumn('erased_at');
    });
  },
};
