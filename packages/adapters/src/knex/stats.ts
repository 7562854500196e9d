import type { StoreStats } from '@emporia/core';
import type { Knex } from 'knex';

/** Tables whose rows `/metrics` counts by status. */
/** Jobs are counted by `engine.jobs.counts`, which reads whichever backend holds them (database or BullMQ). */
const STATUS_TABLES = ['orders', 'payments'];

interface Pool {
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
  max: number;
}

// Table existence is remembered once seen: modules add tables by migration while a server runs.
const existing = new WeakMap<Knex, Set<string>>();

/**
 * Pool use and row counts by status, read at scrape time so every process reports the same
 * shop-wide figures. A table that does not exist (a module not migrated yet) is skipped.
 */
export async function storeStats(knex: Knex): Promise<StoreStats> {
  const pool = (knex.client as { pool?: Pool }).pool;
  const seen = existing.get(knex) ?? new Set<string>();
  existing.set(knex, seen);
  const statusCounts: StoreStats['statusCounts'] = [];
  for (const table of STATUS_TABLES) {
    if (!seen.has(table)) {
      if (!(await knex.schema.hasTable(table))) continue;
      seen.add(table);
    }
    const rows = (await knex(table).select('status').count({ n: '*' }).groupBy('status')) as Array<{
      status: string;
      n: number | string;
    }>;
    for (const r of rows) statusCounts.push({ table, status: r.status, count: Number(r.n) });
  }
  return {
    pool: {
      used: pool?.numUsed() ?? 0,
      free: pool?.numFree() ?? 0,
      pending: pool?.numPendingAcquires() ?? 0,
      max: pool?.max ?? 0,
    },
    statusCounts,
  };
}
