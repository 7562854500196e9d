import type { Knex } from 'knex';
import { knexDialect } from '../knex/dialect.js';
import { SQLITE_RANK_SHIFT, searchRankSql } from '../knex/search.repository.js';

/**
 * The search index's static order: a ranked search walks its hits best static score first
 * (in stock, then popularity from `product_popularity`; see `searchRankSql`), newest first within
 * one score, and stops early. PostgreSQL and MySQL: `products.search_rank` (PostgreSQL walks it
 * with `products_search_rank_idx`). SQLite: FTS5 keeps hits in rowid order only, so a search row's
 * rowid becomes its score times 2^40 plus a sequence number (`products_fts_rows.seq`, the old rowid),
 * and the FTS rows are rewritten under their new rowids. The SQLite search rows also carry each
 * product's `in_stock` and `min_price` (kept by a trigger, as `status` is since 0007): a search
 * filtered by stock or price and sorted by price then reads the index and its row map alone, and
 * only the page's products.
 */
export const searchStaticRankMigration = {
  name: '0023_search_static_rank',
  async up(knex: Knex): Promise<void> {
    const dialect = knexDialect(knex);
    if (dialect !== 'sqlite') {
      await knex.raw('ALTER TABLE products ADD COLUMN search_rank SMALLINT NOT NULL DEFAULT 0');
      await knex.raw(`UPDATE products p SET ${dialect === 'mysql' ? 'p.' : ''}search_rank = ${searchRankSql()}`);
      // Why: a ranked search walks the hits best static score first, newest first, and stops early.
      if (dialect === 'postgres') await knex.raw('CREATE INDEX products_search_rank_idx ON products (search_rank, id)');
      return;
    }
    await knex.raw('ALTER TABLE products_fts_rows ADD COLUMN seq INTEGER');
    await knex.raw('ALTER TABLE products_fts_rows ADD COLUMN in_stock BOOLEAN');
    await knex.raw('ALTER TABLE products_fts_rows ADD COLUMN min_price BIGINT');
    await knex.raw(`UPDATE products_fts_rows AS r SET seq = r.rowid, in_stock = p.in_stock, min_price = p.min_price
      FROM products p WHERE p.id = r.product_id`);
    await knex.raw(`CREATE TRIGGER products_fts_rows_listing AFTER UPDATE OF in_stock, min_price ON products
      WHEN OLD.in_stock IS NOT NEW.in_stock OR OLD.min_price IS NOT NEW.min_price
      BEGIN UPDATE products_fts_rows SET in_stock = NEW.in_stock, min_price = NEW.min_price WHERE product_id = NEW.id; END`);
    // Why: a new search row takes the next sequence number (max + 1).
    await knex.raw('CREATE UNIQUE INDEX products_fts_rows_seq_idx ON products_fts_rows (seq)');
    await rekey(knex, `${searchRankSql()} * ${SQLITE_RANK_SHIFT} + r.seq`);
  },
  async down(knex: Knex): Promise<void> {
    const dialect = knexDialect(knex);
    if (dialect !== 'sqlite') {
      if (dialect === 'postgres') await knex.raw('DROP INDEX IF EXISTS products_search_rank_idx');
      await knex.raw('ALTER TABLE products DROP COLUMN search_rank');
      return;
    }
    await rekey(knex, 'r.seq');
    await knex.raw('DROP TRIGGER IF EXISTS products_fts_rows_listing');
    await knex.raw('DROP INDEX IF EXISTS products_fts_rows_seq_idx');
    for (const column of ['seq', 'in_stock', 'min_price']) {
      await knex.raw(`ALTER TABLE products_fts_rows DROP COLUMN ${column}`);
    }
  },
};

/** SQLite: gives every search row the rowid `rowid` (SQL over `r` and its product `p`) and rewrites the FTS rows under it. */
async function rekey(knex: Knex, rowid: string): Promise<void> {
  await knex.raw('DELETE FROM products_fts');
  await knex.raw(`UPDATE products_fts_rows AS r SET rowid = ${rowid} FROM products p WHERE p.id = r.product_id`);
  await knex.raw(
    `INSERT INTO products_fts (rowid, name, description, skus)
     SELECT r.rowid, p.name, p.description,
            coalesce((SELECT group_concat(v.sku, ' ') FROM product_variants v WHERE v.product_id = p.id), '')
       FROM products_fts_rows r CROSS JOIN products p ON p.id = r.product_id
      ORDER BY r.rowid`,
  );
}
