import type {
  ClaimedJob,
  Context,
  Job,
  JobStatus,
  ListWindow,
  RowPage,
  JobProgress,
  JobPurgeInput,
  JobRepository,
  NewJob,
} from '@emporia/core';
import { newId } from '@emporia/core';
import type { Knex } from 'knex';
import { inTransaction, type Dialect } from '../knex/dialect.js';
import { pageById } from '../knex/pagination.js';
import { db } from '../knex/store.js';
import { fromJson, rawRows, toIso, toIsoOrNull, toJson } from '../knex/values.js';

type Row = Record<string, unknown>;

function toJob(row: Row): Job {
  return {
    id: row.id as string,
    type: row.type as string,
    status: row.status as Job['status'],
    attempts: Number(row.attempts),
    max_attempts: Number(row.max_attempts),
    run_at: toIso(row.run_at),
    last_error: (row.last_error as string | null) ?? null,
    progress: row.progress == null ? null : fromJson<JobProgress>(row.progress),
    result: row.result == null ? null : fromJson<unknown>(row.result),
    created_by: (row.created_by as string | null) ?? null,
    created_at: toIso(row.created_at),
    updated_at: toIso(row.updated_at),
    finished_at: toIsoOrNull(row.finished_at),
  };
}

function toClaimed(row: Row): ClaimedJob {
  return {
    ...toJob(row),
    payload: fromJson<unknown>(row.payload),
    locked_by: row.locked_by as string,
    locked_until: toIso(row.locked_until),
  };
}

/** Rows per INSERT: knex writes SQLite's multi-row insert as a compound SELECT, capped at 500 terms. */
const INSERT_CHUNK = 500;

export class KnexJobRepository implements JobRepository {
  constructor(
    private readonly knex: Knex,
    private readonly dialect: Dialect,
  ) {}

