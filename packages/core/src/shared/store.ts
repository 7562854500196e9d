import type { Context } from './context.js';

/** Runs a use case in one database transaction. */
export interface UnitOfWork {
  /**
   * Calls `work` with a context whose `tx` is an open transaction, commits when it resolves
   * and rolls back when it throws. A context that already carries a transaction joins it.
   */
  run<T>(ctx: Context, work: (tx: Context) => Promise<T>): Promise<T>;
  /**
   * Runs `work` in a savepoint of the context's open transaction: a throw rolls back only what
   * `work` did, and the transaction goes on. Optional: without it, work that wants one (the CSV
   * import's rows) runs each piece in a transaction of its own instead.
   */
  savepoint?<T>(tx: Context, work: (tx: Context) => Promise<T>): Promise<T>;
}

/** Health of one dependency, for `/ready`. */
export interface HealthCheck {
  name: string;
  ok: boolean;
  detail?: string;
}

/** Connection pool use and row counts by status (orders, payments, jobs) for `/metrics`. */
export interface StoreStats {
  pool: { used: number; free: number; pending: number; max: number };
  /** Tables that do not exist (yet) are left out. */
  statusCounts: Array<{ table: string; status: string; count: number }>;
}

/**
 * The persistence port. The knex adapter implements it for SQLite, PostgreSQL and MySQL; each domain
 * module adds its repositories to `StoreRepositories` (declaration merging keeps modules apart).
 */
export interface Store {
  /** The database kind (`sqlite`, `postgres`, `mysql`), for logs and metrics. */
  readonly dialect: string;
  /** Runs work in one transaction. */
  readonly unitOfWork: UnitOfWork;
  /** Every module's repositories, by name. */
  readonly repositories: StoreRepositories;
  /** Answers when the database does; throws otherwise. */
  ping(): Promise<void>;
  /** Figures for `/metrics`, read at scrape time (optional: an embedding app's store may omit it). */
  stats?(): Promise<StoreStats>;
  /** Closes the connections; `engine.close()` calls it last. */
  close(): Promise<void>;
}

/** Filled by each module through declaration merging (`declare module` in its ports file). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface StoreRepositories {}
