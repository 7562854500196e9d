import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';

/** The databases the bench runs on, in the order reports list them. */
export const BENCH_DIALECTS = ['sqlite', 'postgres', 'mysql'] as const;
export type BenchDialect = (typeof BENCH_DIALECTS)[number];

export interface BenchDatabase {
  dialect: BenchDialect;
  url: string;
  drop(): Promise<void>;
}

async function adminQuery(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function mysqlQuery(serverUrl: string, sql: string): Promise<void> {
  const u = new URL(serverUrl);
  const connection = await mysql.createConnection({
    host: u.hostname,
    port: Number(u.port || 3306),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
  });
  try {
    await connection.query(sql);
  } finally {
    await connection.end();
  }
}

/** True when MySQL/MariaDB answers at `serverUrl`. */
export async function mysqlAvailable(serverUrl: string): Promise<boolean> {
  try {
    await mysqlQuery(serverUrl, 'SELECT 1');
    return true;
  } catch {
    return false;
  }
}

/** True when PostgreSQL answers at `adminUrl`. */
export async function postgresAvailable(adminUrl: string): Promise<boolean> {
  try {
    await adminQuery(adminUrl, 'SELECT 1');
    return true;
  } catch {
    return false;
  }
}

/**
 * An empty database for one catalog size: a fresh SQLite file in `workDir`, or a fresh
 * `emporia_bench_<size>` PostgreSQL or MySQL database (dropped first if a previous run left it).
 */
export async function freshDatabase(
  dialect: BenchDialect,
  size: number,
  workDir: string,
  adminUrl: string,
  mysqlUrl = 'mysql://root@127.0.0.1:3306/',
): Promise<BenchDatabase> {
  if (dialect === 'mysql') {
    const name = `emporia_bench_${size}`;
    await mysqlQuery(mysqlUrl, `DROP DATABASE IF EXISTS ${name}`);
    await mysqlQuery(mysqlUrl, `CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
    const url = new URL(mysqlUrl);
    url.pathname = `/${name}`;
    return {
      dialect,
      url: url.toString(),
      async drop() {
        await mysqlQuery(mysqlUrl, `DROP DATABASE IF EXISTS ${name}`);
      },
    };
  }
  if (dialect === 'sqlite') {
    const dir = join(workDir, `sqlite-${size}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    return {
      dialect,
      url: `sqlite:${join(dir, 'emporia.db')}`,
      async drop() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const name = `emporia_bench_${size}`;
  await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await adminQuery(adminUrl, `CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    dialect,
    url: url.toString(),
    async drop() {
      await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}
