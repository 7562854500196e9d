/** Loading many products at once: multi-row inserts or COPY, index drop-and-rebuild, planner statistics. */
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Knex } from 'knex';
import type { from as CopyFrom } from 'pg-copy-streams';
import type { Dialect } from './database.js';
import type { ProductRow, VariantRow } from '@emporia/core';
import {
  loadedSearchRank,
  mysqlSearchText,
  postgresSearchVector,
  searchDocument,
  withLargeSqliteCache,
} from './search.repository.js';
import { rawRows } from './values.js';
import { COUNT_PRODUCTS_SQL } from '../migrations/0006_product_counts.js';
import { rebuildSortBucketsSql } from '../migrations/0029_product_sort_buckets.js';

/**
 * Multi-row `INSERT … VALUES (…), (…)` in chunks under SQLite's 32766 bound parameters. (Knex
 * writes SQLite multi-row inserts as a compound SELECT, which SQLite caps at 500 rows.)
 */
export async function insertRows(k: Knex, table: string, rows: Array<Record<string, unknown>>): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]);
  await insertValues(
    k,
    table,
    columns,
    rows.flatMap((row) => columns.map((c) => row[c] as Knex.Value)),
  );
}

/**
 * `insertRows` over values already laid out row after row (`columns.length` per row): no object per
 * row. `rowsPerStatement` caps the rows of one statement below the parameter bound: each statement is
 * prepared anew, and on SQLite a prepared statement's native memory lasts until the garbage
 * collector finalises it, so many huge statements in one transaction add up.
 */
export async function insertValues(
  k: Knex,
  table: string,
  columns: string[],
  values: Knex.Value[],
  rowsPerStatement = Infinity,
): Promise<void> {
  const rows = values.length / columns.length;
  const perChunk = Math.max(1, Math.min(rowsPerStatement, Math.floor(30_000 / columns.length)));
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  for (let i = 0; i < rows; i += perChunk) {
    const n = Math.min(perChunk, rows - i);
    await k.raw(
      `insert into ${table} (${columns.join(', ')}) values ${new Array<string>(n).fill(tuple).join(', ')}`,
      values.slice(i * columns.length, (i + n) * columns.length),
    );
  }
}

/**
 * Adds the search columns to product rows about to be loaded (PostgreSQL's vector, MySQL's text,
 * and the static score): the search index build after a load into an empty catalog then leaves
 * them as they are (`rebuild` with `keepLoaded`) instead of writing every row a second time. The
 * SKUs are the given variants', in their order. A PostgreSQL row whose words the JS vector does
 * not cover gets the empty vector, which the build fills.
 */
export function withSearchColumns(
  dialect: Exclude<Dialect, 'sqlite'>,
  rows: Array<Record<string, unknown>>,
  products: ProductRow[],
  variants: VariantRow[],
): void {
  const skus = new Map<string, string[]>();
  for (const v of variants) {
    const list = skus.get(v.product_id);
    if (list) list.push(v.sku);
    else skus.set(v.product_id, [v.sku]);
  }
  products.forEach((p, i) => {
    const own = skus.get(p.id) ?? [];
    const doc = { name: p.name, description: p.description, skus: own.join(' ') };
    rows[i].search_rank = loadedSearchRank(p.in_stock);
    if (dialect === 'postgres') rows[i].search_vector = postgresSearchVector(searchDocument(doc)) ?? '';
    else rows[i].search_text = mysqlSearchText({ ...doc, skus: [...own].sort().join(' ') });
  });
}

/** From this many rows on, PostgreSQL loads them with COPY instead of INSERT. */
const COPY_FROM_ROWS = 200;

const require = createRequire(import.meta.url);

/**
 * Many rows into one table: PostgreSQL takes a large batch through `COPY … FROM STDIN` (about three
 * times faster than the same rows as INSERTs, and no statement to build); otherwise, and for small
 * batches, `insertRows`. Raises the same unique-violation errors either way.
 */
export async function loadRows(
  k: Knex,
  dialect: Dialect,
  table: string,
  rows: Array<Record<string, unknown>>,
): Promise<void> {
  if (dialect === 'postgres' && rows.length >= COPY_FROM_ROWS) return copyRows(k, table, rows);
  if (dialect === 'sqlite' && rows.length >= SQLITE_ROWS_PER_STATEMENT) return sqliteInsertRows(k, table, rows);
  return insertRows(k, table, rows);
}

/**
 * Rows of one prepared multi-row INSERT on SQLite's bulk path: about as fast per row as the
 * largest statements, whose one-off preparation and bound arrays cost more than they save.
 */
const SQLITE_ROWS_PER_STATEMENT = 100;

interface SqliteHandle {
  prepare(sql: string): { run(values: unknown[]): unknown };
}
const sqliteInserts = new WeakMap<SqliteHandle, Map<string, { run(values: unknown[]): unknown }>>();

