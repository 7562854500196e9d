import type { Knex } from 'knex';
import { knexDialect } from '../knex/dialect.js';

/**
 * Categories, products, variants, the stock-movement log and the full-text index.
 *
 * `products.min_price` (lowest variant price) and `products.in_stock` (any variant in stock) are
 * denormalised so the list can filter and sort on indexed product columns alone; the catalog and
 * inventory services keep them right on every variant write.
 */
export const catalogMigration = {
  name: '0003_catalog',
  async up(knex: Knex): Promise<void> {
    const dialect = knexDialect(knex);
    await knex.schema.createTable('categories', (t) => {
      t.string('id', 36).primary();
      // No cascade: deleting a parent with children is refused (or they are reassigned) by the service.
      t.string('parent_id', 36).nullable().references('id').inTable('categories');
      t.string('slug', 200).notNullable().unique();
      t.string('name', 200).notNullable();
      t.text('description').notNullable().defaultTo('');
      t.integer('position').notNullable().defaultTo(0);
      t.timestamp('created_at', { useTz: true }).notNullable();
      t.timestamp('updated_at', { useTz: true }).notNullable();
      // Why: children of a category in display order (tree building, delete checks).
      t.index(['parent_id', 'position'], 'categories_parent_idx');
    });

    await knex.schema.createTable('products', (t) => {
      t.string('id', 36).primary();
      t.string('slug', 200).notNullable().unique();
      t.string('name', 200).notNullable();
      t.text('description').notNullable().defaultTo('');
      t.string('status', 16).notNullable().defaultTo('draft');
      t.string('category_id', 36).nullable().references('id').inTable('categories');
      t.text('attributes').notNullable().defaultTo('{}'); // JSON object
      t.text('images').notNullable().defaultTo('[]'); // JSON array of URLs
      t.text('options').notNullable().defaultTo('[]'); // JSON [{name, values}]
      t.string('currency', 3).notNullable();
      t.bigInteger('min_price').notNullable();
      t.boolean('in_stock').notNullable().defaultTo(false);
      t.timestamp('created_at', { useTz: true }).notNullable();
      t.timestamp('updated_at', { useTz: true }).notNullable();
      t.check("?? in ('draft', 'published', 'archived')", ['status'], 'products_status_check');

      // Why: anonymous and customer lists always filter status = 'published' and sort by one of
      // price, created_at or name, with id as the keyset tie-breaker. Each index serves one sort
      // for both page (LIMIT/OFFSET) and keyset ((key, id) > (?, ?)) pagination without a sort step.
      t.index(['status', 'min_price', 'id'], 'products_status_price_idx');
      t.index(['status', 'created_at', 'id'], 'products_status_created_idx');
      t.index(['status', 'name', 'id'], 'products_status_name_idx');
      // Why: the same three sorts inside a category filter (category ids are resolved first, so
      // the filter is `category_id IN (…)` and each id is a range scan of these).
      t.index(['category_id', 'status', 'min_price', 'id'], 'products_category_price_idx');
      t.index(['category_id', 'status', 'created_at', 'id'], 'products_category_created_idx');
      t.index(['category_id', 'status', 'name', 'id'], 'products_category_name_idx');
      // Why: staff lists without a status filter, sorted each way.
      t.index(['min_price', 'id'], 'products_price_idx');
      t.index(['created_at', 'id'], 'products_created_idx');
      t.index(['name', 'id'], 'products_name_idx');
      // in_stock and price ranges are applied while walking one of the indexes above: in a shop
      // most products are in stock, so an index led by in_stock would not be selective.
    });

    await knex.schema.createTable('product_variants', (t) => {
      t.string('id', 36).primary();
      t.string('product_id', 36).notNullable().references('id').inTable('products').onDelete('CASCADE');
      t.string('sku', 64).notNullable().unique();
      t.bigInteger('price').notNullable();
      t.string('currency', 3).notNullable();
      t.integer('stock').notNullable().defaultTo(0);
      t.integer('low_stock_threshold').notNullable().defaultTo(5);
      t.text('options').notNullable().defaultTo('{}'); // JSON {option name: value}
      t.integer('position').notNullable().defaultTo(0);
      t.timestamp('created_at', { useTz: true }).notNullable();
      t.timestamp('updated_at', { useTz: true }).notNullable();
      // Stock never goes negative: the conditional decrement is the rule, this is the backstop.
      t.check('?? >= 0', ['stock'], 'product_variants_stock_check');
      t.check('?? >= 0', ['price'], 'product_variants_price_check');
      // Why: a list page loads the variants of its products with `product_id IN (…)`.
      t.index(['product_id', 'position'], 'product_variants_product_idx');
    });

    await knex.schema.createTable('stock_movements', (t) => {
      t.string('id', 36).primary(); // UUIDv7: id order is time order
      t.string('variant_id', 36).notNullable().references('id').inTable('product_variants').onDelete('CASCADE');
      t.string('product_id', 36).notNullable();
      t.integer('delta').notNullable();
      t.integer('stock_after').notNullable();
      t.string('reason', 200).notNullable();
      t.string('reference', 200).nullable();
      t.string('actor_id', 36).nullable();
      t.timestamp('created_at', { useTz: true }).notNullable();
      // Why: a variant's movement history, newest first.
      t.index(['variant_id', 'id'], 'stock_movements_variant_idx');
      // Why: the movements of one order (reference = order id).
      t.index(['reference'], 'stock_movements_reference_idx');
    });

    if (dialect === 'postgres') {
      // Why: full-text search on name, SKUs and description; the GIN index answers `@@`.
      await knex.raw(`ALTER TABLE products ADD COLUMN search_vector tsvector NOT NULL DEFAULT ''::tsvector`);
      await knex.raw('CREATE INDEX products_search_idx ON products USING GIN (search_vector)');
    } else if (dialect === 'mysql') {
      // Why: full-text search; the InnoDB FULLTEXT index answers MATCH … AGAINST. The words are
      // made in JS as on PostgreSQL (search.repository.ts says how they are written).
      await knex.raw(`ALTER TABLE products ADD COLUMN search_text LONGTEXT NOT NULL DEFAULT ('')`);
      await knex.raw('CREATE FULLTEXT INDEX products_search_idx ON products (search_text)');
    } else {
      // FTS5 rows are keyed by an explicit INTEGER PRIMARY KEY (stable across VACUUM, unlike the
      // implicit rowid of a table with a text primary key).
      await knex.raw(`CREATE TABLE products_fts_rows (
        rowid INTEGER PRIMARY KEY,
        product_id VARCHAR(36) NOT NULL UNIQUE REFERENCES products(id) ON DELETE CASCADE
      )`);
      await knex.raw(
        `CREATE VIRTUAL TABLE products_fts USING fts5(name, description, skus, tokenize = 'unicode61 remove_diacritics 2')`,
      );
    }
  },
  async down(knex: Knex): Promise<void> {
    if (knexDialect(knex) === 'sqlite') {
      await knex.raw('DROP TABLE IF EXISTS products_fts');
      await knex.schema.dropTableIfExists('products_fts_rows');
    }
    await knex.schema.dropTable('stock_movements');
    await knex.schema.dropTable('product_variants');
    await knex.schema.dropTable('products');
    await knex.schema.dropTable('categories');
  },
};
