import { spawn } from 'node:child_process';
import { chmodSync, closeSync, createReadStream, existsSync, openSync, readSync, renameSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { dialectOf, openDatabase, sqliteFilename } from '../knex/database.js';
import { mysqlConnection } from '../knex/mysql-client.js';
import { BackupFileError } from './format.js';
import { refuseIfHoldingData } from './restore.js';

/**
 * Native backups: the database's own format, same dialect only. SQLite uses its online backup
 * API (consistent while the server writes); PostgreSQL uses pg_dump/pg_restore, MySQL/MariaDB
 * `mariadb-dump` (or `mysqldump`) and the `mariadb` (or `mysql`) client, when installed.
 */
export interface NativeOptions {
  /** Progress as a fraction 0..1 (SQLite) or a line of tool output (PostgreSQL). */
  onProgress?: (done: number, message?: string) => void;
  /** `restoreNativeBackup`: replace a database that already holds data (default: refuse). */
  force?: boolean;
}

interface RunOptions {
  onLine?: (line: string) => void;
  /** A file fed to the tool's standard input. */
  input?: string;
  env?: NodeJS.ProcessEnv;
}

function run(tool: string, args: string[], options: RunOptions = {}): Promise<void> {
  const { onLine, input, env } = options;
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, { stdio: [input ? 'pipe' : 'ignore', 'ignore', 'pipe'], env });
    if (input) {
      const source = createReadStream(input);
      source.on('error', (err) => {
        child.kill();
        reject(new BackupFileError(err.message));
      });
      source.pipe(child.stdin!);
    }
    let last = '';
    child.stderr!.setEncoding('utf8').on('data', (text: string) => {
      for (const line of text.split('\n').filter(Boolean)) {
        last = line;
        onLine?.(line);
      }
    });
    child.on('error', (err: NodeJS.ErrnoException) =>
      reject(
        new BackupFileError(err.code === 'ENOENT' ? `${tool} is not installed (needed for --native)` : err.message),
      ),
    );
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new BackupFileError(`${tool} failed: ${last || `exit code ${code}`}`)),
    );
  });
}

/**
 * Writes a native backup of the database at `databaseUrl` to `file` (SQLite online backup API, or
 * `pg_dump` in custom format), readable only by its owner; restore it with `restoreNativeBackup`.
 *
 * @throws BackupFileError when the tool is missing or fails.
 */
export async function writeNativeBackup(databaseUrl: string, file: string, options: NativeOptions = {}): Promise<void> {
  if (dialectOf(databaseUrl) === 'mysql') {
    const { args, env } = mysqlToolArgs(databaseUrl);
    // --single-transaction: a consistent InnoDB snapshot without locking the shop's tables.
    await runFirstInstalled(
      ['mariadb-dump', 'mysqldump'],
      ['--single-transaction', '--triggers', '--no-tablespaces', '--verbose', `--result-file=${file}.tmp`, ...args],
      { onLine: (l) => options.onProgress?.(0, l), env },
    );
    chmodSync(`${file}.tmp`, 0o600); // password hashes and secrets inside
    renameSync(`${file}.tmp`, file);
    return;
  }
  if (dialectOf(databaseUrl) === 'postgres') {
    await run('pg_dump', ['--format=custom', '--verbose', `--file=${file}.tmp`, databaseUrl], {
      onLine: (l) => options.onProgress?.(0, l),
    });
    chmodSync(`${file}.tmp`, 0o600); // password hashes and secrets inside
    renameSync(`${file}.tmp`, file);
    return;
  }
  const filename = sqliteFilename(databaseUrl);
  if (filename === ':memory:' || !existsSync(filename)) throw new BackupFileError(`no SQLite database at ${filename}`);
  const db = new Database(filename, { readonly: true, fileMustExist: true });
  try {
    await db.backup(`${file}.tmp`, {
      progress({ totalPages, remainingPages }) {
        options.onProgress?.(totalPages ? 1 - remainingPages / totalPages : 1);
        return 1000;
      },
    });
    chmodSync(`${file}.tmp`, 0o600); // password hashes and secrets inside
    renameSync(`${file}.tmp`, file);
  } finally {
    db.close();
    rmSync(`${file}.tmp`, { force: true });
  }
}