/**
 * A SQLite bulk load straight on the connection (better-sqlite3): one prepared statement of
 * `SQLITE_ROWS_PER_STATEMENT` rows run again and again with a flat array, instead of knex
 * rebuilding and re-binding a statement per chunk (its parameter handling was ~15 % of a seed's
 * CPU). Values are bound as knex binds them (booleans as 0/1, dates as epoch milliseconds).
 */
async function sqliteInsertRows(k: Knex, table: string, rows: Array<Record<string, unknown>>): Promise<void> {
  const columns = Object.keys(rows[0]);
  const client = k.client as { acquireConnection(): Promise<unknown>; releaseConnection(c: unknown): Promise<void> };
  const connection = (await client.acquireConnection()) as SqliteHandle;
  try {
    let cache = sqliteInserts.get(connection);
    if (!cache) sqliteInserts.set(connection, (cache = new Map()));
    const statement = (n: number) => {
      const tuple = `(${columns.map(() => '?').join(', ')})`;
      const sql = `insert into ${table} (${columns.join(', ')}) values ${new Array<string>(n).fill(tuple).join(', ')}`;
      let prepared = cache.get(sql);
      if (!prepared) cache.set(sql, (prepared = connection.prepare(sql)));
      return prepared;
    };
    const full = statement(SQLITE_ROWS_PER_STATEMENT);
    const values: unknown[] = new Array(columns.length * SQLITE_ROWS_PER_STATEMENT);
    for (let i = 0; i < rows.length; i += SQLITE_ROWS_PER_STATEMENT) {
      const n = Math.min(SQLITE_ROWS_PER_STATEMENT, rows.length - i);
      if (n < SQLITE_ROWS_PER_STATEMENT) values.length = n * columns.length;
      let at = 0;
      for (let r = i; r < i + n; r++) {
        const row = rows[r];
        for (const c of columns) {
          const value = row[c];
          values[at++] =
            value === undefined
              ? null
              : typeof value === 'boolean'
                ? Number(value)
                : value instanceof Date
                  ? value.valueOf()
                  : value;
        }
      }
      (n === SQLITE_ROWS_PER_STATEMENT ? full : statement(n)).run(values);
    }
  } finally {
    await client.releaseConnection(connection);
  }
}

/** A value in COPY's text format: `\N` for null, booleans as t/f, backslash escapes for the rest. */
function copyValue(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'boolean') return value ? 't' : 'f';
  const text = value instanceof Date ? value.toISOString() : String(value);
  return /[\\\n\r\t]/.test(text)
    ? text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')
    : text;
}

/** COPY on the handle's own connection (the transaction's, when `k` is one). */
async function copyRows(k: Knex, table: string, rows: Array<Record<string, unknown>>): Promise<void> {
  // Loaded only here: a SQLite or MySQL process never reads it.
  const { from: copyFrom } = require('pg-copy-streams') as { from: typeof CopyFrom };
  const columns = Object.keys(rows[0]);
  const client = k.client as { acquireConnection(): Promise<unknown>; releaseConnection(c: unknown): Promise<void> };
  const connection = (await client.acquireConnection()) as { query<T>(stream: T): T };
  try {
    const lines = function* () {
      for (let i = 0; i < rows.length; i += 500) {
        let chunk = '';
        for (const row of rows.slice(i, i + 500)) chunk += columns.map((c) => copyValue(row[c])).join('\t') + '\n';
        yield chunk;
      }
    };
    await pipeline(
      Readable.from(lines()),
      connection.query(copyFrom(`copy ${table} (${columns.join(', ')}) from stdin`)),
    );
  } finally {
    await client.releaseConnection(connection);
  }
}

interface SecondaryIndex {
  name: string;
  table: string;
  /** The statement that creates it again. */
  definition: string;
}

/** SQLite drops the products' triggers through a load too, recorded beside the indexes. */
function dropStatement(dialect: Dialect, index: SecondaryIndex): string {
  if (dialect === 'mysql') return `drop index ${index.name} on ${index.table}`;
  return `drop ${/^\s*create\s+trigger\b/i.test(index.definition) ? 'trigger' : 'index'} ${index.name}`;
}

/**
 * The counts the triggers keep (`product_counts`, `product_sort_buckets`), counted afresh from the
 * products: after a bulk load the triggers skipped (sort buckets) or were dropped (SQLite).
 */
function recountSql(dialect: Dialect): string[] {
  return ['delete from product_counts', COUNT_PRODUCTS_SQL, ...rebuildSortBucketsSql(dialect)];
}

