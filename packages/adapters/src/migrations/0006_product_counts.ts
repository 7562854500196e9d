import type { Knex } from 'knex';
import { knexDialect } from '../knex/dialect.js';

/**
 * Products per (category, status), kept by the database itself. A catalog page's total (the
 * storefront's category listing) is then a sum over a handful of rows instead of a count over every
 * matching product, so it costs the same at 1M products as at 10k. Triggers rather than service
 * code keep it right for every writer: services, bulk seeds, imports, restores and raw SQL.
 * Only `category_id` and `status` changes touch it, so checkouts (which flip `in_stock`) never
 * contend on these rows.
 */
/** Fills `product_counts` from the products table (after the migration, and after a restore). */
export const COUNT_PRODUCTS_SQL = `INSERT INTO product_counts (category_key, status, n)
  SELECT coalesce(category_id, ''), status, count(*) FROM products GROUP BY 1, 2`;

export const productCountsMigration = {
  name: '0006_product_counts',
  async up(knex: Knex): Promise<void> {
    const dialect = knexDialect(knex);
    await knex.schema.createTable('product_counts', (t) => {
      // '' stands for "no category": a primary key column cannot be NULL.
      t.string('category_key', 36).notNullable();
      t.string('status', 16).notNullable();
      t.bigInteger('n').notNullable();
      t.primary(['category_key', 'status']);
    });
    if (dialect === 'postgres') {
      const counted = (rows: string) =>
        `SELECT coalesce(category_id, '') AS category_key, status, count(*) AS n FROM ${rows} GROUP BY 1, 2`;
      const changed = (side: 'o' | 'n') => `(SELECT ${side}.* FROM old_rows o JOIN new_rows n ON n.id = o.id
          WHERE o.category_id IS DISTINCT FROM n.category_id OR o.status <> n.status)`;
      const add = (rows: string) => `INSERT INTO product_counts (category_key, status, n) ${counted(rows)} ORDER BY 1, 2
          ON CONFLICT (category_key, status) DO UPDATE SET n = product_counts.n + excluded.n`;
      const remove = (rows: string) => `UPDATE product_counts c SET n = c.n - g.n FROM (${counted(rows)}) g
          WHERE c.category_key = g.category_key AND c.status = g.status`;
      // plpgsql plans a statement when it first runs, so each branch names only its own transition tables.
      await knex.raw(`
        CREATE FUNCTION product_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP = 'INSERT' THEN
            ${add('new_rows')};
          ELSIF TG_OP = 'DELETE' THEN
            ${remove('old_rows')};
          ELSE
            ${remove(`${changed('o')} o`)};
            ${add(`${changed('n')} n`)};
          END IF;
          RETURN NULL;
        END $$`);
      // Statement-level with transition tables: a 10,000-row insert is one upsert, not 10,000.
      // (PostgreSQL allows no column list here, so every UPDATE fires it; rows whose category and
      // status did not change drop out in the join.)
      await knex.raw(`CREATE TRIGGER product_counts_insert AFTER INSERT ON products
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION product_counts_apply()`);
      await knex.raw(`CREATE TRIGGER product_counts_delete AFTER DELETE ON products
        REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION product_counts_apply()`);
      await knex.raw(`CREATE TRIGGER product_counts_update AFTER UPDATE ON products
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION product_counts_apply()`);
    } else if (dialect === 'mysql') {
      // Row triggers, as on SQLite; MySQL has no `UPDATE OF` or `WHEN`, so the update trigger tests inside.
      const key = (row: 'NEW' | 'OLD') => `coalesce(${row}.category_id, '')`;
      const add = `INSERT INTO product_counts (category_key, status, n) VALUES (${key('NEW')}, NEW.status, 1)
          ON DUPLICATE KEY UPDATE n = n + 1`;
      const remove = `UPDATE product_counts SET n = n - 1 WHERE category_key = ${key('OLD')} AND status = OLD.status`;
      await knex.raw(`CREATE TRIGGER product_counts_insert AFTER INSERT ON products FOR EACH ROW ${add}`);
      await knex.raw(`CREATE TRIGGER product_counts_delete AFTER DELETE ON products FOR EACH ROW ${remove}`);
      await knex.raw(`CREATE TRIGGER product_counts_update AFTER UPDATE ON products FOR EACH ROW
        BEGIN
          IF ${key('OLD')} <> ${key('NEW')} OR OLD.status <> NEW.status THEN ${remove}; ${add}; END IF;
        END`);
    } else {
      const key = (row: 'NEW' | 'OLD') => `coalesce(${row}.category_id, '')`;
      const add = `INSERT INTO product_counts (category_key, status, n) VALUES (${key('NEW')}, NEW.status, 1)
          ON CONFLICT (category_key, status) DO UPDATE SET n = n + 1;`;
      const remove = `UPDATE product_counts SET n = n - 1 WHERE category_key = ${key('OLD')} AND status = OLD.status;`;
      await knex.raw(`CREATE TRIGGER product_counts_insert AFTER INSERT ON products BEGIN ${add} END`);
      await knex.raw(`CREATE TRIGGER product_counts_delete AFTER DELETE ON products BEGIN ${remove} END`);
      await knex.raw(`CREATE TRIGGER product_counts_update AFTER UPDATE OF category_id, status ON products
        WHEN ${key('OLD')} <> ${key('NEW')} OR OLD.status <> NEW.status
        BEGIN ${remove} ${add} END`);
    }
    await knex.raw(COUNT_PRODUCTS_SQL);
  },
  async down(knex: Knex): Promise<void> {
    if (knexDialect(knex) === 'postgres') {
      await knex.raw('DROP FUNCTION IF EXISTS product_counts_apply() CASCADE');
    } else {
      for (const op of ['insert', 'delete', 'update']) await knex.raw(`DROP TRIGGER IF EXISTS product_counts_${op}`);
    }
    await knex.schema.dropTable('product_counts');
  },
};
