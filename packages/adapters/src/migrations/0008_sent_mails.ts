import type { Knex } from 'knex';

/** The sent-mail log that makes a second send of the same e-mail a no-op, and indexes for purging history. */
export const sentMailsMigration = {
  name: '0008_sent_mails',
  async up(knex: Knex): Promise<void> {
    await knex.schema.createTable('sent_mails', (t) => {
      // `<event id>:<template>:<recipient>`: a send looks it up first.
      t.string('dedupe_key', 400).primary();
      t.string('recipient', 320).notNullable();
      t.text('subject').notNullable();
      t.text('message_id').notNullable();
      t.timestamp('sent_at', { useTz: true }).notNullable();
      // Why: maintenance deletes records past their retention.
      t.index(['sent_at'], 'sent_mails_sent_at_idx');
    });
    await knex.schema.alterTable('webhook_deliveries', (t) => {
      // Why: maintenance deletes deliveries past their retention, across subscriptions.
      t.index(['delivered_at'], 'webhook_deliveries_delivered_idx');
    });
  },
  async down(knex: Knex): Promise<void> {
    await knex.schema.alterTable('webhook_deliveries', (t) => {
      t.dropIndex(['delivered_at'], 'webhook_deliveries_delivered_idx');
    });
    await knex.schema.dropTable('sent_mails');
  },
};
