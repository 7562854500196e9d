/**
 * Fixed-shape reads on the hot paths (a list page, a product by slug) run here, below knex's query
 * builder and runner: the SQL text is written once per shape, and the statement is prepared once
 * per connection — better-sqlite3's `prepare`, kept per connection; a PostgreSQL named statement,
 * parsed once per connection; on MySQL/MariaDB the mysql2 connection's `query`, with arrays built
 * by the driver's row parser. Building and running a statement through knex cost about as much
 * as SQLite executing it (bench profile of issue 20). Inside a transaction the statement goes
 * through `knex.raw` as before. Every statement is still announced as knex's
 * `query` event, so statement counts (the statement budgets) see it.
 */
import type { Knex } from 'knex';
import { cachedStatement, type SqliteConnection } from './database.js';
import { knexDialect } from './dialect.js';
import { rawRows } from './values.js';

interface PgQuery {
  name?: string;
  text: string;
  values: unknown[];
  rowMode?: 'array';
}

interface PgConnection {
  query(config: PgQuery): Promise<{ rows: unknown[] }>;
}

interface MysqlConnection {
  query(
    options: { sql: string; values: unknown[]; rowsAsArray: boolean },
    callback: (err: Error | null, rows: unknown) => void,
  ): void;
}

interface KnexClient {
  acquireConnection(): Promise<unknown>;
  releaseConnection(connection: unknown): Promise<void>;
  positionBindings(sql: string): string;
  _formatBindings?(bindings: unknown[]): unknown[];
  prepBindings(bindings: unknown[]): unknown[];
  emit(event: string, data: unknown): boolean;
}

/** Past this many statement names a new SQL text runs unnamed (IN lists of every length make new texts). */
const MAX_NAMED = 500;
/** PostgreSQL statement names by SQL text (the same name must always mean the same text). */
const pgNames = new Map<string, { name?: string; text: string }>();

/** PostgreSQL texts (`$1` placeholders) of the statements run unnamed, by SQL text (bounded as the names are). */
const pgTexts = new Map<string, string>();

function pgText(client: KnexClient, sql: string): string {
  let text = pgTexts.get(sql);
  if (text === undefined) {
    text = client.positionBindings(sql);
    if (pgTexts.size < MAX_NAMED) pgTexts.set(sql, text);
  }
  return text;
}

function pgStatement(client: KnexClient, sql: string): { name?: string; text: string } {
  let statement = pgNames.get(sql);
  if (!statement) {
    const text = pgText(client, sql);
    statement = pgNames.size < MAX_NAMED ? { name: `emporia_read_${pgNames.size + 1}`, text } : { text };
    if (statement.name) pgNames.set(sql, statement);
  }
  return statement;
}

/** How `readRows` runs a statement. */
export interface ReadOptions {
  /**
   * PostgreSQL: plan the statement for each call's values (an unnamed statement) instead of keeping
   * it named, where a generic plan would be chosen after five calls. For a statement whose best plan
   * depends on the values, e.g. a full-text match: a rare word wants the GIN index, a common one the
   * static order's walk, and one plan for both walks every row for the rare word.
   */
  planPerCall?: boolean;
}

/** The rows of a SELECT with `?` placeholders, on the handle's own connection pool (or its transaction). */
export function readRows<T = Record<string, unknown>>(
  k: Knex,
  sql: string,
  bindings: unknown[],
  options: ReadOptions = {},
): Promise<T[]> {
  return read<T>(k, sql, bindings, false, options);
}

/**
 * `readRows` with each row as the array of its column values, in the select list's order (the
 * drivers' raw and array row modes): for wide rows read on a hot path, where the driver building
 * an object by column names per row is a visible cost. Column names must be unique.
 */
export function readRowArrays(
  k: Knex,
  sql: string,
  bindings: unknown[],
  options: ReadOptions = {},
): Promise<unknown[][]> {
  return read<unknown[]>(k, sql, bindings, true, options);
}

async function read<T>(k: Knex, sql: string, bindings: unknown[], arrays: boolean, options: ReadOptions): Promise<T[]> {
  const dialect = knexDialect(k);
  if ((k as Knex & { isTransaction?: boolean }).isTransaction) {
    const rows = rawRows<Record<string, unknown>>(await k.raw(sql, bindings as Knex.RawBinding[]));
    return (arrays ? rows.map((row) => Object.values(row)) : rows) as T[];
  }
  const client = k.client as unknown as KnexClient;
  client.emit('query', { method: 'raw', sql, bindings });
  const connection = await client.acquireConnection();
  try {
    if (dialect === 'sqlite') {
      const values = client._formatBindings ? client._formatBindings(bindings) : bindings;
      const statement = cachedStatement(connection as SqliteConnection, sql);
      if (!arrays) return statement.all(values) as T[];
      // The statement is shared (knex's runner reads its objects): raw for this call only.
      statement.raw(true);
      try {
        return statement.all(values) as T[];
      } finally {
        statement.raw(false);
      }
    }
    if (dialect === 'mysql') {
      // The emporia client's binding forms (ISO timestamps as DATETIME literals), then the driver's.
      const values = client.prepBindings(bindings);
      return await new Promise<T[]>((resolve, reject) =>
        (connection as MysqlConnection).query({ sql, values, rowsAsArray: arrays }, (err, rows) =>
          err ? reject(err) : resolve(rows as T[]),
        ),
      );
    }
    const { name, text } = options.planPerCall
      ? { name: undefined, text: pgText(client, sql) }
      : pgStatement(client, sql);
    const query: PgQuery = name ? { name, text, values: bindings } : { text, values: bindings };
    if (arrays) query.rowMode = 'array';
    const result = await (connection as PgConnection).query(query);
    return result.rows as T[];
  } finally {
    await client.releaseConnection(connection);
  }
}
