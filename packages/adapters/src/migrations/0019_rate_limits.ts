import type { Knex } from 'knex';

/**
 * `rate_limits`: the shared counts of `RATE_LIMIT_STORE=database` (one row per budget and client,
 * with the instant its window ends, in epoch milliseconds). The columns are the ones
 * rate-limiter-flexible's SQL stores read and write; the rows are short-lived, so backups skip them.
 */
export const rateLimitsMigration = {
  name: '0019_rate_limits',
  async up(knex: Knex): Promise<void> {
    await knex.schema.createTable('rate_limits', (t) => {
      t.string('key', 255).primary();
      t.integer('points').notNullable().defaultTo(0);
      t.bigInteger('expire');
    });
  },
  async down(knex: Knex): Promise<void> {
    await knex.schema.dropTableIfExists('rate_limits');
  },
};
