import { existsSync, readFileSync, statSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Knex } from 'knex';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BackupFileError,
  migrateLatest,
  restoreBackup,
  restoreNativeBackup,
  verifyBackup,
  writeBackup,
  writeNativeBackup,
} from '@emporia/adapters';
import { openDatabase } from '../src/knex/database.js';
import { migrations } from '../src/migrations/index.js';
import { ConflictError } from '@emporia/core';
import {
  createTestDatabase,
  testDialects,
  type TestDatabase,
  type TestDialect,
} from '../../../test/support/databases.js';

const dir = mkdtempSync(join(tmpdir(), 'emporia-backup-'));
const opened: Array<{ db: TestDatabase; knex: Knex }> = [];
afterAll(async () => {
  for (const o of opened) {
    await o.knex.destroy();
    await o.db.drop();
  }
  rmSync(dir, { recursive: true, force: true });
});

let fileNo = 0;
const backupFile = () => join(dir, `b${++fileNo}.bak`);

/**
 * A table outside the migrations with one column of each kind that differs between dialects,
 * and a self reference: the backup must discover it from the database like any module's table.
 */
async function createProbe(knex: Knex): Promise<void> {
  await knex.schema.createTable('backup_probe', (t) => {
    t.string('id', 36).primary();
    t.string('parent_id', 36).nullable().references('id').inTable('backup_probe');
    t.boolean('flag').notNullable();
    t.timestamp('at', { useTz: true }).nullable();
    t.json('doc').nullable();
    t.bigInteger('big').nullable();
    t.integer('amount').notNullable();
    t.text('note').nullable();
  });
}

async function database(dialect: TestDialect, options: { migrate?: boolean; probe?: boolean } = {}) {
  const db = await createTestDatabase(dialect);
  const knex = openDatabase(db.url);
  opened.push({ db, knex });
  if (options.migrate !== false) await migrateLatest(knex);
  if (options.probe !== false && options.migrate !== false) await createProbe(knex);
  return { db, knex, url: db.url };
}

const PROBE_ROWS = [
  // Children before their parent: the restore must cope with the self reference.
  {
    id: 'p3',
    parent_id: 'p2',
    flag: true,
    at: '2026-03-04T05:06:07.891Z',
    doc: '{"a":[1,2,{"b":"ü\\n"}],"n":null}',
    big: '9007199254740993',
    amount: 1999,
    note: 'line\nbreak "quoted" \u2028',
  },
  { id: 'p2', parent_id: 'p1', flag: false, at: null, doc: null, big: null, amount: 0, note: null },
  {
    id: 'p1',
    parent_id: null,
    flag: true,
    at: '1999-12-31T23:59:59.000Z',
    doc: '[]',
    big: '-42',
    amount: -5,
    note: '',
  },
];

async function seed(knex: Knex, extra = 0): Promise<void> {
  // Parents set afterwards: InnoDB checks a foreign key row by row, not at the end of the statement.
  await knex('backup_probe').insert(PROBE_ROWS.map((r) => ({ ...r, parent_id: null })));
  for (const r of PROBE_ROWS) await knex('backup_probe').where('id', r.id).update({ parent_id: r.parent_id });
  const rows = Array.from({ length: 1200 + extra }, (_, i) => ({
    id: `00000000-0000-7000-8000-${String(i).padStart(12, '0')}`,
    type: 'order.placed',
    payload: JSON.stringify({ order_id: `o${i}`, total: i * 100, currency: 'EUR' }),
    user_id: null,
    created_at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
  }));
  for (let i = 0; i < rows.length; i += 200) await knex('outbox_events').insert(rows.slice(i, i + 200));
}

/** The type a value is cast to for text: MySQL has no `text` in CAST. */
const textType = (knex: Knex) => (knex.client.dialect === 'mysql' ? 'char' : 'text');

