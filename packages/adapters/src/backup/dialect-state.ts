import { systemContext, type Context, type Transaction } from '@emporia/core';
import type { Knex } from 'knex';
import type { Dialect } from '../knex/database.js';
import { FIRST_ORDER_NUMBER } from '../migrations/0004_orders.js';
import { COUNT_PRODUCTS_SQL } from '../migrations/0006_product_counts.js';
import { rebuildSortBucketsSql } from '../migrations/0029_product_sort_buckets.js';
import { KnexProductSearchIndex } from '../knex/search.repository.js';
import type { Query } from './introspect.js';

/**
 * State each dialect keeps its own way. The backup carries it by meaning, not by table, so a
 * shop moves between SQLite, PostgreSQL and MySQL intact. A module that adds such state adds it here.
 */

/**
 * A counter: a row on SQLite, a sequence on PostgreSQL, an AUTO_INCREMENT table on MySQL (one row
 * per value handed out). The value is the last one handed out; `start` is the first one.
 */
interface Counter {
  name: string;
  start: number;
  sqlite: { table: string; column: string; key: Record<string, unknown> };
  postgres: { sequence: string };
  mysql: { table: string; column: string };
}

const COUNTERS: Counter[] = [
  {
    name: 'order_number',
    start: FIRST_ORDER_NUMBER,
    sqlite: { table: 'order_number_counter', column: 'value', key: { id: 1 } },
    postgres: { sequence: 'order_number_seq' },
    mysql: { table: 'order_number_seq', column: 'n' },
  },
];

/**
 * Tables that only summarise other tables (SQLite FTS row map, products per category and status,
 * and per category, status and sort-key bucket, MySQL's search words, PostgreSQL's search heads of
 * common words): never copied, rebuilt after a restore.
 */
const DERIVED_TABLES = [
  'products_fts_rows',
  'product_counts',
  'product_sort_buckets',
  'product_search_words',
  'search_head_terms',
  'search_heads',
];

/** Short-lived counts (the shared rate limits): a restored shop starts every client's window afresh. */
const EPHEMERAL_TABLES = ['rate_limits'];

/** Tables the backup skips: `COUNTERS` carry them, or they are derived or short-lived. */
export const SKIPPED_TABLES = [
  ...DERIVED_TABLES,
  ...EPHEMERAL_TABLES,
  ...COUNTERS.flatMap((c) => [c.sqlite.table, c.mysql.table]),
];

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

export async function readCounters(dialect: Dialect, query: Query): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const c of COUNTERS) {
    if (dialect === 'sqlite') {
      const exists = await query(`select 1 from sqlite_master where type = 'table' and name = ?`, [c.sqlite.table]);
      if (!exists.length) continue;
      const where = Object.keys(c.sqlite.key).map((k) => `${quote(k)} = ?`);
      const [row] = await query(
        `select ${quote(c.sqlite.column)} as v from ${quote(c.sqlite.table)} where ${where.join(' and ')}`,
        Object.values(c.sqlite.key),
      );
      if (row) out[c.name] = Number(row.v);
    } else if (dialect === 'mysql') {
      const exists = await query(
        `select 1 from information_schema.tables where table_schema = database() and table_name = ?`,
        [c.mysql.table],
      );
      if (!exists.length) continue;
      const [row] = await query(`select max(${quote(c.mysql.column)}) as v from ${quote(c.mysql.table)}`);
      out[c.name] = row?.v == null ? c.start - 1 : Number(row.v);
    } else {
      const [exists] = await query(`select to_regclass(?) as seq`, [c.postgres.sequence]);
      if (!exists?.seq) continue;
      const [row] = await query(`select last_value, is_called from ${quote(c.postgres.sequence)}`);
      out[c.name] = Number(row.last_value) - (row.is_called ? 0 : 1);
    }
  }
  return out;
}

export async function writeCounters(trx: Knex.Transaction, dialect: Dialect, values: Record<string, number>) {
  for (const c of COUNTERS) {
    const value = values[c.name];
    if (value === undefined) continue;
    if (dialect === 'sqlite') {
      await trx(c.sqlite.table)
        .insert({ ...c.sqlite.key, [c.sqlite.column]: value })
        .onConflict(Object.keys(c.sqlite.key))
        .merge();
    } else if (dialect === 'mysql') {
      // An explicit value moves AUTO_INCREMENT past it (never back: ALTER TABLE would commit the restore).
      await trx(c.mysql.table).delete();
      if (value >= 1) await trx(c.mysql.table).insert({ [c.mysql.column]: value });
    } else if (value >= 1) {
      await trx.raw(`select setval(?, ?, true)`, [c.postgres.sequence, value]);
    } else {
      await trx.raw(`select setval(?, 1, false)`, [c.postgres.sequence]);
    }
  }
}

/** Rebuilds derived data (product counts and sort buckets; SQLite FTS5 index, PostgreSQL tsvector, MySQL search text) for every product. */
export async function rebuildDerived(trx: Knex.Transaction, dialect: Dialect): Promise<void> {
  if (!(await trx.schema.hasTable('products'))) return;
  if (await trx.schema.hasTable('product_counts')) {
    // The triggers counted the restored rows already; recounting makes it exact whatever ran before.
    await trx('product_counts').delete();
    await trx.raw(COUNT_PRODUCTS_SQL);
  }
  if (await trx.schema.hasTable('product_sort_buckets')) {
    for (const sql of rebuildSortBucketsSql(dialect)) await trx.raw(sql);
  }
  if (dialect === 'sqlite') {
    await trx.raw('delete from products_fts');
    await trx('products_fts_rows').delete();
  }
  const index = new KnexProductSearchIndex(trx, dialect);
  const ctx: Context = { ...systemContext(), tx: trx as unknown as Transaction };
  let after = '';
  for (;;) {
    const ids = (await trx('products').where('id', '>', after).orderBy('id').limit(500).pluck('id')) as string[];
    if (!ids.length) break;
    await index.reindex(ctx, ids);
    after = ids[ids.length - 1];
  }
  await index.rebuildHeads(ctx);
}
