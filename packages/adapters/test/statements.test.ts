import { afterAll, describe, expect, it, vi } from 'vitest';
import { openDatabase } from '../src/knex/database.js';
import { toIso } from '../src/knex/values.js';
import { createTestDatabase, testDialects, type TestDatabase } from '../../../test/support/databases.js';

describe('toIso', () => {
  it('keeps canonical ISO strings, and normalises everything else', () => {
    const iso = '2026-11-23T19:45:01.123Z';
    expect(toIso(iso)).toBe(iso);
    expect(toIso('2026-11-23T19:45:01Z')).toBe('2026-11-23T19:45:01.000Z');
    expect(toIso('2026-11-23T20:45:01.123+01:00')).toBe(iso);
    expect(toIso(new Date(iso))).toBe(iso);
    expect(toIso(Date.parse(iso))).toBe(iso);
    expect(() => toIso('not a date')).toThrow(RangeError);
  });
});

// The SQLite client keeps prepared statements per connection: results must stay right when the
// same SQL text runs again with other bindings, after the schema under it changes, and past the
// cache's bound.
for (const dialect of testDialects()) {
  describe(`statements [${dialect}]`, () => {
    const dbs: TestDatabase[] = [];
    afterAll(async () => {
      for (const db of dbs) await db.drop();
    });

    async function open() {
      const db = await createTestDatabase(dialect);
      dbs.push(db);
      return openDatabase(db.url);
    }

    it('answer each run of the same SQL with its own bindings, reads and writes alike', async () => {
      const knex = await open();
      try {
        await knex.schema.createTable('t', (t) => {
          t.increments('id');
          t.string('name');
        });
        for (const name of ['a', 'b', 'c']) await knex('t').insert({ name });
        const names = [];
        for (const id of [3, 1, 2]) names.push((await knex('t').where({ id }).first())?.name);
        expect(names).toEqual(['c', 'a', 'b']);
        expect(await knex('t').where({ name: 'b' }).update({ name: 'B' })).toBe(1);
        expect(await knex('t').where({ name: 'b' }).update({ name: 'B' })).toBe(0);
      } finally {
        await knex.destroy();
      }
    });

    it('see the new columns when a table is recreated under the same SQL text', async () => {
      const knex = await open();
      try {
        await knex.schema.createTable('t', (t) => t.string('a'));
        await knex('t').insert({ a: 'x' });
        expect(await knex('t').select('*')).toEqual([{ a: 'x' }]);
        await knex.schema.dropTable('t');
        await knex.schema.createTable('t', (t) => {
          t.string('a');
          t.integer('b');
        });
        await knex('t').insert({ a: 'y', b: 2 });
        expect(await knex('t').select('*')).toEqual([{ a: 'y', b: 2 }]);
      } finally {
        await knex.destroy();
      }
    });

    it('stay right past the cache bound (IN lists of every length) and inside rolled-back transactions', async () => {
      const knex = await open();
      try {
        await knex.schema.createTable('t', (t) => t.integer('n'));
        await knex.batchInsert(
          't',
          Array.from({ length: 700 }, (_, n) => ({ n })),
          100,
        );
        const wrongCounts: number[] = [];
        for (let len = 1; len <= 600; len += 1) {
          const ids = Array.from({ length: len }, (_, i) => i);
          const [{ c }] = await knex('t').whereIn('n', ids).count({ c: '*' });
          if (Number(c) !== len) wrongCounts.push(len);
        }
        expect(wrongCounts).toEqual([]);
        await expect(
          knex.transaction(async (tx) => {
            await tx('t').insert({ n: 1000 });
            throw new Error('roll back');
          }),
        ).rejects.toThrow('roll back');
        const [{ c }] = await knex('t').where({ n: 1000 }).count({ c: '*' });
        expect(Number(c)).toBe(0);
      } finally {
        await knex.destroy();
      }
    });

    if (dialect === 'sqlite') {
      it('prepare a repeated SQL text once per connection', async () => {
        const knex = await open();
        try {
          await knex.schema.createTable('t', (t) => t.integer('n'));
          const connection = (await knex.client.acquireConnection()) as { prepare: (sql: string) => unknown };
          const prepare = vi.spyOn(connection, 'prepare');
          await knex.client.releaseConnection(connection);
          for (let n = 0; n < 20; n++) await knex('t').where({ n }).select('n');
          expect(prepare).toHaveBeenCalledTimes(1);
        } finally {
          await knex.destroy();
        }
      });
    }
  });
}
