import type { Context } from '../shared/context.js';
import type { OutboxEvent } from '../notifications/events.js';
import type { ListWindow, RowPage } from '../shared/pagination.js';
import type { ClaimedJob, Job, JobProgress, JobPurgeInput, JobStatus } from './schemas.js';
import type { JobRunner, RunnerDeps, RunnerOptions } from './runner.js';

/** A job to queue (`JobRepository.enqueue`). */
export interface NewJob {
  /** The handler that runs it (`jobs.handle(type, …)`). */
  type: string;
  /** Handed to the handler as it is; stored as JSON. */
  payload: unknown;
  /** Default: now. */
  runAt?: string;
  /** Default: the runner's policy (5). */
  maxAttempts?: number;
  /** The user who started the job; they may read it (`GET /api/jobs/{id}`). */
  createdBy?: string | null;
  /**
   * Jobs with the same key are one job. The dispatcher keys every job it plans by its content
   * (which carries the event id): a queue outside the database (BullMQ) makes the job id from it,
   * so a batch queued again after a crash between queueing and commit is not queued twice.
   */
  key?: string;
}

/** What a job handler receives besides its payload. */
export interface JobExecution {
  job: ClaimedJob;
  /** A system context; writes inside a handler should use `unitOfWork.run(ctx, …)`. */
  ctx: Context;
  /** Records progress and extends the lease: call it regularly in long jobs. */
  progress(done: number, total: number | null): Promise<void>;
}

/** A registered job handler, whatever its payload type. */
export type JobHandler = (payload: never, run: JobExecution) => Promise<unknown>;

/** Persistence of jobs. `enqueue` joins `ctx.tx`, so a job is created only if the change commits. */
export interface JobRepository {
  /** Stores queued jobs (one multi-row insert), inside `ctx.tx` when there is one; in the order given. */
  enqueue(ctx: Context, jobs: readonly NewJob[]): Promise<Job[]>;
  /**
   * Takes up to `limit` due jobs for `workerId` until `lockedUntil`: queued jobs whose `run_at`
   * has come, and running jobs whose lease expired (their runner died). Each job is handed to one
   * claimer only (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: one writer). Increments `attempts`.
   * Only jobs whose type is in `types` (the ones this process can run). When nothing is due it
   * must not write: an idle runner polls it every half second.
   */
  claim(ctx: Context, workerId: string, lockedUntil: string, limit: number, types: string[]): Promise<ClaimedJob[]>;
  /** The following writes apply only while `workerId` still holds the lease; false otherwise. */
  complete(ctx: Context, id: string, workerId: string, result: unknown): Promise<boolean>;
  /** Queues a failed job again at `runAt`, keeping the error as `last_error`. */
  reschedule(ctx: Context, id: string, workerId: string, error: string, runAt: string): Promise<boolean>;
  /** Marks a job dead after its last attempt, keeping the error. */
  bury(ctx: Context, id: string, workerId: string, error: string): Promise<boolean>;
  /** Records progress and extends the lease to `lockedUntil`. */
  progress(ctx: Context, id: string, workerId: string, progress: JobProgress, lockedUntil: string): Promise<boolean>;
  /** The job with this id, or null. */
  find(ctx: Context, id: string): Promise<Job | null>;
  /** Newest first (UUIDv7 id order). */
  list(ctx: Context, filter: { status?: JobStatus; type?: string }, window: ListWindow): Promise<RowPage<Job>>;
  /** Puts a dead (or succeeded) job back in the queue with a fresh attempt budget. */
  requeue(ctx: Context, id: string): Promise<Job | null>;
  /** Deletes finished jobs of the status (finished before `before`, when given); returns how many. */
  purge(ctx: Context, input: JobPurgeInput): Promise<number>;
  /** Counts by status, for health and `emporia jobs`. */
  counts(ctx: Context): Promise<Record<string, number>>;
}

/** What `JobService` reads and manages jobs through, on either backend (`JobRepository` or a `JobQueue`). */
export type JobRecords = Pick<JobRepository, 'enqueue' | 'find' | 'list' | 'requeue' | 'purge' | 'counts'>;

