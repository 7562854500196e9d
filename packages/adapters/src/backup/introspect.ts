import type { Dialect } from '../knex/database.js';
import { SKIPPED_TABLES } from './dialect-state.js';

/**
 * How a column's values travel in a backup. Each dialect stores these differently (SQLite 0/1
 * vs PG bool, ISO text vs timestamptz, JSON text vs jsonb); the backup holds one neutral form.
 */
export type ColumnKind = 'boolean' | 'timestamp' | 'json' | 'integer' | 'decimal' | 'binary' | 'text';

export interface ColumnInfo {
  name: string;
  kind: ColumnKind;
  nullable: boolean;
}

export interface ForeignKey {
  column: string;
  table: string;
}

export interface TableInfo {
  name: string;
  /** Stored columns only: generated and derived search columns are rebuilt, never copied. */
  columns: ColumnInfo[];
  primaryKey: string[];
  foreignKeys: ForeignKey[];
}

/** Runs one read-only statement and returns its rows. */
export type Query = (sql: string, bindings?: unknown[]) => Promise<Array<Record<string, unknown>>>;

/** Knex's migration bookkeeping: the backup records the migration level instead of copying these. */
const MIGRATION_TABLES = ['emporia_migrations', 'emporia_migrations_lock'];
/** Derived columns of PostgreSQL and MySQL: the search index's static score, recomputed by the search rebuild. */
const DERIVED_COLUMNS = new Set(['products.search_rank']);

function sqliteKind(declared: string): ColumnKind {
  const t = declared.toLowerCase();
  if (t === 'boolean' || t === 'bool') return 'boolean';
  if (t === 'datetime' || t.startsWith('timestamp')) return 'timestamp';
  if (t === 'json' || t === 'jsonb') return 'json';
  if (t.includes('int')) return 'integer';
  if (/real|floa|doub|dec|num/.test(t)) return 'decimal';
  if (t === 'blob' || t === 'bytea') return 'binary';
  return 'text';
}

function postgresKind(dataType: string): ColumnKind | null {
  switch (dataType) {
    case 'boolean':
      return 'boolean';
    case 'timestamp with time zone':
    case 'timestamp without time zone':
      return 'timestamp';
    case 'json':
    case 'jsonb':
      return 'json';
    case 'smallint':
    case 'integer':
    case 'bigint':
      return 'integer';
    case 'numeric':
    case 'real':
    case 'double precision':
      return 'decimal';
    case 'bytea':
      return 'binary';
    case 'tsvector':
      return null; // derived search data: rebuilt by its trigger or generated expression
    default:
      return 'text';
  }
}

function mysqlKind(dataType: string, columnType: string): ColumnKind {
  if (columnType === 'tinyint(1)') return 'boolean'; // what BOOLEAN is on MySQL
  switch (dataType) {
    case 'datetime':
    case 'timestamp':
      return 'timestamp';
    case 'json':
      return 'json';
    case 'tinyint':
    case 'smallint':
    case 'mediumint':
    case 'int':
    case 'bigint':
      return 'integer';
    case 'decimal':
    case 'float':
    case 'double':
      return 'decimal';
    case 'blob':
    case 'longblob':
    case 'mediumblob':
    case 'binary':
    case 'varbinary':
      return 'binary';
    default:
      return 'text';
  }
}

const quoteSqlite = (name: string) => `"${name.replace(/"/g, '""')}"`;

async function sqliteTables(query: Query): Promise<TableInfo[]> {
  // `table_list` marks FTS virtual tables and their shadow tables; both are derived data.
  const list = await query(`PRAGMA table_list`);
  const names = list
    .filter((t) => t.schema === 'main' && t.type === 'table')
    .map((t) => String(t.name))
    .filter((n) => !n.startsWith('sqlite_') && !MIGRATION_TABLES.includes(n) && !SKIPPED_TABLES.includes(n))
    .sort();
  const tables: TableInfo[] = [];
  for (const name of names) {
    const cols = await query(`PRAGMA table_xinfo(${quoteSqlite(name)})`);
    const fks = await query(`PRAGMA foreign_key_list(${quoteSqlite(name)})`);
    tables.push({
      name,
      // hidden 2/3 are generated columns.
      columns: cols
        .filter((c) => Number(c.hidden) === 0)
        .map((c) => ({
          name: String(c.name),
          kind: sqliteKind(String(c.type ?? '')),
          nullable: Number(c.notnull) === 0,
        })),
      primaryKey: cols
        .filter((c) => Number(c.pk) > 0)
        .sort((a, b) => Number(a.pk) - Number(b.pk))
        .map((c) => String(c.name)),
      foreignKeys: fks.map((f) => ({ column: String(f.from), table: String(f.table) })),
    });
  }
  return tables;
}

async function postgresTables(query: Query): Promise<TableInfo[]> {
  const names = (
    await query(
      `select table_name from information_schema.tables
       where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`,
    )
  )
    .map((r) => String(r.table_name))
    .filter((n) => !MIGRATION_TABLES.includes(n) && !SKIPPED_TABLES.includes(n));
  const cols = await query(
    `select table_name, column_name, data_type, is_nullable, is_generated
     from information_schema.columns where table_schema = current_schema()
     order by table_name, ordinal_position`,
  );
  const keys = await query(
    `select cl.relname as table_name, a.attname as column_name, c.contype, rc.relname as ref_table,
            array_position(c.conkey, a.attnum) as position
     from pg_constraint c
     join pg_class cl on cl.oid = c.conrelid
     join pg_namespace n on n.oid = cl.relnamespace and n.nspname = current_schema()
     join pg_attribute a on a.attrelid = c.conrelid and a.attnum = any(c.conkey)
     left join pg_class rc on rc.oid = c.confrelid
     where c.contype in ('p', 'f')
     order by cl.relname, position`,
  );
  return names.map((name) => ({
    name,
    columns: cols
      .filter((c) => c.table_name === name && c.is_generated !== 'ALWAYS')
      .filter((c) => !DERIVED_COLUMNS.has(`${name}.${String(c.column_name)}`))
      .flatMap((c) => {
        const kind = postgresKind(String(c.data_type));
        return kind ? [{ name: String(c.column_name), kind, nullable: c.is_nullable === 'YES' }] : [];
      }),
    primaryKey: keys.filter((k) => k.table_name === name && k.contype === 'p').map((k) => String(k.column_name)),
    foreignKeys: keys
      .filter((k) => k.table_name === name && k.contype === 'f')
      .map((k) => ({ column: String(k.column_name), table: String(k.ref_table) })),
  }));
}