/**
 * The secondary indexes of products and variants, read from the schema rather than repeated here,
 * so an index another migration adds comes back too. On SQLite also the products' triggers: the
 * per-row upserts of `product_counts` were ~5–10 % of the load's insert CPU, and the counts are
 * counted once after the load (`recountSql`). PostgreSQL and MySQL keep the indexes behind
 * constraints (primary keys, unique slug and SKU); MySQL also keeps the full-text index and, per
 * foreign key, one index that leads with its column (InnoDB refuses to drop the last one).
 */
async function secondaryIndexes(k: Knex, dialect: Dialect): Promise<SecondaryIndex[]> {
  if (dialect === 'sqlite') {
    return rawRows<SecondaryIndex>(
      await k.raw(
        `select name, tbl_name as "table", sql as definition from sqlite_master
          where (type = 'index' and tbl_name in ('products', 'product_variants') and sql is not null)
             or (type = 'trigger' and tbl_name = 'products')`,
      ),
    );
  }
  if (dialect === 'postgres') {
    return rawRows<SecondaryIndex>(
      await k.raw(
        `select indexname as name, tablename as "table", indexdef as definition from pg_indexes i
          where schemaname = current_schema() and tablename in ('products', 'product_variants')
            and not exists (select 1 from pg_constraint c where c.conname = i.indexname)`,
      ),
    );
  }
  const rows = rawRows<{ name: string; table: string; columns: string }>(
    await k.raw(
      `select index_name as name, table_name as "table",
              group_concat(column_name order by seq_in_index separator ',') as columns
         from information_schema.statistics
        where table_schema = database() and table_name in ('products', 'product_variants')
          and non_unique = 1 and index_type = 'BTREE'
        group by table_name, index_name
        order by table_name, index_name`,
    ),
  );
  const foreignKeys = rawRows<{ table: string; column: string }>(
    await k.raw(
      `select table_name as "table", column_name as "column" from information_schema.key_column_usage
        where table_schema = database() and table_name in ('products', 'product_variants')
          and referenced_table_name is not null`,
    ),
  );
  const kept = new Set<string>();
  return rows
    .filter((index) => {
      const fk = foreignKeys.find((f) => f.table === index.table && index.columns.split(',')[0] === f.column);
      if (!fk || kept.has(`${fk.table}.${fk.column}`)) return true;
      kept.add(`${fk.table}.${fk.column}`);
      return false;
    })
    .map((index) => ({
      name: index.name,
      table: index.table,
      definition: `create index ${index.name} on ${index.table} (${index.columns})`,
    }));
}

/**
 * Runs `load` with the secondary indexes of products and variants dropped (`secondaryIndexes`), and
 * recreates them afterwards even if the load fails; then `index` (the search index build, which
 * reads the rows: the load wrote their search columns, see `withSearchColumns`).
 */
export async function withoutSecondaryIndexes<T>(
  k: Knex,
  dialect: Dialect,
  load: () => Promise<T>,
  index: () => Promise<void> = async () => {},
): Promise<T> {
  const indexes = await secondaryIndexes(k, dialect);
  // Each definition is kept in `bulk_load_indexes` until its index is back: a load killed half-way
  // leaves them for the next seed to build (`restoreInterruptedLoad`). SQLite and PostgreSQL
  // record and drop in one transaction.
  await k.transaction(async (trx) => {
    if (indexes.length) {
      await trx('bulk_load_indexes').insert(
        indexes.map((index) => ({ name: index.name, table_name: index.table, definition: index.definition })),
      );
    }
    for (const index of indexes) await trx.raw(dropStatement(dialect, index));
  });
  return withBulkSqliteSettings(k, dialect, async () => {
    let loaded: T;
    try {
      loaded = await load();
    } finally {
      await createIndexes(k, dialect, indexes);
    }
    await index();
    return loaded;
  });
}

/**
 * PostgreSQL: the memory for each index build (the sort of a B-tree, the GIN build's posting
 * lists), for this transaction only; with the default 64 MB the builds over a large catalog spill
 * to disk and run in fewer parallel workers.
 */
const INDEX_BUILD_MEMORY = '512MB';

/**
 * Builds the indexes (and SQLite's triggers) back and clears their record; then counts afresh what
 * the triggers keep (`recountSql`): the sort buckets' triggers skip while `bulk_load_indexes` holds
 * rows, SQLite's were dropped (one grouped pass over the loaded rows instead of an upsert per row).
 * SQLite and PostgreSQL count in the transaction that clears the record, so no write falls between.
 */
async function createIndexes(k: Knex, dialect: Dialect, indexes: SecondaryIndex[]): Promise<void> {
  if (dialect === 'mysql') {
    // DDL commits on its own in MySQL: each index leaves the record once it is built.
    for (const index of indexes) {
      await k.raw(index.definition);
      await k('bulk_load_indexes').where('name', index.name).delete();
    }
    await k.transaction(async (trx) => {
      for (const sql of recountSql(dialect)) await trx.raw(sql);
    });
    return;
  }
  await k.transaction(async (trx) => {
    if (dialect === 'postgres') await trx.raw(`set local maintenance_work_mem = '${INDEX_BUILD_MEMORY}'`);
    for (const index of indexes) await trx.raw(index.definition);
    if (indexes.length) {
      await trx('bulk_load_indexes')
        .whereIn(
          'name',
          indexes.map((index) => index.name),
        )
        .delete();
    }
    for (const sql of recountSql(dialect)) await trx.raw(sql);
  });
}

