import type { Context } from '../shared/context.js';
import type { OutboxEvent } from '../notifications/events.js';
import type { ListWindow, RowPage } from '../shared/pagination.js';
import type { ClaimedJob, Job, JobProgress, JobPurgeInput, JobStatus } from './schemas.js';

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
}

/** Persistence of jobs. `enqueue` joins `ctx.tx`, so a job is created only if the change commits. */
export interface JobRepository {
  /** Stores a queued job, inside `ctx.tx` when there is one. */
  enqueue(ctx: Context, job: NewJob): Promise<Job>;
  /**
   * Takes up to `limit` due jobs for `workerId` until `lockedUntil`: queued jobs whose `run_at`
   * has come, and running jobs whose lease expired (their runner died). Each job is handed to one
   * claimer only (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: one writer). Increments `attempts`.
   * Only jobs whose type is in `types` (the ones this process can run).
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
  get(ctx: Context, id: string): Promise<Job | null>;
  /** Newest first (UUIDv7 id order). */
  list(ctx: Context, filter: { status?: JobStatus; type?: string }, window: ListWindow): Promise<RowPage<Job>>;
  /** Puts a dead (or succeeded) job back in the queue with a fresh attempt budget. */
  requeue(ctx: Context, id: string): Promise<Job | null>;
  /** Deletes finished jobs of the status (finished before `before`, when given); returns how many. */
  purge(ctx: Context, input: JobPurgeInput): Promise<number>;
  /** Counts by status, for health and `emporia jobs`. */
  counts(ctx: Context): Promise<Record<string, number>>;
}

/** Reading and dispatching the outbox: the step that turns committed events into jobs. */
export interface OutboxDispatch {
  /**
   * In one transaction: takes up to `limit` undispatched events (skipping ones another runner
   * holds), marks them dispatched and lets `toJobs` enqueue their jobs in the same transaction.
   */
  dispatch(ctx: Context, limit: number, toJobs: (tx: Context, events: OutboxEvent[]) => Promise<void>): Promise<number>;
  /** Events recorded after `afterId` (UUIDv7 order), for real-time streams. */
  since(ctx: Context, afterId: string | null, limit: number): Promise<OutboxEvent[]>;
}

export const JOB_TOKENS = {
  JobRepository: Symbol.for('emporia.JobRepository'),
  OutboxDispatch: Symbol.for('emporia.OutboxDispatch'),
  JobsService: Symbol.for('emporia.JobsService'),
  EventBus: Symbol.for('emporia.EventBus'),
} as const;

declare module '../shared/store.js' {
  interface StoreRepositories {
    jobs: JobRepository;
    outboxDispatch: OutboxDispatch;
  }
}
