import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import knexFactory, { type Knex } from 'knex';
// Imported, not required through createRequire: the binary bundles knex, and these classes must be
// the bundled knex's own (it tells its values apart with `instanceof`).
import BetterSqliteClient from 'knex/lib/dialects/better-sqlite3/index.js';
import SqliteTransaction from 'knex/lib/dialects/sqlite3/execution/sqlite-transaction.js';
import { emporiaMysqlClient, mysqlConnection, setUpMysqlSession } from './mysql-client.js';

const require = createRequire(import.meta.url);

/** The three databases Emporia runs on, with the same behaviour. */
export type Dialect = 'sqlite' | 'postgres' | 'mysql';

/** The dialect of a database URL: `sqlite:`, `mysql://` or `mariadb://`, anything else PostgreSQL. */
export function dialectOf(url: string): Dialect {
  if (url.startsWith('sqlite:')) return 'sqlite';
  return /^(mysql|mariadb):\/\//.test(url) ? 'mysql' : 'postgres';
}

/** `sqlite:./data/x.db` → `./data/x.db`; `sqlite::memory:` → `:memory:`. */
export function sqliteFilename(url: string): string {
  return url.slice('sqlite:'.length);
}

/**
 * A better-sqlite3 knex client whose transactions start with BEGIN IMMEDIATE: the write lock is
 * taken up front, so two processes never hit SQLITE_BUSY_SNAPSHOT half-way through a transaction;
 * they queue on busy_timeout instead.
 */
function immediateSqliteClient(): typeof Knex.Client {
  class ImmediateTransaction extends SqliteTransaction {
    begin(conn: unknown) {
      return this.query(conn, 'BEGIN IMMEDIATE;');
    }
  }
  class EmporiaSqliteClient extends BetterSqliteClient {
    // knex prepares every statement anew, and preparing cost about as much as running a list
    // query (bench profile): statements are kept per connection, keyed by their SQL text.
    async _query(connection: SqliteConnection, obj: { sql: string; bindings?: unknown[]; options?: object }) {
      if (!obj.sql || (obj.options as { safeIntegers?: boolean } | undefined)?.safeIntegers !== undefined) {
        return super._query(connection, obj);
      }
      const statement = cachedStatement(connection, obj.sql);
      const bindings = this._formatBindings(obj.bindings);
      if (statement.reader) {
        (obj as { response?: unknown }).response = statement.all(bindings);
        return obj;
      }
      const response = statement.run(bindings);
      Object.assign(obj, { response, context: { lastID: response.lastInsertRowid, changes: response.changes } });
      return obj;
    }
    transaction(container: unknown, config: unknown, outerTx: unknown) {
      return new (ImmediateTransaction as unknown as new (...a: unknown[]) => unknown)(
        this,
        container,
        config,
        outerTx,
      );
    }
  }
  return EmporiaSqliteClient as unknown as typeof Knex.Client;
}

/** A better-sqlite3 statement, as the direct read path (`read-statements.ts`) runs it too. */
export interface SqliteStatement {
  reader: boolean;
  all(bindings: unknown[]): unknown[];
  /** Rows as arrays of their values (true) or as objects (false, the default). */
  raw(toggle: boolean): SqliteStatement;
  run(bindings: unknown[]): { lastInsertRowid: number | bigint; changes: number };
}

export interface SqliteConnection {
  pragma(sql: string): unknown;
  prepare(sql: string): SqliteStatement;
}

/** Bounded: `IN (?, ?, …)` lists of every length make new SQL texts. */
const STATEMENT_CACHE_SIZE = 500;
const statementCaches = new WeakMap<SqliteConnection, Map<string, SqliteStatement>>();

/** The connection's prepared statement for `sql` (SQLite re-prepares it itself after a schema change). */
export function cachedStatement(connection: SqliteConnection, sql: string): SqliteStatement {
  let cache = statementCaches.get(connection);
  if (!cache) statementCaches.set(connection, (cache = new Map()));
  let statement = cache.get(sql);
  if (!statement) {
    statement = connection.prepare(sql);
    if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    cache.set(sql, statement);
  }
  return statement;
}

/** Opens a knex instance for a `sqlite:`, `postgres://` or `mysql://` URL with the settings Emporia relies on. */
export function openDatabase(url: string, options: { poolMax?: number } = {}): Knex {
  if (dialectOf(url) === 'mysql') {
    return knexFactory({
      client: emporiaMysqlClient(),
      connection: mysqlConnection(url),
      pool: { min: 0, max: options.poolMax ?? 10, afterCreate: setUpMysqlSession },
    });
  }
  if (dialectOf(url) === 'sqlite') {
    const filename = sqliteFilename(url);
    if (filename !== ':memory:') mkdirSync(dirname(filename), { recursive: true });
    return knexFactory({
      client: immediateSqliteClient(),
      connection: { filename },
      useNullAsDefault: true,
      // better-sqlite3 is synchronous: one connection serialises every statement in-process,
      // and WAL lets other processes read while it writes.
      pool: {
        min: 1,
        max: 1,
        afterCreate(conn: SqliteConnection, done: (err: Error | null, conn: unknown) => void) {
          try {
            if (filename !== ':memory:') conn.pragma('journal_mode = WAL');
            conn.pragma('foreign_keys = ON');
            conn.pragma('busy_timeout = 10000');
            conn.pragma('synchronous = NORMAL');
            done(null, conn);
          } catch (err) {
            done(err as Error, conn);
          }
        },
      },
    });
  }
  // Loaded here rather than at the top: requiring pg costs a SQLite server ~70 ms of its start.
  const pg = require('pg') as typeof import('pg');
  // PostgreSQL returns int8 (counts, money sums) as strings; our amounts are safe integers.
  pg.types.setTypeParser(20, (v) => Number(v));
  return knexFactory({
    client: 'pg',
    connection: url,
    pool: { min: 0, max: options.poolMax ?? 10 },
  });
}
