import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

export type BenchDialect = 'sqlite' | 'postgres';

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
 * `emporia_bench_<size>` PostgreSQL database (dropped first if a previous run left it).
 */
export async function freshDatabase(
  dialect: BenchDialect,
  size: number,
  workDir: string,
  adminUrl: string,
): Promise<BenchDatabase> {
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
