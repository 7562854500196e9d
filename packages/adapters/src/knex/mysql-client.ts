/**
 * The knex client for MySQL 8 and MariaDB 10.6+ (mysql2 driver), set up so that migrations and
 * repositories written for SQLite and PostgreSQL behave the same on it:
 *
 * - every table is `utf8mb4` with the exact (binary) collation: `=` and unique indexes compare like
 *   SQLite and PostgreSQL do (`SKU-1` ≠ `sku-1`; e-mails are lower-cased before they are stored, so
 *   their unique index is case-insensitive on all three);
 * - `timestamp` columns are `DATETIME(3)` (milliseconds, no time-zone conversion, no 2038 limit);
 *   ISO strings bound as values are written in the form DATETIME accepts, and DATETIME values are
 *   read back as the same ISO strings;
 * - `text` columns are `LONGTEXT` (TEXT stops at 64 KB), and their defaults are written as
 *   expressions, the only form MySQL 8 accepts for them;
 * - `boolean` columns (`TINYINT(1)`) read back as booleans, JSON columns as their text;
 * - sessions run with READ COMMITTED (PostgreSQL's default: no gap locks, so fewer deadlocks),
 *   UTC, strict mode, ANSI_QUOTES (`"name"` is an identifier, as elsewhere) and PIPES_AS_CONCAT;
 * - `UPDATE` reports the rows it matched, not only those it changed (as SQLite and PostgreSQL do);
 * - `knex.raw` answers the rows (or the write's result header), not `[rows, fields]`.
 */
import type { Knex } from 'knex';
// knex's own classes, imported so the bundled binary carries one copy of knex (see database.ts).
import Mysql2Client from 'knex/lib/dialects/mysql2/index.js';
import MysqlColumnCompiler from 'knex/lib/dialects/mysql/schema/mysql-columncompiler.js';
import MysqlTableCompiler from 'knex/lib/dialects/mysql/schema/mysql-tablecompiler.js';
import formatterUtils from 'knex/lib/formatter/formatterUtils.js';

const { formatDefault } = formatterUtils;

/** Character set and collation of every table Emporia creates on MySQL/MariaDB. */
export const MYSQL_CHARSET = 'utf8mb4';
export const MYSQL_COLLATION = 'utf8mb4_bin';

/** The session every connection starts with (see the file comment). */
const SESSION_SETUP = [
  `SET SESSION sql_mode = 'STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION,ANSI_QUOTES,PIPES_AS_CONCAT'`,
  `SET SESSION time_zone = '+00:00'`,
  // A product's SKUs are joined into its search text; MySQL cuts GROUP_CONCAT at 1 KB by default.
  'SET SESSION group_concat_max_len = 1048576',
  'SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED',
  // As long as SQLite's busy_timeout: a lock held longer fails the statement (the unit of work
  // then runs the transaction again) instead of holding a request for InnoDB's default 50 s.
  'SET SESSION innodb_lock_wait_timeout = 10',
  `SET NAMES ${MYSQL_CHARSET} COLLATE ${MYSQL_COLLATION}`,
];

const ISO_TIMESTAMP = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?)Z$/;

/** `2024-01-02T03:04:05.678Z` → `2024-01-02 03:04:05.678`, the literal DATETIME accepts; other values unchanged. */
export function toMysqlValue(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const m = ISO_TIMESTAMP.exec(value);
  return m ? `${m[1]} ${m[2]}` : value;
}

interface MysqlField {
  type: string;
  length: number;
  string(): string | null;
}

/** DATETIME as the ISO string the other dialects hand back; TINYINT(1) as a boolean. */
function typeCast(field: MysqlField, next: () => unknown): unknown {
  if (field.type === 'DATETIME' || field.type === 'TIMESTAMP') {
    const text = field.string();
    if (text === null) return null;
    const [date, time] = text.split(' ');
    const [clock, fraction = ''] = time.split('.');
    return `${date}T${clock}.${fraction.padEnd(3, '0').slice(0, 3)}Z`;
  }
  if (field.type === 'TINY' && field.length === 1) {
    const text = field.string();
    return text === null ? null : text !== '0';
  }
  return next();
}

/** mysql2 connection settings for a `mysql://` or `mariadb://` URL. */
export function mysqlConnection(url: string): Record<string, unknown> {
  const u = new URL(url.replace(/^mariadb:/, 'mysql:'));
  return {
    host: decodeURIComponent(u.hostname) || '127.0.0.1',
    port: u.port ? Number(u.port) : 3306,
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: decodeURIComponent(u.pathname.replace(/^\//, '')) || undefined,
    charset: `${MYSQL_COLLATION.toUpperCase()}`,
    // Counts and sums come back as numbers; an integer past 2^53 as a string (backups stay exact).
    supportBigNumbers: true,
    decimalNumbers: true,
    // JSON as its text, as SQLite hands it back (mysql2 would parse it).
    jsonStrings: true,
    // Affected rows = matched rows, as on SQLite and PostgreSQL: an UPDATE that sets a column to
    // the value it has still counts the row.
    flags: ['FOUND_ROWS'],
    typeCast,
  };
}

/** Runs the session setup on a new connection (knex pool `afterCreate`). */
export function setUpMysqlSession(
  conn: { query(sql: string, cb: (err: Error | null) => void): void },
  done: (err: Error | null, conn: unknown) => void,
): void {
  const run = (i: number): void => {
    if (i === SESSION_SETUP.length) return done(null, conn);
    conn.query(SESSION_SETUP[i], (err) => (err ? done(err, conn) : run(i + 1)));
  };
  run(0);
}

/** The mysql2 knex client with the column types, table options and value forms described above. */
export function emporiaMysqlClient(): typeof Knex.Client {
  class ColumnCompiler extends MysqlColumnCompiler {
    declare type: string;
    declare client: unknown;
    timestamp() {
      return 'datetime(3)';
    }
    datetime() {
      return 'datetime(3)';
    }
    text() {
      return 'longtext';
    }
    defaultTo(value: unknown) {
      if (this.type === 'text' && value !== null && value !== undefined) {
        return `default (${formatDefault(value, this.type, this.client)})`;
      }
      return super.defaultTo(value);
    }
  }

  class TableCompiler extends MysqlTableCompiler {
    declare single: { charset?: string; collate?: string };
    createQuery(columns: unknown, ifNot: unknown, like: unknown) {
      this.single.charset ??= MYSQL_CHARSET;
      this.single.collate ??= MYSQL_COLLATION;
      return super.createQuery(columns, ifNot, like);
    }
  }

  class EmporiaMysqlClient extends Mysql2Client {
    columnCompiler(...args: unknown[]) {
      return new (ColumnCompiler as unknown as new (...a: unknown[]) => unknown)(this, ...args);
    }
    tableCompiler(...args: unknown[]) {
      return new (TableCompiler as unknown as new (...a: unknown[]) => unknown)(this, ...args);
    }
    prepBindings(bindings: unknown) {
      return Array.isArray(bindings) ? bindings.map(toMysqlValue) : bindings;
    }
    processResponse(obj: { method?: string; output?: unknown; response?: unknown[] } | null, runner: unknown) {
      if (obj?.method === 'raw' && !obj.output && Array.isArray(obj.response)) return obj.response[0];
      return super.processResponse(obj, runner);
    }
  }
  return EmporiaMysqlClient as unknown as typeof Knex.Client;
}
