import type { Knex } from 'knex';
import { knexDialect } from '../knex/dialect.js';

/**
 * SQLite: the search rows in price order per status, with the stock flag (and the rowid, which is
 * the full-text row's): a search of a common word sorted by price walks this index from the
 * cheapest product and checks each against the full-text index, stopping at the page's end,
 * instead of reading and sorting every hit (see `sqliteSearch.priceSortedHits`). The walk reads
 * nothing but the index. (PostgreSQL's planner walks `products_status_price_idx` and checks each
 * row's vector; MySQL ranks every hit.)
 */
export const searchPriceWalkMigration = {
  name: '0031_search_price_walk',
  async up(knex: Knex): Promise<void> {
    if (knexDialect(knex) !== 'sqlite') return;
    await knex.raw(
      'CREATE INDEX products_fts_rows_price_idx ON products_fts_rows (status, min_price, product_id, in_stock)',
    );
  },
  async down(knex: Knex): Promise<void> {
    if (knexDialect(knex) !== 'sqlite') return;
    await knex.raw('DROP INDEX IF EXISTS products_fts_rows_price_idx');
  },
};
