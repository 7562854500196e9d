import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { openDatabase } from '../../packages/adapters/src/knex/database.js';
import { migrateLatest } from '../../packages/adapters/src/migrations/index.js';
import { bundleCli } from '../../scripts/cli-bundle.mjs';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export const DEFAULT_TEST_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
export const DEFAULT_TEST_MYSQL_URL = 'mysql://root@127.0.0.1:3306/';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string | null;
    mysqlUrl: string | null;
    /** A migrated MySQL database of this run and the statements that copy it (see `mysqlTemplate`). */
    mysqlTemplate: MysqlTemplate | null;
    /** A migrated PostgreSQL database of this run, copied by `CREATE DATABASE … TEMPLATE` (see `postgresTemplate`). */
    postgresTemplate: string | null;
    /** A migrated SQLite file of this run, copied for each test database (see `sqliteTemplate`). */
    sqliteTemplate: string | null;
    /** The `emporia` binary of this run's sources, bundled once (see `cliBundle`); CLI tests spawn it. */
    cliBundle: string | null;
  }
}

export interface MysqlTemplate {
  database: string;
  /** Run in a fresh database with foreign key checks off, they make it a copy of the template. */
  statements: string[];
}

/**
 * Decides once per run whether PostgreSQL takes part. On CI it must: a run that silently
 * skipped PostgreSQL would hide the races that only PostgreSQL exposes.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const url = process.env.TEST_DATABASE_URL ?? DEFAULT_TEST_DATABASE_URL;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  let reachable = false;
  try {
    await client.connect();
    await client.query('select 1');
    reachable = true;
  } catch (err) {
    if (process.env.CI || process.env.REQUIRE_POSTGRES) {
      throw new Error(`PostgreSQL is required but not reachable at ${url}: ${(err as Error).message}`);
    }
    console.warn(`PostgreSQL not reachable at ${url}; running SQLite only`);
  } finally {
    await client.end().catch(() => undefined);
  }
  const postgresUrl = reachable && process.env.SKIP_POSTGRES !== '1' ? url : null;
  project.provide('postgresUrl', postgresUrl);
  const mysqlUrl = await mysqlServer();
  project.provide('mysqlUrl', mysqlUrl);
  const [template, pgTemplate, sqlite, cli] = await Promise.all([
    mysqlUrl ? mysqlTemplate(mysqlUrl) : null,
    postgresUrl ? postgresTemplate(postgresUrl) : null,
    sqliteTemplate(),
    cliBundle(),
  ]);
  project.provide('mysqlTemplate', template);
  project.provide('postgresTemplate', pgTemplate);
  project.provide('sqliteTemplate', sqlite.file);
  project.provide('cliBundle', cli.file);
  return async () => {
    sqlite.drop();
    cli.drop();
    if (pgTemplate && postgresUrl) {
      const admin = new pg.Client({ connectionString: postgresUrl });
      await admin.connect();
      try {
        await admin.query(`alter database ${pgTemplate} is_template false`);
        await admin.query(`drop database if exists ${pgTemplate} with (force)`);
      } finally {
        await admin.end();
      }
    }
    if (!template || !mysqlUrl) return;
    const admin = openDatabase(mysqlUrl);
    await admin.raw(`drop database if exists ${template.database}`).finally(() => admin.destroy());
  };
}

/**
 * `emporia` from sources through tsx costs a few seconds per process (tsx compiles and node resolves
 * hundreds of files), and the CLI tests start about a hundred: the sources are bundled once per run
 * with esbuild, as `npm run build` bundles dist, and the tests run the bundle with plain node. It
 * lives under node_modules/.cache so that what it loads at run time (knex, the drivers, argon2, the
 * dashboard's files) resolves from the repository as from the sources. A watch-mode run rebuilds it
 * only when it restarts.
 */
