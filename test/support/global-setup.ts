import type { TestProject } from 'vitest/node';
import mysql from 'mysql2/promise';
import pg from 'pg';

export const DEFAULT_TEST_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
export const DEFAULT_TEST_MYSQL_URL = 'mysql://root@127.0.0.1:3306/';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string | null;
    mysqlUrl: string | null;
  }
}

/**
 * Decides once per run whether PostgreSQL takes part. On CI it must: a run that silently
 * skipped PostgreSQL would hide the races that only PostgreSQL exposes.
 */
export default async function setup(project: TestProject): Promise<void> {
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
  project.provide('postgresUrl', reachable && process.env.SKIP_POSTGRES !== '1' ? url : null);
  project.provide('mysqlUrl', await mysqlServer());
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
