import type { Knex } from 'knex';

/** The transactional outbox: events written with the change that caused them, delivered after commit. */
export const outboxMigration = {
  name: '0002_outbox',
  async up(knex: Knex): Promise<void> {
    await knex.schema.createTable('outbox_events', (t) => {
      t.string('id', 36).primary(); // UUIDv7: ordering by id is ordering by time
      t.string('type', 64).notNullable();
      t.text('payload').notNullable(); // JSON
      t.string('user_id', 36).nullable();
      t.timestamp('created_at', { useTz: true }).notNullable();
      // Why: the dispatcher reads undispatched events in id order.
      t.timestamp('dispatched_at', { useTz: true }).nullable();
      t.index(['dispatched_at', 'id'], 'outbox_undispatched_idx');
      t.index(['type', 'id'], 'outbox_type_idx');
    });
  },
  async down(knex: Knex): Promise<void> {
    await knex.schema.dropTable('outbox_events');
  },
};
