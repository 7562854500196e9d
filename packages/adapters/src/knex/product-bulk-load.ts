/** Loading many products at once: multi-row inserts, index drop-and-rebuild, planner statistics. */
import type { Knex } from 'knex';
import type { Dialect } from './database.js';
import { withLargeSqliteCache } from './search.repository.js';
import { rawRows } from './values.js';

/**
 * Multi-row `INSERT … VALUES (…), (…)` in chunks under SQLite's 32766 bound parameters. (Knex
 * writes SQLite multi-row inserts as a compound SELECT, which SQLite caps at 500 rows.)
 */
export async function insertRows(k: Knex, table: string, rows: Array<Record<string, unknown>>): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]);
  const perChunk = Math.max(1, Math.floor(30_000 / columns.length));
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  for (let i = 0; i < rows.length; i += perChunk) {
    const chunk = rows.slice(i, i + perChunk);
    await k.raw(
      `insert into ${table} (${columns.join(', ')}) values ${chunk.map(() => tuple).join(', ')}`,
      chunk.flatMap((row) => columns.map((c) => row[c] as Knex.Value)),
    );
  }
}

/**
 * Runs `load` with the secondary indexes of products and variants dropped, and recreates them
 * afterwards even if the load fails. The indexes are read from the schema rather than repeated
 * here, so an index another migration adds comes back too; PostgreSQL keeps the indexes behind
 * constraints (primary keys, unique slug and SKU).
 */
export async function withoutSecondaryIndexes<T>(k: Knex, dialect: Dialect, load: () => Promise<T>): Promise<T> {
  const result =
    dialect === 'sqlite'
      ? await k.raw(
          `select name, sql as definition from sqlite_master
            where type = 'index' and tbl_name in ('products', 'product_variants') and sql is not null`,
        )
      : await k.raw(
          `select indexname as name, indexdef as definition from pg_indexes i
            where schemaname = current_schema() and tablename in ('products', 'product_variants')
              and not exists (select 1 from pg_constraint c where c.conname = i.indexname)`,
        );
  const indexes = rawRows<{ name: string; definition: string }>(result);
  for (const index of indexes) await k.raw(`drop index ${index.name}`);
  return withLargeSqliteCache(k, dialect, async () => {
    try {
      return await load();
    } finally {
      for (const index of indexes) await k.raw(index.definition);
    }
  });
}

/** Refreshes the planner statistics of the catalog tables after a load. */
export async function refreshStatistics(k: Knex, dialect: Dialect, inTransaction: boolean): Promise<void> {
  if (dialect === 'sqlite') {
    await k.raw('analyze');
    return;
  }
  // VACUUM also sets the visibility map, so counts can be index-only scans; it cannot run in a transaction.
  await k.raw(
    inTransaction
      ? 'analyze products, product_variants, categories'
      : 'vacuum (analyze) products, product_variants, categories',
  );
}
