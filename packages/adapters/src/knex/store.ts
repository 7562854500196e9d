import type { Context, Store, StoreRepositories, StoreStats, Transaction, UnitOfWork } from '@emporia/core';
import type { Knex } from 'knex';
import { dialectOf, openDatabase, type Dialect } from './database.js';
import { createRepositories } from './repositories.js';
import { storeStats } from './stats.js';

/** The knex handle a repository should use: the context's transaction, or the pool. */
export function db(ctx: Context, knex: Knex): Knex {
  return (ctx.tx as unknown as Knex.Transaction | undefined) ?? knex;
}

class KnexUnitOfWork implements UnitOfWork {
  constructor(private readonly knex: Knex) {}
  async run<T>(ctx: Context, work: (tx: Context) => Promise<T>): Promise<T> {
    if (ctx.tx) return work(ctx);
    return this.knex.transaction(async (trx) => work({ ...ctx, tx: trx as unknown as Transaction }));
  }
}

/**
 * The Store port over knex, for SQLite and PostgreSQL. Its `repositories` may be wrapped or replaced
 * one by one before the store is handed to core's `createEngine`.
 */
export class KnexStore implements Store {
  readonly dialect: Dialect;
  readonly unitOfWork: UnitOfWork;
  readonly repositories: StoreRepositories;
  constructor(readonly knex: Knex) {
    this.dialect = knex.client.config.client === 'pg' ? 'postgres' : 'sqlite';
    this.unitOfWork = new KnexUnitOfWork(knex);
    this.repositories = createRepositories(knex, this.dialect);
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

/** A store for a `sqlite:<file>`, `sqlite::memory:` or `postgres://…` URL (not migrated: see `migrateLatest`). */
export function createKnexStore(url: string): KnexStore {
  const store = new KnexStore(openDatabase(url));
  if (store.dialect !== dialectOf(url)) throw new Error('dialect mismatch');
  return store;
}