/** The probe rows as the application would read them: ISO timestamps, parsed JSON, exact integers. */
async function probeRows(knex: Knex) {
  const rows = await knex('backup_probe')
    .select('id', 'parent_id', 'flag', 'at', 'doc', 'amount', 'note', knex.raw(`cast(big as ${textType(knex)}) as big`))
    .orderBy('id');
  return rows.map((r) => ({
    id: r.id,
    parent_id: r.parent_id,
    flag: r.flag === true || r.flag === 1,
    at: r.at === null ? null : new Date(r.at).toISOString(),
    doc: r.doc === null ? null : typeof r.doc === 'string' ? JSON.parse(r.doc) : r.doc,
    big: r.big,
    amount: Number(r.amount),
    note: r.note,
  }));
}

/** Every row of the given tables with their values normalised per dialect, ordered by primary key. */
async function allRows(knex: Knex, tables: string[]) {
  const out: Record<string, unknown[]> = {};
  for (const t of tables) {
    const rows = await knex(t).select('*');
    out[t] = rows
      .map((r) =>
        Object.fromEntries(
          Object.entries(r)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([k, v]) => [
              k,
              v instanceof Date
                ? v.toISOString()
                : typeof v === 'boolean'
                  ? Number(v)
                  : v !== null && typeof v === 'object'
                    ? JSON.stringify(v)
                    : /_at$|^at$/.test(k) && typeof v === 'string'
                      ? new Date(v).toISOString()
                      : typeof v === 'string' && /^-?\d{16,}$/.test(v)
                        ? Number(v) // mysql2 hands an integer past 2^53 over exact; the others as a double
                        : v,
            ]),
        ),
      )
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  }
  return out;
}

/** Every direction between the dialects of this run, and each onto itself. */
const pairs: Array<[TestDialect, TestDialect]> = testDialects().flatMap((from) =>
  testDialects().map((to): [TestDialect, TestDialect] => [from, to]),
);

describe.each(pairs)('backup %s → restore %s', (from, to) => {
  it('moves every table with nothing lost, and the restored database backs up to the same content', async () => {
    const source = await database(from);
    await seed(source.knex);
    const file = backupFile();
    const phases = new Set<string>();
    const header = await writeBackup(source.url, file, { onProgress: (p) => phases.add(p.phase) });
    expect(phases).toEqual(new Set(['backup']));
    expect(header.migrations).toEqual(migrations.map((m) => m.name));
    expect(header.tables.find((t) => t.name === 'outbox_events')?.rows).toBe(1200);
    expect(header.tables.find((t) => t.name === 'backup_probe')?.rows).toBe(3);
    expect(header.tables.map((t) => t.name)).not.toContain('emporia_migrations');
    expect(header.tables.find((t) => t.name === 'roles')?.rows).toBe(3);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const target = await database(to);
    const restored = await restoreBackup(target.url, file);
    expect(restored.total_rows).toBe(header.total_rows);

    expect(await probeRows(target.knex)).toEqual(await probeRows(source.knex));
    expect((await probeRows(target.knex))[2]).toMatchObject({
      id: 'p3',
      big: '9007199254740993',
      flag: true,
      at: '2026-03-04T05:06:07.891Z',
      doc: { a: [1, 2, { b: 'ü\n' }], n: null },
      amount: 1999,
    });
    const names = header.tables.map((t) => t.name);
    expect(await allRows(target.knex, names)).toEqual(await allRows(source.knex, names));

    // Same content again from the target: the neutral form is identical row for row.
    const again = await writeBackup(target.url, backupFile());
    expect(again.tables).toEqual(header.tables);
    expect(again.body_sha256).toBe(header.body_sha256);
  });
});

