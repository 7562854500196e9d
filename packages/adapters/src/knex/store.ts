import type { Context, Store, StoreRepositories, StoreStats, Transaction, UnitOfWork } from '@emporia/core';
import type { Knex } from 'knex';
import { dialectOf, openDatabase, type Dialect } from './database.js';
import { knexDialect } from './dialect.js';
import { createRepositories } from './repositories.js';
import { storeStats } from './stats.js';
import { isLockConflict } from './values.js';
import { KnexEventOutbox } from './outbox.repository.js';

/** The knex handle a repository should use: the context's transaction, or the pool. */
export function db(ctx: Context, knex: Knex): Knex {
  return (ctx.tx as unknown as Knex.Transaction | undefined) ?? knex;
}

/** How many times a transaction runs in all when MySQL keeps rolling it back over a lock conflict. */
const LOCK_CONFLICT_ATTEMPTS = 8;

class KnexUnitOfWork implements UnitOfWork {
  constructor(
    private readonly knex: Knex,
    private readonly dialect: Dialect,
    /** Runs after each commit, before `run` returns (the outbox's announcement of the events recorded). */
    private readonly afterCommit: (trx: object) => Promise<void> = async () => {},
  ) {}
  async savepoint<T>(ctx: Context, work: (tx: Context) => Promise<T>): Promise<T> {
    const trx = ctx.tx as unknown as Knex.Transaction | undefined;
    if (!trx) return this.run(ctx, work);
    return trx.transaction(async (savepoint) => work({ ...ctx, tx: savepoint as unknown as Transaction }));
  }

  async run<T>(ctx: Context, work: (tx: Context) => Promise<T>): Promise<T> {
    if (ctx.tx) return work(ctx);
    for (let attempt = 1; ; attempt++) {
      try {
        let committed: object | undefined;
        const result = await this.knex.transaction(async (trx) => {
          committed = trx;
          return work({ ...ctx, tx: trx as unknown as Transaction });
        });
        if (committed) await this.afterCommit(committed);
        return result;
      } catch (err) {
        // InnoDB rolls back one side of a deadlock (and gives up on long lock waits) where
        // PostgreSQL and SQLite would have let it wait its turn: the whole unit of work runs again,
        // after a random pause that grows, so the same transactions do not collide again.
        const retry = this.dialect === 'mysql' && attempt < LOCK_CONFLICT_ATTEMPTS && lockConflictIn(err);
        if (!retry) throw err;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * 2 ** Math.min(attempt, 6)));
      }
    }
  }
}

/** The error, or one it wraps (`cause`), is a MySQL lock conflict. */
function lockConflictIn(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (isLockConflict(e)) return true;
  }
  return false;
}

/**
 * The Store port over knex, for SQLite, PostgreSQL and MySQL/MariaDB. Its `repositories` may be wrapped or replaced
 * one by one before the store is handed to core's `createEngine`.
 */
export class KnexStore implements Store {
  readonly dialect: Dialect;
  readonly unitOfWork: UnitOfWork;
  readonly repositories: StoreRepositories;
  constructor(readonly knex: Knex) {
    this.dialect = knexDialect(knex);
    this.repositories = createRepositories(knex, this.dialect);
    const outbox = this.repositories.outbox;
    this.unitOfWork = new KnexUnitOfWork(knex, this.dialect, (trx) =>
      outbox instanceof KnexEventOutbox ? outbox.afterCommit(trx) : Promise.resolve(),
    );
  }
  async ping(): Promise<void> {
    await this.knex.raw('select 1');
  }
  stats(): Promise<StoreStats> {
    return storeStats(this.knex);
  }
  async close(): Promise<void> {
    await this.knex.destroy();
  }
}

/** A store for a `sqlite:<file>`, `sqlite::memory:`, `postgres://…` or `mysql://…` URL (not migrated: see `migrateLatest`). */
export function createKnexStore(url: string): KnexStore {
  const store = new KnexStore(openDatabase(url));
  if (store.dialect !== dialectOf(url)) throw new Error('dialect mismatch');
  return store;
}