/**
 * A job queue outside the database (BullMQ on Redis, `adapters/src/jobs/bullmq/`). With one, the
 * outbox stays in the database and the dispatcher becomes the relay: it plans each committed event's
 * jobs and queues them here inside the transaction that marks the events dispatched (jobs keyed by
 * content, so a batch relayed twice is queued once). Claiming, leases, retries and progress are the
 * queue's; `JobService` reads and manages jobs through `jobs`, so the API, the CLI and `/metrics`
 * show the same fields and statuses as on the database.
 */
export interface JobQueue {
  /** Shown in health checks and logs (`bullmq`). */
  readonly name: string;
  /** Queued, running and finished jobs; `enqueue` does not join `ctx.tx` (keys make it safe to repeat). */
  readonly jobs: JobRecords;
  /** A runner consuming this queue with the process's handlers (and relaying the outbox). */
  createRunner(deps: RunnerDeps, options: RunnerOptions): JobRunner;
  /**
   * Runs `type` every `everyMs` once per cluster (a job scheduler with the type as its fixed id),
   * the first run `everyMs` from now; a second call with the same interval changes nothing.
   * @returns True when the schedule was created or changed.
   */
  repeat(ctx: Context, type: string, everyMs: number): Promise<boolean>;
  /** Closes its connections (engine.close()). */
  close(): Promise<void>;
}

/** Reading the outbox: dispatching committed events into jobs, and live streams. */
export interface OutboxDispatch {
  /** True when a committed event waits to be dispatched. A read: an idle runner asks it every poll. */
  hasPending(ctx: Context): Promise<boolean>;
  /**
   * Inside `ctx.tx`: marks up to `limit` undispatched events dispatched, skipping those another
   * runner holds, and returns them oldest first.
   */
  claim(ctx: Context, limit: number): Promise<OutboxEvent[]>;
  /** Events recorded after `afterId` (UUIDv7 order), for real-time streams. */
  since(ctx: Context, afterId: string | null, limit: number): Promise<OutboxEvent[]>;
  /** Deletes events dispatched before `before`; returns how many. */
  purge(ctx: Context, before: string): Promise<number>;
}

/**
 * Something that acts on committed domain events: the app's `engine.events.on` handlers, e-mail,
 * webhooks. When the runner dispatches a batch of events, each subscriber says which jobs it wants
 * for them; the jobs are queued in the transaction that marks the events dispatched, so an event is
 * turned into jobs exactly once. Bound (multi) to `JOB_TOKENS.EventSubscriber` by its module.
 */
export interface EventSubscriber {
  /**
   * The jobs to queue for these events (oldest first), `[]` when there is nothing to do: no job is
   * queued for an event the subscriber ignores. Runs inside the dispatch transaction and may read
   * (recipients, subscriptions); a throw rolls the dispatch back and the runner retries the batch.
   */
  plan(tx: Context, events: readonly OutboxEvent[]): Promise<NewJob[]>;
  /** The job types this subscriber's jobs run as, with their handlers; read on every poll. */
  handlers(): ReadonlyMap<string, JobHandler>;
  /** Deletes what the subscriber keeps about events recorded before `before` (its logs); rows per table. */
  purge?(ctx: Context, before: string): Promise<Record<string, number>>;
}

export const JOB_TOKENS = {
  JobRepository: Symbol.for('emporia.JobRepository'),
  OutboxDispatch: Symbol.for('emporia.OutboxDispatch'),
  EventSubscriber: Symbol.for('emporia.EventSubscriber'),
  EventDispatcher: Symbol.for('emporia.EventDispatcher'),
  JobService: Symbol.for('emporia.JobService'),
  JobQueue: Symbol.for('emporia.JobQueue'),
} as const;

declare module '../shared/store.js' {
  interface StoreRepositories {
    jobs: JobRepository;
    outboxDispatch: OutboxDispatch;
  }
}