describe.each(testDialects())('backup and restore safety [%s]', (dialect) => {
  it('reads one consistent snapshot while another connection keeps writing', async () => {
    const source = await database(dialect);
    await seed(source.knex);
    const writer = openDatabase(source.url);
    let inserted = false;
    try {
      const header = await writeBackup(source.url, backupFile(), {
        async onProgress() {
          if (inserted) return;
          inserted = true;
          // Not blocked by the backup (WAL / MVCC); not part of the snapshot either.
          await writer('backup_probe').insert({ id: 'late', flag: false, amount: 1 });
        },
      });
      expect(inserted).toBe(true);
      expect(await writer('backup_probe').where({ id: 'late' }).first()).toBeDefined();
      expect(header.tables.find((t) => t.name === 'backup_probe')?.rows).toBe(3);
    } finally {
      await writer.destroy();
    }
  });

  it('refuses a database that holds data unless forced, and then replaces it', async () => {
    const source = await database(dialect);
    await seed(source.knex);
    const file = backupFile();
    await writeBackup(source.url, file);

    const target = await database(dialect);
    await seed(target.knex, 5);
    await target.knex('backup_probe').insert({ id: 'only-in-target', flag: true, amount: 7 });
    const err = await restoreBackup(target.url, file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as Error).message).toMatch(/already holds data.*--force/);
    expect(await target.knex('outbox_events').count({ n: '*' })).toEqual([{ n: 1205 }]);

    await restoreBackup(target.url, file, { force: true });
    expect(Number((await target.knex('outbox_events').count({ n: '*' }))[0].n)).toBe(1200);
    expect(await target.knex('backup_probe').where({ id: 'only-in-target' }).first()).toBeUndefined();
    expect(await probeRows(target.knex)).toEqual(await probeRows(source.knex));
  });

  it('detects truncated and corrupt files before writing anything', async () => {
    const source = await database(dialect);
    await seed(source.knex);
    const file = backupFile();
    await writeBackup(source.url, file);
    const bytes = readFileSync(file);
    const target = await database(dialect);

    const truncated = backupFile();
    writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length * 0.7)));
    // A flipped byte inside the compressed body.
    const flipped = backupFile();
    const copy = Buffer.from(bytes);
    copy[Math.floor(copy.length / 2)] ^= 0xff;
    writeFileSync(flipped, copy);
    // Valid gzip whose content was edited: only the checksum can tell.
    const edited = backupFile();
    const text = gunzipSync(bytes).toString('utf8');
    const tampered = text.replace('1999,', '2999,');
    expect(tampered).not.toBe(text);
    writeFileSync(edited, gzipSync(tampered));
    const notBackup = backupFile();
    writeFileSync(notBackup, gzipSync('{"hello":"world"}\n'));

    for (const [bad, message] of [
      [truncated, /truncated|corrupt/],
      [flipped, /truncated|corrupt|checksum/],
      [edited, /checksum mismatch/],
      [notBackup, /not an Emporia backup/],
    ] as const) {
      await expect(verifyBackup(bad)).rejects.toBeInstanceOf(BackupFileError);
      await expect(restoreBackup(target.url, bad)).rejects.toThrow(message);
    }
    expect(await target.knex('backup_probe').count({ n: '*' })).toEqual([{ n: 0 }]);
    expect(Number((await target.knex('outbox_events').count({ n: '*' }))[0].n)).toBe(0);
    await expect(restoreBackup(target.url, join(dir, 'missing.bak'))).rejects.toThrow(/no such file/);
  });

  it('requires the target at the same migration level', async () => {
    const source = await database(dialect);
    const file = backupFile();
    await writeBackup(source.url, file);
    const fresh = await database(dialect, { migrate: false });
    await expect(restoreBackup(fresh.url, file)).rejects.toThrow(/not migrated.*emporia migrate/);
    await migrateLatest(fresh.knex, migrations[0].name);
    await expect(restoreBackup(fresh.url, file)).rejects.toThrow(/migration level/);
  });

  it('makes and restores a native backup', async () => {
    const source = await database(dialect);
    await seed(source.knex);
    const file = backupFile();
    await writeNativeBackup(source.url, file);
    expect(statSync(file).size).toBeGreaterThan(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const target = await database(dialect, { migrate: dialect === 'sqlite' ? false : true, probe: false });
    await restoreNativeBackup(target.url, file);
    const check = openDatabase(target.url);
    try {
      expect(await probeRows(check)).toEqual(await probeRows(source.knex));
    } finally {
      await check.destroy();
    }
    await expect(restoreNativeBackup(target.url, file)).rejects.toThrow(/already holds data/);
    const junk = backupFile();
    writeFileSync(junk, 'not a database at all, not even close'.repeat(100));
    await expect(restoreNativeBackup(target.url, junk, { force: true })).rejects.toBeInstanceOf(BackupFileError);
    expect(existsSync(file)).toBe(true);
  });
});
