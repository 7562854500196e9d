import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, renameSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import type { Knex } from 'knex';
import { dialectOf, openDatabase, sqliteFilename, type Dialect } from '../knex/database.js';
import {
  BACKUP_FORMAT,
  BACKUP_VERSION,
  BackupFileError,
  encodeValue,
  type BackupHeader,
  type BackupTable,
} from './format.js';
import { readCounters } from './dialect-state.js';
import { appliedMigrations, dependencyOrder, introspect, type Query, type TableInfo } from './introspect.js';

/** Where a backup, verification or restore is, reported as it goes. */
export interface BackupProgress {
  /** What is running: writing a backup, checking a file, or loading it. */
  phase: 'backup' | 'verify' | 'restore';
  /** The table being copied, when known. */
  table?: string;
  /** Rows done so far. */
  rows: number;
  /** Rows in all (from the header, or counted before a backup). */
  total: number;
}

/** Options of `writeBackup` (and, through RestoreOptions, of `restoreBackup`). */
export interface BackupOptions {
  /** Called as rows are copied or checked. */
  onProgress?: (progress: BackupProgress) => void;
}

/** A read-only, consistent view of the whole database for the length of a backup. */
interface Snapshot {
  dialect: Dialect;
  query: Query;
  /** The table's rows as arrays in `table.columns` order, in batches. */
  batches(table: TableInfo): AsyncGenerator<unknown[][]>;
  close(): Promise<void>;
}

const BATCH = 1000;
const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
/** Primary-key order: the same data gives the same file, whichever database it came from. */
const orderBy = (t: TableInfo) => (t.primaryKey.length ? ` order by ${t.primaryKey.map(quote).join(', ')}` : '');

/**
 * SQLite: a separate read-only connection holding one read transaction. Under WAL the server
 * keeps committing while the backup reads the snapshot taken by its first select.
 */