  async enqueue(ctx: Context, jobs: readonly NewJob[]): Promise<Job[]> {
    const now = ctx.clock.now().toISOString();
    const rows = jobs.map((job) => ({
      id: newId(),
      type: job.type,
      payload: toJson(job.payload),
      status: 'queued',
      attempts: 0,
      max_attempts: job.maxAttempts ?? 5,
      run_at: job.runAt ?? now,
      created_by: job.createdBy ?? null,
      created_at: now,
      updated_at: now,
    }));
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      await db(ctx, this.knex)('jobs').insert(rows.slice(i, i + INSERT_CHUNK));
    }
    return rows.map(toJob);
  }

  async claim(
    ctx: Context,
    workerId: string,
    lockedUntil: string,
    limit: number,
    types: string[],
  ): Promise<ClaimedJob[]> {
    if (types.length === 0) return [];
    const now = ctx.clock.now().toISOString();
    const due = `((status = 'queued' AND run_at <= ?) OR (status = 'running' AND locked_until < ?))
      AND type IN (${types.map(() => '?').join(', ')})`;
    const dueBindings = [now, now, ...types];
    const set = `UPDATE jobs SET status = 'running', locked_by = ?, locked_until = ?, attempts = attempts + 1, updated_at = ?`;
    if (this.dialect === 'postgres') {
      // One statement: SKIP LOCKED hands each due row to one claimer and lets the others take the
      // next rows instead of waiting. With nothing due it changes no row and writes nothing.
      const result = await db(ctx, this.knex).raw(
        `${set} WHERE id IN (SELECT id FROM jobs WHERE ${due} ORDER BY run_at, id LIMIT ? FOR UPDATE SKIP LOCKED)
         RETURNING *`,
        [workerId, lockedUntil, now, ...dueBindings, limit],
      );
      return rawRows<Row>(result).map(toClaimed);
    }
    // SQLite and MySQL: an idle runner reads first, so that it writes nothing and opens no transaction
    // (on SQLite any UPDATE takes the database's write lock, even one that changes nothing).
    const candidates = await db(ctx, this.knex).raw(`SELECT id FROM jobs WHERE ${due} ORDER BY run_at, id LIMIT ?`, [
      ...dueBindings,
      limit,
    ]);
    const ids = rawRows<{ id: string }>(candidates).map((r) => r.id);
    if (ids.length === 0) return [];
    if (this.dialect === 'mysql') {
      // MySQL cannot update a table it selects from with LIMIT, nor return rows from an UPDATE: lock
      // the due rows (SKIP LOCKED hands each to one claimer), update them and read them back, in one
      // transaction.
      return inTransaction(db(ctx, this.knex), async (trx) => {
        const locked = rawRows<Row>(
          await trx.raw(`SELECT id FROM jobs WHERE ${due} ORDER BY run_at, id LIMIT ? FOR UPDATE SKIP LOCKED`, [
            ...dueBindings,
            limit,
          ]),
        ).map((r) => r.id as string);
        if (!locked.length) return [];
        await trx.raw(`${set} WHERE id IN (${locked.map(() => '?').join(', ')})`, [
          workerId,
          lockedUntil,
          now,
          ...locked,
        ]);
        return (
          (await trx('jobs')
            .whereIn('id', locked)
            .orderBy([{ column: 'run_at' }, { column: 'id' }])) as Row[]
        ).map(toClaimed);
      });
    }
    // SQLite: the UPDATE checks the rows are still due: another process may have taken some in
    // between (writers are serialised, so none can take them during the UPDATE).
    const result = await db(ctx, this.knex).raw(
      `${set} WHERE id IN (${ids.map(() => '?').join(', ')}) AND ${due} RETURNING *`,
      [workerId, lockedUntil, now, ...ids, ...dueBindings],
    );
    return rawRows<Row>(result).map(toClaimed);
  }

  private held(ctx: Context, id: string, workerId: string) {
    return db(ctx, this.knex)('jobs').where({ id, locked_by: workerId, status: 'running' });
  }

  async complete(ctx: Context, id: string, workerId: string, result: unknown): Promise<boolean> {
    const now = ctx.clock.now().toISOString();
    const n = await this.held(ctx, id, workerId).update({
      status: 'succeeded',
      result: toJson(result),
      locked_by: null,
      locked_until: null,
      updated_at: now,
      finished_at: now,
    });
    return n === 1;
  }

  async reschedule(ctx: Context, id: string, workerId: string, error: string, runAt: string): Promise<boolean> {
    const n = await this.held(ctx, id, workerId).update({
      status: 'queued',
      run_at: runAt,
      last_error: error,
      locked_by: null,
      locked_until: null,
      updated_at: ctx.clock.now().toISOString(),
    });
    return n === 1;
  }

  async bury(ctx: Context, id: string, workerId: string, error: string): Promise<boolean> {
    const now = ctx.clock.now().toISOString();
    const n = await this.held(ctx, id, workerId).update({
      status: 'dead',
      last_error: error,
      locked_by: null,
      locked_until: null,
      updated_at: now,
      finished_at: now,
    });
    return n === 1;
  }

  async progress(
    ctx: Context,
    id: string,
    workerId: string,
    progress: JobProgress,
    lockedUntil: string,
  ): Promise<boolean> {
    const n = await this.held(ctx, id, workerId).update({
      progress: toJson(progress),
      locked_until: lockedUntil,
      updated_at: ctx.clock.now().toISOString(),
    });
    return n === 1;
  }

  async find(ctx: Context, id: string): Promise<Job | null> {
    const row = (await db(ctx, this.knex)('jobs').where({ id }).first()) as Row | undefined;
    return row ? toJob(row) : null;
  }

  async list(ctx: Context, filter: { status?: JobStatus; type?: string }, window: ListWindow): Promise<RowPage<Job>> {
    const filtered = () => {
      const q = db(ctx, this.knex)('jobs');
      if (filter.status) q.where('status', filter.status);
      if (filter.type) q.where('type', filter.type);
      return q;
    };
    return pageById(filtered(), window, (r) => toJob(r as Row));
  }

  async requeue(ctx: Context, id: string): Promise<Job | null> {
    const now = ctx.clock.now().toISOString();
    const n = await db(ctx, this.knex)('jobs').where({ id, status: 'dead' }).update({
      status: 'queued',
      attempts: 0,
      run_at: now,
      finished_at: null,
      updated_at: now,
    });
    return n === 1 ? this.find(ctx, id) : null;
  }

  async purge(ctx: Context, input: JobPurgeInput): Promise<number> {
    const q = db(ctx, this.knex)('jobs').where('status', input.status);
    if (input.before) q.where('finished_at', '<', new Date(input.before).toISOString());
    return q.delete();
  }

  async counts(ctx: Context): Promise<Record<string, number>> {
    const rows = (await db(ctx, this.knex)('jobs').select('status').count({ n: '*' }).groupBy('status')) as Row[];
    return Object.fromEntries(rows.map((r) => [r.status as string, Number(r.n)]));
  }
}
