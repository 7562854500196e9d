import type { Knex } from 'knex';

/** Background jobs, and outgoing webhook subscriptions with their delivery log. */
export const jobsMigration = {
  name: '0005_jobs',
  async up(knex: Knex): Promise<void> {
    await knex.schema.createTable('jobs', (t) => {
      t.string('id', 36).primary();
      t.string('type', 100).notNullable();
      t.text('payload').notNullable(); // JSON
      t.string('status', 16).notNullable(); // queued | running | succeeded | dead
      t.integer('attempts').notNullable().defaultTo(0);
      t.integer('max_attempts').notNullable();
      t.timestamp('run_at', { useTz: true }).notNullable();
      t.string('locked_by', 100).nullable();
      t.timestamp('locked_until', { useTz: true }).nullable();
      t.text('last_error').nullable();
      t.text('progress').nullable(); // JSON {done, total}
      t.text('result').nullable(); // JSON
      t.string('created_by', 36).nullable();
      t.timestamp('created_at', { useTz: true }).notNullable();
      t.timestamp('updated_at', { useTz: true }).notNullable();
      t.timestamp('finished_at', { useTz: true }).nullable();
      // Why: claiming reads due queued jobs and expired leases.
      t.index(['status', 'run_at'], 'jobs_due_idx');
      t.index(['status', 'locked_until'], 'jobs_lease_idx');
    });
    await knex.schema.createTable('webhook_subscriptions', (t) => {
      t.string('id', 36).primary();
      t.text('url').notNullable();
      t.text('event_types').notNullable(); // JSON array
      t.string('secret', 128).notNullable();
      t.boolean('is_active').notNullable().defaultTo(true);
      t.integer('consecutive_failures').notNullable().defaultTo(0);
      t.text('disabled_reason').nullable();
      t.string('created_by', 36).nullable();
      t.timestamp('created_at', { useTz: true }).notNullable();
      t.timestamp('updated_at', { useTz: true }).notNullable();
    });
    await knex.schema.createTable('webhook_deliveries', (t) => {
      t.string('id', 36).primary();
      t.string('subscription_id', 36)
        .notNullable()
        .references('id')
        .inTable('webhook_subscriptions')
        .onDelete('CASCADE');
      t.string('event_id', 36).notNullable();
      t.string('event_type', 64).notNullable();
      t.integer('attempt').notNullable();
      t.integer('status_code').nullable();
      t.text('error').nullable();
      t.integer('duration_ms').notNullable();
      t.timestamp('delivered_at', { useTz: true }).notNullable();
      // Why: a subscription's deliveries are listed newest first.
      t.index(['subscription_id', 'delivered_at'], 'webhook_deliveries_sub_idx');
    });
  },
  async down(knex: Knex): Promise<void> {
    await knex.schema.dropTable('webhook_deliveries');
    await knex.schema.dropTable('webhook_subscriptions');
    await knex.schema.dropTable('jobs');
  },
};
