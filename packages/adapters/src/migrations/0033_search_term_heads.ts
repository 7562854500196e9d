import type { Knex } from 'knex';
import { knexDialect } from '../knex/dialect.js';
import { fillSearchHeads } from '../knex/search.repository.js';

/**
 * PostgreSQL: per common word, its hits in the search index's static order (see `searchRankSql`),
 * the head of that order only. The GIN index returns a word's hits in no useful order, so a ranked
 * page of a common word walked `products_search_rank_idx` and checked every product's vector on
 * the way: about 501 ÷ the word's share of products rows (17,930 for a 3 % word). A word's heads
 * hold every product matching it (`query`, the word as a prefix) whose static position is at or
 * above its floor (`floor_rank`, `floor_id`; -1 and '': all of its products), so the first hits
 * of the heads are the first hits of the word. The search rebuild and a full rerank fill them
 * (`KnexProductSearchIndex.rebuildHeads`); the triggers below keep them exact through every write
 * in between: a product that changes its vector, static score or status leaves its heads and
 * joins those of the words it now matches above their floor.
 */
export const searchTermHeadsMigration = {
  name: '0033_search_term_heads',
  async up(knex: Knex): Promise<void> {
    if (knexDialect(knex) !== 'postgres') return;
    await knex.raw(`CREATE TABLE search_head_terms (
      term text PRIMARY KEY,
      query tsquery NOT NULL,
      floor_rank smallint NOT NULL,
      floor_id varchar(36) NOT NULL,
      docs integer NOT NULL)`);
    await knex.raw(`CREATE TABLE search_heads (
      term text NOT NULL,
      search_rank smallint NOT NULL,
      product_id varchar(36) NOT NULL,
      status varchar(16) NOT NULL,
      PRIMARY KEY (term, search_rank, product_id))`);
    // Why: a product's write finds its heads by its id.
    await knex.raw('CREATE INDEX search_heads_product_idx ON search_heads (product_id)');
    const join = (rows: string) => `INSERT INTO search_heads (term, search_rank, product_id, status)
          SELECT t.term, n.search_rank, n.id, n.status FROM ${rows} JOIN search_head_terms t
              ON (n.search_rank, n.id) >= (t.floor_rank, t.floor_id) AND n.search_vector @@ t.query`;
    const changed = (side: 'o' | 'n') => `(SELECT ${side}.* FROM old_rows o JOIN new_rows n ON n.id = o.id
          WHERE (o.search_rank, o.status, o.search_vector) IS DISTINCT FROM (n.search_rank, n.status, n.search_vector))`;
    // plpgsql plans a statement when it first runs, so each branch names only its own transition tables.
    await knex.raw(`
      CREATE FUNCTION search_heads_apply() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM search_head_terms) THEN RETURN NULL; END IF;
        IF TG_OP = 'INSERT' THEN
          ${join('new_rows n')};
        ELSIF TG_OP = 'DELETE' THEN
          DELETE FROM search_heads h USING old_rows o WHERE h.product_id = o.id;
        ELSE
          DELETE FROM search_heads h USING ${changed('o')} o WHERE h.product_id = o.id;
          ${join(`${changed('n')} n`)};
        END IF;
        RETURN NULL;
      END $$`);
    for (const [event, rows] of [
      ['INSERT', 'NEW TABLE AS new_rows'],
      ['DELETE', 'OLD TABLE AS old_rows'],
      ['UPDATE', 'OLD TABLE AS old_rows NEW TABLE AS new_rows'],
    ]) {
      await knex.raw(`CREATE TRIGGER search_heads_${event.toLowerCase()} AFTER ${event} ON products
        REFERENCING ${rows} FOR EACH STATEMENT EXECUTE FUNCTION search_heads_apply()`);
    }
    await fillSearchHeads(knex);
  },
  async down(knex: Knex): Promise<void> {
    if (knexDialect(knex) !== 'postgres') return;
    for (const event of ['insert', 'delete', 'update']) {
      await knex.raw(`DROP TRIGGER IF EXISTS search_heads_${event} ON products`);
    }
    await knex.raw('DROP FUNCTION IF EXISTS search_heads_apply()');
    await knex.raw('DROP TABLE IF EXISTS search_heads');
    await knex.raw('DROP TABLE IF EXISTS search_head_terms');
  },
};
