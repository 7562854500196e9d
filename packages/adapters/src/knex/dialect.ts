/**
 * The SQL that differs between SQLite, PostgreSQL and MySQL/MariaDB, in one place. Migrations and
 * repositories branch on a dialect only through these helpers (or, where a whole statement differs,
 * on `knexDialect(knex)` with one branch per dialect). docs/ARCHITECTURE.md ("Writing SQL for three
 * databases") is the recipe.
 */
import type { Knex } from 'knex';
import type { Dialect } from './database.js';

export type { Dialect } from './database.js';

/** The dialect a knex instance (or transaction) talks to. */
export function knexDialect(knex: Knex): Dialect {
  const name = (knex.client as { dialect?: string }).dialect;
  return name === 'postgresql' ? 'postgres' : name === 'mysql' ? 'mysql' : 'sqlite';
}

/**
 * In an upsert's update part (`onConflict(…).merge({ col: k.raw(…) })`), the value the insert
 * tried to write: `excluded.col` on SQLite and PostgreSQL, `values(col)` on MySQL/MariaDB.
 */
export function incoming(dialect: Dialect, column: string): string {
  return dialect === 'mysql' ? `values(${column})` : `excluded.${column}`;
}

/**
 * Whether `FOR UPDATE [SKIP LOCKED]` means anything: PostgreSQL and MySQL/MariaDB lock rows;
 * SQLite has no such clause (its one writer holds the whole database from BEGIN IMMEDIATE).
 */
export function locksRows(dialect: Dialect): boolean {
  return dialect !== 'sqlite';
}

/**
 * Whether `UPDATE … RETURNING` and `DELETE … RETURNING` exist. MySQL 8 has neither (MariaDB only
 * the DELETE form), so on MySQL/MariaDB a write that needs its rows reads them in the same
 * transaction: lock them with `SELECT … FOR UPDATE`, then write (or write, then read what the
 * write locked). See `inTransaction`.
 */
export function hasReturning(dialect: Dialect): boolean {
  return dialect !== 'mysql';
}

/**
 * Runs `work` in the handle's transaction, or in a new one when the handle is the pool: for the
 * MySQL statement pairs that stand in for one statement with RETURNING.
 */
export async function inTransaction<T>(k: Knex, work: (trx: Knex) => Promise<T>): Promise<T> {
  if ((k as Knex.Transaction).isTransaction) return work(k);
  return k.transaction((trx) => work(trx));
}
