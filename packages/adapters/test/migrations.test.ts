import { afterAll, describe, expect, it } from 'vitest';
import { createKnexStore, migrateLatest, migrateRollback, migrationStatus } from '@emporia/adapters';
import { migrations } from '../src/migrations/index.js';
import { createTestDatabase, testDialects, type TestDatabase } from '../../../test/support/databases.js';

for (const dialect of testDialects()) {
  describe(`migrations [${dialect}]`, () => {
    const dbs: TestDatabase[] = [];
    afterAll(async () => {
      for (const db of dbs) await db.drop();
    });

    it('apply every migration, roll all back, and apply again', async () => {
      const db = await createTestDatabase(dialect);
      dbs.push(db);
      const store = createKnexStore(db.url);
      try {
        const applied = await migrateLatest(store.knex);
        expect(applied).toEqual(migrations.map((m) => m.name));
        expect(await migrationStatus(store.knex)).toEqual(migrations.map((m) => ({ name: m.name, applied: true })));
        expect(await migrateLatest(store.knex)).toEqual([]);

        const roles = await store.knex('roles').select('name').orderBy('name');
        expect(roles.map((r) => r.name)).toEqual(['admin', 'customer', 'staff']);

        const rolled = await migrateRollback(store.knex, true);
        expect(rolled.sort()).toEqual(migrations.map((m) => m.name).sort());
        expect(await store.knex.schema.hasTable('users')).toBe(false);
        expect(await migrationStatus(store.knex)).toEqual(migrations.map((m) => ({ name: m.name, applied: false })));

        await migrateLatest(store.knex);
        expect(await store.knex.schema.hasTable('users')).toBe(true);
      } finally {
        await store.close();
      }
    });

    it('migrate --to stops at the named migration', async () => {
      const db = await createTestDatabase(dialect);
      dbs.push(db);
      const store = createKnexStore(db.url);
      try {
        const first = migrations[0].name;
        expect(await migrateLatest(store.knex, first)).toEqual([first]);
        const status = await migrationStatus(store.knex);
        expect(status.filter((s) => s.applied).map((s) => s.name)).toEqual([first]);
        await expect(migrateLatest(store.knex, 'nope')).rejects.toThrow(/Unknown migration/);
      } finally {
        await store.close();
      }
    });
  });
}

describe('sqlite settings', () => {
  it('uses WAL, foreign keys and a busy timeout', async () => {
    const db = await createTestDatabase('sqlite');
    const store = createKnexStore(db.url);
    try {
      const [journal] = await store.knex.raw('PRAGMA journal_mode');
      const [fk] = await store.knex.raw('PRAGMA foreign_keys');
      const [busy] = await store.knex.raw('PRAGMA busy_timeout');
      expect(journal.journal_mode).toBe('wal');
      expect(fk.foreign_keys).toBe(1);
      expect(Object.values(busy)[0]).toBeGreaterThan(0);
    } finally {
      await store.close();
      await db.drop();
    }
  });
});