/**
 * After a bulk load that was killed before its indexes were back (rows left in
 * `bulk_load_indexes`): builds the missing ones from their recorded definitions and clears the
 * record. Returns how many were recorded (0: nothing was interrupted).
 */
export async function restoreInterruptedLoad(k: Knex, dialect: Dialect): Promise<number> {
  const recorded = (await k('bulk_load_indexes').select('name', 'table_name', 'definition').orderBy('name')) as Array<{
    name: string;
    table_name: string;
    definition: string;
  }>;
  if (!recorded.length) return 0;
  const present = new Set((await secondaryIndexes(k, dialect)).map((index) => index.name));
  await createIndexes(
    k,
    dialect,
    recorded
      .filter((r) => !present.has(r.name))
      .map((r) => ({ name: r.name, table: r.table_name, definition: r.definition })),
  );
  // The record of indexes that were still there goes too, and the counts are counted again with
  // it: the triggers skipped every write while any row was left (or were not there, on SQLite).
  await k.transaction(async (trx) => {
    await trx('bulk_load_indexes').delete();
    for (const sql of recountSql(dialect)) await trx.raw(sql);
  });
  return recorded.length;
}

/**
 * SQLite's page cache during a bulk load, in KiB: 512 MB. It also bounds SQLite's sorter, and each
 * index build over a million products sorts 50–150 MB of keys: with the 128 MB of other bulk steps
 * the larger builds spilled to temporary files (1M, the eleven builds: 24.3 s of CPU and 143 s
 * wall on a loaded machine with 128 MB, 20.6 s and 60 s with 512 MB).
 */
const BULK_SQLITE_CACHE_KIB = 524_288;

/**
 * SQLite during a bulk load, put back afterwards: a large page cache (`BULK_SQLITE_CACHE_KIB`) and
 * memory-mapped reads (the index builds and the FTS load read the tables many times),
 * `synchronous = OFF` (no fsync at each batch's commit), no foreign-key checks (the loaded variants
 * name the products of their own batch, the products the categories written before) and a
 * rollback journal instead of the WAL: the WAL writes every page twice (the log, then the
 * checkpoint), a rollback journal only the pages that were there before the batch, few when the
 * tables grow at their end. A crash of the process leaves every committed batch and a sound
 * database (the journal rolls the last one back); an operating-system crash during the seed can
 * damage the file. Another process holding the database open keeps it in WAL (the switch needs
 * the only connection), and readers wait for each batch while the journal is in place.
 */
async function withBulkSqliteSettings<T>(k: Knex, dialect: Dialect, work: () => Promise<T>): Promise<T> {
  if (dialect !== 'sqlite') return work();
  const read = async (pragma: string) => Object.values(((await k.raw(`pragma ${pragma}`)) as object[])[0])[0];
  const previous = {
    synchronous: await read('synchronous'),
    mmap_size: await read('mmap_size'),
    foreign_keys: await read('foreign_keys'),
  };
  await k.raw('pragma synchronous = OFF');
  await k.raw(`pragma mmap_size = ${2 ** 31}`);
  await k.raw('pragma foreign_keys = OFF');
  const wal = String(await read('journal_mode')).toLowerCase() === 'wal';
  if (wal) await k.raw('pragma journal_mode = DELETE').catch(() => undefined);
  try {
    return await withLargeSqliteCache(k, dialect, work, BULK_SQLITE_CACHE_KIB);
  } finally {
    // Should another process hold it now, the next connection opened sets WAL again.
    if (wal) await k.raw('pragma journal_mode = WAL').catch(() => undefined);
    for (const [pragma, value] of Object.entries(previous)) await k.raw(`pragma ${pragma} = ${Number(value)}`);
  }
}

/** Refreshes the planner statistics of the catalog tables after a load. */
export async function refreshStatistics(k: Knex, dialect: Dialect, inTransaction: boolean): Promise<void> {
  if (dialect === 'sqlite') {
    await k.raw('analyze');
    return;
  }
  if (dialect === 'mysql') {
    await k.raw('analyze table products, product_variants, categories');
    return;
  }
  // VACUUM also sets the visibility map, so counts can be index-only scans; it cannot run in a transaction.
  await k.raw(
    inTransaction
      ? 'analyze products, product_variants, categories'
      : 'vacuum (analyze) products, product_variants, categories',
  );
}