function sqliteSnapshot(url: string): Snapshot {
  const filename = sqliteFilename(url);
  if (filename === ':memory:')
    throw new BackupFileError('An in-memory database cannot be backed up from another connection');
  let db: Database.Database;
  try {
    db = new Database(filename, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new BackupFileError(`cannot open ${filename}: ${(err as Error).message}`);
  }
  db.pragma('busy_timeout = 10000');
  db.exec('BEGIN');
  db.prepare('select count(*) from sqlite_master').get(); // fixes the snapshot now
  return {
    dialect: 'sqlite',
    query: async (sql, bindings = []) => db.prepare(sql).all(...bindings) as Array<Record<string, unknown>>,
    async *batches(table) {
      const cols = table.columns.map((c) => quote(c.name)).join(', ');
      // safeIntegers: 64-bit integers arrive exact (as BigInt) instead of rounded to a double.
      const stmt = db
        .prepare(`select ${cols} from ${quote(table.name)}${orderBy(table)}`)
        .raw(true)
        .safeIntegers(true);
      let batch: unknown[][] = [];
      for (const row of stmt.iterate() as Iterable<unknown[]>) {
        batch.push(row);
        if (batch.length === BATCH) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length) yield batch;
    },
    async close() {
      if (db.inTransaction) db.exec('COMMIT');
      db.close();
    },
  };
}

/** PostgreSQL: one REPEATABLE READ, READ ONLY transaction; rows come through a server-side cursor. */
async function postgresSnapshot(url: string): Promise<Snapshot> {
  const knex = openDatabase(url, { poolMax: 1 });
  const trx = await knex.transaction();
  try {
    await trx.raw('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
  } catch (err) {
    await knex.destroy();
    throw err;
  }
  const query: Query = async (sql, bindings = []) =>
    ((await trx.raw(sql, bindings as never)) as { rows: Array<Record<string, unknown>> }).rows;
  return {
    dialect: 'postgres',
    query,
    async *batches(table) {
      // Integers as text: int8 beyond 2^53 would otherwise be rounded by the driver.
      const cols = table.columns
        .map((c) => (c.kind === 'integer' ? `${quote(c.name)}::text as ${quote(c.name)}` : quote(c.name)))
        .join(', ');
      await query(
        `declare emporia_backup no scroll cursor for select ${cols} from ${quote(table.name)}${orderBy(table)}`,
      );
      try {
        for (;;) {
          const rows = await query(`fetch forward ${BATCH} from emporia_backup`);
          if (!rows.length) break;
          yield rows.map((r) => table.columns.map((c) => r[c.name]));
        }
      } finally {
        await query('close emporia_backup');
      }
    },
    async close() {
      try {
        if (!trx.isCompleted()) await trx.commit();
      } finally {
        await knex.destroy();
      }
    },
  };
}

/**
 * MySQL/MariaDB: one REPEATABLE READ transaction (an InnoDB consistent snapshot, fixed by its first
 * read); rows stream from the server one table at a time.
 */
async function mysqlSnapshot(url: string): Promise<Snapshot> {
  const knex = openDatabase(url, { poolMax: 1 });
  let trx: Knex.Transaction;
  try {
    trx = await knex.transaction({ isolationLevel: 'repeatable read' });
  } catch (err) {
    await knex.destroy();
    throw err;
  }
  const query: Query = async (sql, bindings = []) =>
    (await trx.raw(sql, bindings as never)) as Array<Record<string, unknown>>;
  return {
    dialect: 'mysql',
    query,
    async *batches(table) {
      const cols = table.columns.map((c) => quote(c.name)).join(', ');
      let batch: unknown[][] = [];
      for await (const r of trx.raw(`select ${cols} from ${quote(table.name)}${orderBy(table)}`).stream()) {
        const row = r as Record<string, unknown>;
        batch.push(table.columns.map((c) => row[c.name]));
        if (batch.length === BATCH) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length) yield batch;
    },
    async close() {
      try {
        if (!trx.isCompleted()) await trx.commit();
      } finally {
        await knex.destroy();
      }
    },
  };
}

const SNAPSHOTS: Record<Dialect, (url: string) => Snapshot | Promise<Snapshot>> = {
  sqlite: sqliteSnapshot,
  postgres: postgresSnapshot,
  mysql: mysqlSnapshot,
};

/**
 * Writes a consistent, dialect-neutral, gzip-compressed snapshot of every table to `file`.
 * The body streams through gzip into a temporary file (memory stays flat for any catalog);
 * then the header with counts and checksum goes in front and the result is renamed into place.
 */
export async function writeBackup(
  databaseUrl: string,
  file: string,
  options: BackupOptions = {},
): Promise<BackupHeader> {
  const snapshot = await SNAPSHOTS[dialectOf(databaseUrl)](databaseUrl);
  const bodyFile = `${file}.body.tmp`;
  const partFile = `${file}.tmp`;
  try {
    const migrations = await appliedMigrations(snapshot.dialect, snapshot.query);
    if (!migrations.length) throw new BackupFileError('The database is not migrated: nothing to back up');
    const tables = dependencyOrder(await introspect(snapshot.dialect, snapshot.query));
    const counts = new Map<string, number>();
    for (const t of tables) {
      const [row] = await snapshot.query(`select count(*) as n from ${quote(t.name)}`);
      counts.set(t.name, Number(row.n));
    }
    const counters = await readCounters(snapshot.dialect, snapshot.query);
    const total = [...counts.values()].reduce((a, b) => a + b, 0);

    const hash = createHash('sha256');
    let bytes = 0;
    const gzip = createGzip();
    // Owner-only: a backup holds password hashes and webhook secrets.
    const out = createWriteStream(bodyFile, { mode: 0o600 });
    const written = pipeline(gzip, out);
    const write = async (line: string) => {
      const buf = Buffer.from(line + '\n', 'utf8');
      hash.update(buf);
      bytes += buf.length;
      if (!gzip.write(buf)) await once(gzip, 'drain');
    };

    const headerTables: BackupTable[] = [];
    let done = 0;
    options.onProgress?.({ phase: 'backup', rows: 0, total });
    for (const table of tables) {
      const kinds = table.columns.map((c) => c.kind);
      let rows = 0;
      await write(JSON.stringify({ table: table.name }));
      for await (const batch of snapshot.batches(table)) {
        // One write per batch: a promise per row would dominate the cost.
        await write(batch.map((row) => JSON.stringify(row.map((v, i) => encodeValue(kinds[i], v)))).join('\n'));
        rows += batch.length;
        done += batch.length;
        options.onProgress?.({ phase: 'backup', table: table.name, rows: done, total });
      }
      headerTables.push({ name: table.name, columns: table.columns.map((c) => c.name), kinds, rows });
    }
    gzip.end();
    await written;

    const header: BackupHeader = {
      format: BACKUP_FORMAT,
      version: BACKUP_VERSION,
      created_at: new Date().toISOString(),
      source_dialect: snapshot.dialect,
      migrations,
      tables: headerTables,
      counters,
      total_rows: done,
      body_bytes: bytes,
      body_sha256: hash.digest('hex'),
    };
    const part = createWriteStream(partFile, { mode: 0o600 });
    part.write(gzipSync(JSON.stringify(header) + '\n'));
    await pipeline(createReadStream(bodyFile), part);
    renameSync(partFile, file);
    return header;
  } finally {
    await snapshot.close();
    rmSync(bodyFile, { force: true });
    rmSync(partFile, { force: true });
  }
}