/** Connection arguments for the MySQL/MariaDB command-line tools; the password goes by environment, not argv. */
function mysqlToolArgs(databaseUrl: string): { args: string[]; env: NodeJS.ProcessEnv } {
  const c = mysqlConnection(databaseUrl) as {
    host: string;
    port: number;
    user: string;
    password: string;
    database?: string;
  };
  if (!c.database) throw new BackupFileError('the database URL names no database');
  const args = [
    `--host=${c.host}`,
    `--port=${c.port}`,
    `--user=${c.user}`,
    '--default-character-set=utf8mb4',
    c.database,
  ];
  return { args, env: { ...process.env, MYSQL_PWD: c.password } };
}

/** Runs the first of `tools` that is installed (MariaDB names its tools `mariadb-*`, MySQL `mysql*`). */
async function runFirstInstalled(tools: string[], args: string[], options: RunOptions): Promise<void> {
  for (const [i, tool] of tools.entries()) {
    try {
      return await run(tool, args, options);
    } catch (err) {
      const missing = err instanceof BackupFileError && err.message.endsWith('is not installed (needed for --native)');
      if (!missing || i === tools.length - 1) throw err;
    }
  }
}

/** Whether the file starts as the MySQL and MariaDB dump tools start theirs. */
function headOf(file: string): Buffer {
  const head = Buffer.alloc(200);
  const fd = openSync(file, 'r');
  try {
    return head.subarray(0, readSync(fd, head, 0, head.length, 0));
  } finally {
    closeSync(fd);
  }
}

function isMysqlDump(file: string): boolean {
  return /^-- (MariaDB|MySQL) dump/m.test(headOf(file).toString('utf8'));
}

/** Which dialect's native format the file is in, by its first bytes; null when none. */
function nativeDialectOf(file: string): 'sqlite' | 'postgres' | 'mysql' | null {
  const head = headOf(file);
  if (head.subarray(0, 16).toString('latin1') === 'SQLite format 3\0') return 'sqlite';
  if (head.subarray(0, 5).toString('latin1') === 'PGDMP') return 'postgres';
  return isMysqlDump(file) ? 'mysql' : null;
}

async function refuseIfHolding(databaseUrl: string): Promise<void> {
  const knex = openDatabase(databaseUrl, { poolMax: 1 });
  try {
    await refuseIfHoldingData(knex, dialectOf(databaseUrl));
  } finally {
    await knex.destroy();
  }
}

/** Replaces the target with a native backup. Refuses a target that holds data unless `force`. */
export async function restoreNativeBackup(
  databaseUrl: string,
  file: string,
  options: NativeOptions = {},
): Promise<void> {
  if (!existsSync(file)) throw new BackupFileError(`${file}: no such file`);
  const written = nativeDialectOf(file);
  if (written !== null && written !== dialectOf(databaseUrl)) {
    throw new BackupFileError(
      `${file} is a native ${written} backup: native backups restore into the same dialect only; ` +
        `use a plain backup (emporia backup without --native) to move to ${dialectOf(databaseUrl)}`,
    );
  }
  if (dialectOf(databaseUrl) === 'mysql') {
    if (!isMysqlDump(file)) throw new BackupFileError(`${file}: not a mariadb-dump or mysqldump file`);
    if (!options.force) await refuseIfHolding(databaseUrl);
    const { args, env } = mysqlToolArgs(databaseUrl);
    // The dump drops and recreates each table (and its triggers) itself.
    await runFirstInstalled(['mariadb', 'mysql'], ['--batch', ...args], { input: file, env });
    options.onProgress?.(1);
    return;
  }
  if (dialectOf(databaseUrl) === 'postgres') {
    if (!options.force) await refuseIfHolding(databaseUrl);
    // Reading the table of contents first rejects a file that is not a pg_dump archive.
    await run('pg_restore', ['--list', file]);
    await run(
      'pg_restore',
      ['--clean', '--if-exists', '--no-owner', '--single-transaction', '--verbose', `--dbname=${databaseUrl}`, file],
      { onLine: (l) => options.onProgress?.(0, l) },
    );
    return;
  }
  let source: Database.Database;
  try {
    source = new Database(file, { readonly: true, fileMustExist: true });
    const [check] = source.pragma('quick_check') as Array<{ quick_check: string }>;
    if (check?.quick_check !== 'ok') throw new Error(check?.quick_check ?? 'failed');
  } catch (err) {
    throw new BackupFileError(`${file}: not a usable SQLite backup (${(err as Error).message})`);
  }
  try {
    const filename = sqliteFilename(databaseUrl);
    if (!options.force && existsSync(filename)) await refuseIfHolding(databaseUrl);
    await source.backup(filename, {
      progress({ totalPages, remainingPages }) {
        options.onProgress?.(totalPages ? 1 - remainingPages / totalPages : 1);
        return 1000;
      },
    });
  } finally {
    source.close();
  }
}
