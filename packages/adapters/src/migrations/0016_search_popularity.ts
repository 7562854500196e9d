import type { Knex } from 'knex';
import { knexDialect } from '../knex/dialect.js';

/**
 * SQLite: a read-only view of the full-text index's vocabulary (`fts5vocab`, one row per word with
 * the number of products holding it). A search estimates its hit count from it in a few b-tree
 * reads, so a common word answers "about N" without counting every hit, and the list picks its plan
 * by that estimate. It stores nothing of its own. (PostgreSQL estimates from the planner's
 * statistics; MySQL counts.)
 */
export const searchPopularityMigration = {
  name: '0016_search_popularity',
  async up(knex: Knex): Promise<void> {
    if (knexDialect(knex) !== 'sqlite') return;
    await knex.raw(`CREATE VIRTUAL TABLE products_fts_vocab USING fts5vocab(products_fts, 'row')`);
  },
  async down(knex: Knex): Promise<void> {
    if (knexDialect(knex) !== 'sqlite') return;
    await knex.raw('DROP TABLE IF EXISTS products_fts_vocab');
  },
};
