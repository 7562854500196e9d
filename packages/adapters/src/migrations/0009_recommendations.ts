import type { Knex } from 'knex';

/**
 * The recommender's own tables, written whole by each rebuild (one transaction deletes and refills
 * them). No foreign keys: a product deleted since the last rebuild simply drops out at read time,
 * where every neighbour is joined with `products` for status and stock anyway.
 */
export const recommendationsMigration = {
  name: '0009_recommendations',
  async up(knex: Knex): Promise<void> {
    await knex.schema.createTable('product_recommendations', (t) => {
      t.string('product_id', 36).notNullable();
      t.string('kind', 16).notNullable(); // bought_together | similar
      t.integer('position').notNullable(); // 0 = best
      t.string('neighbour_id', 36).notNullable();
      t.double('score').notNullable();
      // Why: a product page reads one (product, kind) list in rank order.
      t.primary(['product_id', 'kind', 'position']);
      t.check("?? in ('bought_together', 'similar')", ['kind'], 'product_recommendations_kind_check');
    });
    await knex.schema.createTable('product_popularity', (t) => {
      t.string('product_id', 36).primary();
      // Orders holding the product, each weighted down by its age (half-life 30 days).
      t.double('score').notNullable();
      // Why: "popular" walks products best first and stops after the first page of recommendable ones.
      t.index(['score'], 'product_popularity_score_idx');
    });
  },
  async down(knex: Knex): Promise<void> {
    await knex.schema.dropTable('product_popularity');
    await knex.schema.dropTable('product_recommendations');
  },
};
