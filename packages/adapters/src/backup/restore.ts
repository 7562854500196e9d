import { ConflictError } from '@emporia/core';
import type { Knex } from 'knex';
import { dialectOf, openDatabase, type Dialect } from '../knex/database.js';
import { migrateLatest } from '../migrations/index.js';
import type { BackupOptions } from './backup.js';
import { rebuildDerived, writeCounters } from './dialect-state.js';
import {
  BackupFileError,
  decodeValue,
  openBackup,
  verifyBackup,
  type BackupHeader,
  type BackupTable,
  type BackupLine,
} from './format.js';
import {
  appliedMigrations,
  dependencyOrder,
  introspect,
  type ColumnKind,
  type Query,
  type TableInfo,
} from './introspect.js';

/** Options of `restoreBackup`. */
export interface RestoreOptions extends BackupOptions {
  /** Replace the data of a database that already holds some (default: refuse). */
  force?: boolean;
}

type BackupLines = AsyncGenerator<BackupLine>;

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

function queryOf(knex: Knex | Knex.Transaction, dialect: Dialect): Query {
  return async (sql, bindings = []) => {
    const result = await knex.raw(sql, bindings as never);
    return dialect === 'postgres' ? (result as { rows: Array<Record<string, unknown>> }).rows : result;
  };
}

async function rowCounts(query: Query, tables: string[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const name of tables) {
    const [row] = await query(`select count(*) as n from ${quote(name)}`);
    counts.set(name, Number(row.n));
  }
  return counts;
}

/**
 * Rows a freshly migrated database already holds (built-in roles…), measured on a scratch
 * in-memory database, so "empty" means "nothing beyond what migrations seed".
 */
async function seededCounts(): Promise<Map<string, number>> {
  const scratch = openDatabase('sqlite::memory:');
  try {
    await migrateLatest(scratch);
    const query = queryOf(scratch, 'sqlite');
    const tables = await introspect('sqlite', query);
    return await rowCounts(
      query,
      tables.map((t) => t.name),
    );
  } finally {
    await scratch.destroy();
  }
}

/** Throws ConflictError when a table holds more rows than a freshly migrated database. */
export async function refuseIfHoldingData(knex: Knex, dialect: Dialect): Promise<void> {
  const query = queryOf(knex, dialect);
  const seeded = await seededCounts();
  const tables = await introspect(dialect, query);
  const counts = await rowCounts(
    query,
    tables.map((t) => t.name),
  );
  const holding = [...counts].filter(([name, n]) => n > (seeded.get(name) ?? 0));
  if (holding.length) {
    throw new ConflictError(
      `The target database already holds data (${holding
        .slice(0, 3)
        .map(([name, n]) => `${name}: ${n} rows`)
        .join(', ')}); restore replaces everything: pass --force to do so`,
    );
  }
}

/** Checks the target can take the backup: same migration level, every table and column present. */
function checkSchema(header: BackupHeader, applied: string[], target: Map<string, TableInfo>): void {
  if (!applied.length) {
    throw new ConflictError('The target database is not migrated: run `emporia migrate` first, then restore');
  }
  if (applied.join(',') !== header.migrations.join(',')) {
    throw new ConflictError(
      `The backup is at migration level ${header.migrations.at(-1)} but the database is at ${applied.at(-1)}: ` +
        'migrate the target to the same level (same Emporia version) before restoring',
    );
  }
  for (const t of header.tables) {
    const info = target.get(t.name);
    if (!info) throw new ConflictError(`The target database has no table ${t.name}`);
    const missing = t.columns.filter((c) => !info.columns.some((x) => x.name === c));
    if (missing.length) throw new ConflictError(`The target table ${t.name} has no column ${missing.join(', ')}`);
  }
}

/** Rebuilds SQLite FTS5 indexes that mirror another table (their shadow tables are never copied). */
async function rebuildSearchIndexes(trx: Knex.Transaction, dialect: Dialect): Promise<void> {
  if (dialect !== 'sqlite') return; // PostgreSQL search columns are generated or trigger-maintained
  const virtual = (await trx.raw(
    `select name, sql from sqlite_master where type = 'table' and sql like 'CREATE VIRTUAL TABLE%'`,
  )) as Array<{ name: string; sql: string }>;
  for (const v of virtual) {
    if (/using\s+fts5/i.test(v.sql) && /content\s*=\s*'?[A-Za-z_]/i.test(v.sql)) {
      await trx.raw(`insert into ${quote(v.name)}(${quote(v.name)}) values ('rebuild')`);
    }
  }
}

/** PostgreSQL serial sequences restart after the highest restored id. */
async function resetSequences(query: Query, tables: TableInfo[]): Promise<void> {
  for (const t of tables) {
    for (const c of t.columns) {
      if (c.kind !== 'integer') continue;
      const [row] = await query(`select pg_get_serial_sequence(?, ?) as seq`, [quote(t.name), c.name]);
      if (!row?.seq) continue;
      await query(
        `select setval(?, coalesce((select max(${quote(c.name)}) from ${quote(t.name)}), 1),
                (select max(${quote(c.name)}) from ${quote(t.name)}) is not null)`,
        [row.seq],
      );
    }
  }
}

