import type { Knex } from 'knex';

/**
 * The secondary indexes a bulk load (a seed into an empty catalog) dropped, each with the
 * statement that creates it again, from the drop until the load has built it back. Rows left
 * here mean a load stopped half-way (the process was killed): the next seed builds them back and
 * says so (`restoreInterruptedLoad`).
 */
export const bulkLoadIndexesMigration = {
  name: '0028_bulk_load_indexes',
  async up(knex: Knex): Promise<void> {
    await knex.schema.createTable('bulk_load_indexes', (t) => {
      t.string('name', 128).primary();
      t.string('table_name', 64).notNullable();
      t.text('definition').notNullable();
    });
  },
  async down(knex: Knex): Promise<void> {
    await knex.schema.dropTable('bulk_load_indexes');
  },
};
