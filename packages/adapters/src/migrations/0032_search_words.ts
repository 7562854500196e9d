import type { Knex } from 'knex';
import { knexDialect } from '../knex/dialect.js';
import { fillMysqlSearchWords } from '../knex/search.repository.js';

/**
 * MySQL/MariaDB: the search words table (`product_search_words`, see `search.repository.ts`), keyed
 * by word, static score and id, so a ranked search walks a word's best static hits first and stops
 * (InnoDB's FULLTEXT read fetches every hit's row before any ORDER BY), then filled from the
 * products' search text. SQLite's FTS rowid and PostgreSQL's `products_search_rank_idx` carry
 * that order already: nothing to do there.
 */
export const searchWordsMigration = {
  name: '0032_search_words',
  async up(knex: Knex): Promise<void> {
    if (knexDialect(knex) !== 'mysql') return;
    await knex.raw(`CREATE TABLE product_search_words (
      word VARCHAR(100) NOT NULL,
      search_rank SMALLINT NOT NULL,
      product_id VARCHAR(36) NOT NULL,
      status VARCHAR(16) NOT NULL,
      weight SMALLINT NOT NULL,
      PRIMARY KEY (word, search_rank, product_id),
      KEY product_search_words_product_idx (product_id, word, weight)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`);
    // A status change alone does not reindex the product: the trigger keeps the words' copy of the
    // status right for every writer (as SQLite's `products_fts_rows_status`).
    await knex.raw(`CREATE TRIGGER product_search_words_status AFTER UPDATE ON products FOR EACH ROW
      BEGIN
        IF OLD.status <> NEW.status THEN
          UPDATE product_search_words SET status = NEW.status WHERE product_id = NEW.id;
        END IF;
      END`);
    await fillMysqlSearchWords(knex);
  },
  async down(knex: Knex): Promise<void> {
    if (knexDialect(knex) !== 'mysql') return;
    await knex.raw('DROP TRIGGER IF EXISTS product_search_words_status');
    await knex.raw('DROP TABLE IF EXISTS product_search_words');
  },
};