/**
 * Loads a backup into a migrated database of any of the three dialects. The file is verified in full
 * (checksum, counts) before anything is written; the load is one transaction that replaces
 * every table's rows and checks the counts again before committing.
 */
export async function restoreBackup(
  databaseUrl: string,
  file: string,
  options: RestoreOptions = {},
): Promise<BackupHeader> {
  const header = await verifyBackup(file, (rows, total) => options.onProgress?.({ phase: 'verify', rows, total }));
  const dialect = dialectOf(databaseUrl);
  const knex = openDatabase(databaseUrl, { poolMax: 1 });
  try {
    const query = queryOf(knex, dialect);
    const targetTables = await introspect(dialect, query);
    const target = new Map(targetTables.map((t) => [t.name, t]));
    checkSchema(header, await appliedMigrations(dialect, query), target);

    if (!options.force) await refuseIfHoldingData(knex, dialect);

    const ordered = dependencyOrder(header.tables.map((t) => target.get(t.name) as TableInfo));
    const load = (source: BackupLines) =>
      knex.transaction(async (trx) => {
        const tq = queryOf(trx, dialect);
        const deletion = [...ordered].reverse();
        // Children first. A reference to the table itself or to one deleted earlier (a cycle) is
        // cleared before: MySQL checks foreign keys row by row even within one DELETE.
        for (const [i, t] of deletion.entries()) {
          const circular = t.foreignKeys.filter(
            (fk) =>
              deletion.findIndex((d) => d.name === fk.table) <= i &&
              t.columns.find((c) => c.name === fk.column)?.nullable,
          );
          if (circular.length) {
            await trx(t.name).update(Object.fromEntries(circular.map((fk) => [fk.column, null])));
          }
          await trx(t.name).delete();
        }

        const loaded = new Set<string>();
        // Foreign keys to a table not loaded yet (self references, cycles) are set afterwards.
        const later: Array<{ table: string; key: Record<string, unknown>; values: Record<string, unknown> }> = [];
        let batch: Record<string, unknown>[] = [];
        let current:
          { table: BackupTable; info: TableInfo; kinds: ColumnKind[]; deferred: Set<string>; size: number } | undefined;
        let done = 0;

        const flush = async () => {
          if (!current || !batch.length) return;
          await trx(current.table.name).insert(batch);
          done += batch.length;
          options.onProgress?.({ phase: 'restore', table: current.table.name, rows: done, total: header.total_rows });
          batch = [];
        };

        for await (const line of source) {
          if (line.kind === 'table') {
            await flush();
            if (current) loaded.add(current.table.name);
            const info = target.get(line.table.name) as TableInfo;
            const deferred = new Set(
              info.foreignKeys
                .filter((fk) => !loaded.has(fk.table) && info.primaryKey.length > 0)
                .filter((fk) => info.columns.find((c) => c.name === fk.column)?.nullable)
                .map((fk) => fk.column),
            );
            // knex inserts many SQLite rows as one compound select (at most 500 terms); bound
            // values stay under SQLite's 32766 and PostgreSQL's 65535.
            const size = Math.max(1, Math.min(500, Math.floor(30_000 / line.table.columns.length)));
            // Values are decoded for the target's column types.
            const kinds = line.table.columns.map(
              (name, i) => info.columns.find((c) => c.name === name)?.kind ?? line.table.kinds[i],
            );
            current = { table: line.table, info, kinds, deferred, size };
            continue;
          }
          const { table, info, kinds, deferred, size } = current as NonNullable<typeof current>;
          const row: Record<string, unknown> = {};
          const postponed: Record<string, unknown> = {};
          table.columns.forEach((name, i) => {
            const value = decodeValue(kinds[i], dialect, line.values[i]);
            if (deferred.has(name) && value !== null) {
              postponed[name] = value;
              row[name] = null;
            } else row[name] = value;
          });
          if (Object.keys(postponed).length) {
            later.push({
              table: table.name,
              key: Object.fromEntries(info.primaryKey.map((k) => [k, row[k]])),
              values: postponed,
            });
          }
          batch.push(row);
          if (batch.length >= size) await flush();
        }
        await flush();
        for (const l of later) await trx(l.table).where(l.key).update(l.values);

        if (dialect === 'postgres') await resetSequences(tq, ordered);
        await writeCounters(trx, dialect, header.counters);
        await rebuildSearchIndexes(trx, dialect);
        await rebuildDerived(trx, dialect);

        const counts = await rowCounts(
          tq,
          header.tables.map((t) => t.name),
        );
        for (const t of header.tables) {
          if (counts.get(t.name) !== t.rows) {
            throw new BackupFileError(
              `${t.name}: restored ${counts.get(t.name)} rows, the backup holds ${t.rows}; nothing was changed`,
            );
          }
        }
      });
    const { lines } = await openBackup(file);
    try {
      await load(lines);
    } finally {
      await lines.return(undefined);
    }
    return header;
  } finally {
    await knex.destroy();
  }
}