async function cliBundle(): Promise<{ file: string; drop(): void }> {
  const cache = join(repoRoot, 'node_modules/.cache');
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(join(cache, 'emporia-test-cli-'));
  try {
    // @emporia/* resolve to the sources (tsconfig.tests.json), as under tsx and vitest.
    await bundleCli({
      entry: join(repoRoot, 'packages/cli/src/bin.ts'),
      launcher: join(repoRoot, 'packages/cli/src/launch.ts'),
      outdir: dir,
      tsconfig: join(repoRoot, 'tsconfig.tests.json'),
    });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return { file: join(dir, 'emporia.mjs'), drop: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Migrating a PostgreSQL database costs 1–2 s, `CREATE DATABASE … TEMPLATE` of a migrated one about
 * as much as creating an empty one: each test file's migrated database is a copy of this run's
 * template. Nobody may connect to it (a copy fails while the source has a session).
 */
async function postgresTemplate(serverUrl: string): Promise<string> {
  const database = `emporia_tpl_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${database}`);
    const url = new URL(serverUrl);
    url.pathname = `/${database}`;
    const k = openDatabase(url.toString());
    try {
      await migrateLatest(k);
    } finally {
      await k.destroy();
    }
    await admin.query(`alter database ${database} with is_template true allow_connections false`);
    return database;
  } finally {
    await admin.end();
  }
}

/** A migrated SQLite file (about 0.5 s to migrate, a copy costs a millisecond), in a folder of the run's. */
async function sqliteTemplate(): Promise<{ file: string; drop(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'emporia-tpl-'));
  const file = join(dir, 'template.db');
  const k = openDatabase(`sqlite:${file}`);
  try {
    await migrateLatest(k);
  } finally {
    await k.destroy();
  }
  // Closing the last connection checkpoints the WAL into the file: the file alone is the database.
  if (existsSync(`${file}-wal`)) throw new Error(`the SQLite template left a WAL behind: ${file}-wal`);
  return { file, drop: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Migrating a MySQL database costs about 3 s (dozens of DDL statements, each its own commit), a
 * copy of a migrated one about 1 s: each test file's database is made from this run's template.
 * The template is migrated once; its tables are recreated from SHOW CREATE TABLE, their rows
 * (built-in roles, the migration log) copied, its triggers recreated.
 */
async function mysqlTemplate(serverUrl: string): Promise<MysqlTemplate> {
  const database = `emporia_tpl_${randomBytes(6).toString('hex')}`;
  const admin = openDatabase(serverUrl);
  try {
    await admin.raw(`create database ${database} character set utf8mb4 collate utf8mb4_bin`);
  } finally {
    await admin.destroy();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  const k = openDatabase(url.toString(), { poolMax: 1 });
  try {
    await migrateLatest(k);
    const tables = (
      (await k.raw(
        `select table_name as name from information_schema.tables
          where table_schema = database() and table_type = 'BASE TABLE' order by table_name`,
      )) as Array<{ name: string }>
    ).map((t) => t.name);
    const triggers = (
      (await k.raw(
        `select trigger_name as name from information_schema.triggers where trigger_schema = database()`,
      )) as Array<{ name: string }>
    ).map((t) => t.name);
    const statements: string[] = [];
    for (const t of tables) statements.push((await k.raw(`show create table "${t}"`))[0]['Create Table']);
    for (const t of tables) statements.push(`insert into "${t}" select * from ${database}."${t}"`);
    for (const t of triggers) {
      const [row] = await k.raw(`show create trigger "${t}"`);
      statements.push(String(row['SQL Original Statement']).replace(/^CREATE DEFINER=\S+ TRIGGER/i, 'CREATE TRIGGER'));
    }
    return { database, statements };
  } finally {
    await k.destroy();
  }
}

/** The MySQL/MariaDB server URL when it takes part: required on CI, like PostgreSQL. */
async function mysqlServer(): Promise<string | null> {
  if (process.env.SKIP_MYSQL === '1') return null;
  const url = process.env.TEST_MYSQL_URL ?? DEFAULT_TEST_MYSQL_URL;
  try {
    const u = new URL(url);
    const connection = await mysql.createConnection({
      host: u.hostname,
      port: Number(u.port || 3306),
      user: decodeURIComponent(u.username),
      password: decodeURIComponent(u.password),
      connectTimeout: 2000,
    });
    await connection.query('select 1');
    await connection.end();
    return url;
  } catch (err) {
    if (process.env.CI || process.env.REQUIRE_MYSQL) {
      throw new Error(`MySQL/MariaDB is required but not reachable at ${url}: ${(err as Error).message}`);
    }
    console.warn(`MySQL/MariaDB not reachable at ${url}; running without it`);
    return null;
  }
}