async function mysqlTables(query: Query): Promise<TableInfo[]> {
  const names = (
    await query(
      `select table_name as name from information_schema.tables
       where table_schema = database() and table_type = 'BASE TABLE' order by table_name`,
    )
  )
    .map((r) => String(r.name))
    .filter((n) => !MIGRATION_TABLES.includes(n) && !SKIPPED_TABLES.includes(n));
  const cols = await query(
    `select table_name as table_name, column_name as column_name, data_type as data_type,
            column_type as column_type, is_nullable as is_nullable, extra as extra
     from information_schema.columns where table_schema = database()
     order by table_name, ordinal_position`,
  );
  // Columns under a FULLTEXT index hold derived search text: rebuilt, never copied.
  const searchColumns = new Set(
    (
      await query(
        `select table_name as t, column_name as c from information_schema.statistics
         where table_schema = database() and index_type = 'FULLTEXT'`,
      )
    ).map((r) => `${r.t}.${r.c}`),
  );
  // MariaDB's JSON is LONGTEXT with a json_valid() check; MySQL reports the type itself (and its
  // check_constraints has no table_name).
  const [{ v: version }] = await query('select version() as v');
  const mariadbChecks = /mariadb/i.test(String(version))
    ? await query(
        `select table_name as t, check_clause as clause from information_schema.check_constraints
         where constraint_schema = database()`,
      )
    : [];
  const jsonColumns = new Set(
    mariadbChecks.flatMap((r) => {
      const m = /^json_valid\([`"]?([^`")]+)[`"]?\)$/i.exec(String(r.clause).trim());
      return m ? [`${r.t}.${m[1]}`] : [];
    }),
  );
  const keys = await query(
    `select k.table_name as table_name, k.column_name as column_name, k.referenced_table_name as ref_table,
            case when k.constraint_name = 'PRIMARY' then 'p' else 'f' end as contype
     from information_schema.key_column_usage k
     where k.table_schema = database() and (k.constraint_name = 'PRIMARY' or k.referenced_table_name is not null)
     order by k.table_name, k.constraint_name, k.ordinal_position`,
  );
  return names.map((name) => ({
    name,
    columns: cols
      .filter((c) => c.table_name === name && !/GENERATED/i.test(String(c.extra)))
      .filter((c) => !searchColumns.has(`${name}.${c.column_name}`) && !DERIVED_COLUMNS.has(`${name}.${c.column_name}`))
      .map((c) => ({
        name: String(c.column_name),
        kind: jsonColumns.has(`${name}.${c.column_name}`)
          ? 'json'
          : mysqlKind(String(c.data_type).toLowerCase(), String(c.column_type).toLowerCase()),
        nullable: c.is_nullable === 'YES',
      })),
    primaryKey: keys.filter((k) => k.table_name === name && k.contype === 'p').map((k) => String(k.column_name)),
    foreignKeys: keys
      .filter((k) => k.table_name === name && k.contype === 'f')
      .map((k) => ({ column: String(k.column_name), table: String(k.ref_table) })),
  }));
}

const INTROSPECTORS: Record<Dialect, (query: Query) => Promise<TableInfo[]>> = {
  sqlite: sqliteTables,
  postgres: postgresTables,
  mysql: mysqlTables,
};

/** Every table that holds data, as the database itself describes it (so new modules are covered). */
export function introspect(dialect: Dialect, query: Query): Promise<TableInfo[]> {
  return INTROSPECTORS[dialect](query);
}

/**
 * Tables ordered so that each comes after the tables it references. Cycles (and self
 * references) cannot be ordered; `restore` loads such columns afterwards.
 */
export function dependencyOrder(tables: TableInfo[]): TableInfo[] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const done = new Set<string>();
  const ordered: TableInfo[] = [];
  const visiting = new Set<string>();
  const visit = (t: TableInfo) => {
    if (done.has(t.name) || visiting.has(t.name)) return;
    visiting.add(t.name);
    for (const fk of t.foreignKeys) {
      const target = byName.get(fk.table);
      if (target && target !== t) visit(target);
    }
    visiting.delete(t.name);
    done.add(t.name);
    ordered.push(t);
  };
  for (const t of [...tables].sort((a, b) => a.name.localeCompare(b.name))) visit(t);
  return ordered;
}

/** The applied migrations, oldest first (none when the database was never migrated). */
export async function appliedMigrations(dialect: Dialect, query: Query): Promise<string[]> {
  // Checked first: a failing select would abort a PostgreSQL transaction.
  const exists =
    dialect === 'sqlite'
      ? await query(`select 1 from sqlite_master where type = 'table' and name = 'emporia_migrations'`)
      : await query(
          `select 1 from information_schema.tables where table_schema = ${dialect === 'mysql' ? 'database()' : 'current_schema()'} and table_name = 'emporia_migrations'`,
        );
  if (!exists.length) return [];
  const rows = await query(`select name from emporia_migrations order by id`);
  return rows.map((r) => String(r.name));
}
