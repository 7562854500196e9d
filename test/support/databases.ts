import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { inject } from 'vitest';
import { openDatabase } from '../../packages/adapters/src/knex/database.js';

export type TestDialect = 'sqlite' | 'postgres' | 'mysql';

/** The dialects this run covers: SQLite always, PostgreSQL and MySQL/MariaDB when reachable (always on CI). */
export function testDialects(): TestDialect[] {
  const dialects: TestDialect[] = ['sqlite'];
  if (inject('postgresUrl')) dialects.push('postgres');
  if (inject('mysqlUrl')) dialects.push('mysql');
  return dialects;
}

export interface TestDatabase {
  dialect: TestDialect;
  url: string;
  drop(): Promise<void>;
}

/**
 * A brand-new database: a temp SQLite file, or a fresh PostgreSQL or MySQL database. Empty, or with
 * `options.migrated` already migrated: a copy of this run's migrated template (global-setup.ts),
 * what migrating would make, cheaper. Migration tests take the empty one.
 */
export async function createTestDatabase(
  dialect: TestDialect,
  options: { migrated?: boolean } = {},
): Promise<TestDatabase> {
  if (dialect === 'mysql') return createMysqlDatabase(options.migrated ?? false);
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'emporia-test-'));
    const template = inject('sqliteTemplate');
    if (options.migrated && template) copyFileSync(template, join(dir, 'test.db'));
    return {
      dialect,
      url: `sqlite:${join(dir, 'test.db')}`,
      async drop() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const adminUrl = inject('postgresUrl');
  if (!adminUrl) throw new Error('PostgreSQL is not available in this run');
  const name = `emporia_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const template = options.migrated ? inject('postgresTemplate') : null;
    await admin.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    dialect,
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/**
 * A fresh MySQL/MariaDB database with the character set and collation Emporia's tables use,
 * already migrated: a copy of this run's template (global-setup.ts), three times cheaper than
 * migrating. `migrated: false` leaves it empty.
 */
async function createMysqlDatabase(migrated: boolean): Promise<TestDatabase> {
  const serverUrl = inject('mysqlUrl');
  if (!serverUrl) throw new Error('MySQL/MariaDB is not available in this run');
  const name = `emporia_t_${randomBytes(6).toString('hex')}`;
  const u = new URL(serverUrl);
  const admin = () =>
    mysql.createConnection({
      host: u.hostname,
      port: Number(u.port || 3306),
      user: decodeURIComponent(u.username),
      password: decodeURIComponent(u.password),
    });
  const connection = await admin();
  try {
    await connection.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  } finally {
    await connection.end();
  }
  u.pathname = `/${name}`;
  const template = inject('mysqlTemplate');
  if (migrated && template) {
    const copy = openDatabase(u.toString(), { poolMax: 1 });
    try {
      await copy.raw('set foreign_key_checks = 0');
      for (const statement of template.statements) await copy.raw(statement);
    } finally {
      await copy.destroy();
    }
  }
  return {
    dialect: 'mysql',
    url: u.toString(),
    async drop() {
      const c = await admin();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name}`);
      } finally {
        await c.end();
      }
    },
  };
}
