import { injectable, inject, optional } from 'inversify';
import { actorUserId, can, requirePermission, type Context } from '../shared/context.js';
import { NotFoundError, ValidationError } from '../shared/errors.js';
import { importHeaderProblem, MAX_IMPORT_BYTES, PRODUCT_IMPORT_JOB } from './import.schemas.js';
import { parseInput } from '../shared/validation.js';
import { listResultOf, listWindowOf, type ListResult } from '../shared/pagination.js';
import type { Clock } from '../shared/clock.js';
import type { HealthCheck } from '../shared/store.js';
import { TOKENS } from '../shared/tokens.js';
import { PERMISSIONS } from '../identity/permissions.js';
import { EventDispatcher } from './dispatcher.js';
import {
  JOB_TOKENS,
  type JobExecution,
  type JobHandler,
  type JobQueue,
  type JobRecords,
  type JobRepository,
  type NewJob,
} from './ports.js';
import { DatabaseJobRunner, type JobRunner, type RunnerDeps, type RunnerOptions } from './runner.js';
import { jobPurgeSchema, type Job, type JobListQuery, type JobPurgeInput } from './schemas.js';

/** Attempts a job gets unless it asks for another number. */
export const DEFAULT_MAX_ATTEMPTS = 5;

/**
 * Background jobs: enqueue inside a use case's transaction, read and manage them, and run them
 * with `createRunner()` (inline in `serve`, or `emporia worker`).
 */
@injectable()
export class JobService {
  private readonly handlers = new Map<string, JobHandler>();
  private readonly runners = new Set<JobRunner>();

  /** Where jobs are read and managed: the `JobQueue` when there is one, the database otherwise. */
  private readonly records: JobRecords;

  constructor(
    @inject(JOB_TOKENS.JobRepository) private readonly jobs: JobRepository,
    @inject(JOB_TOKENS.EventDispatcher) private readonly dispatcher: EventDispatcher,
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(JOB_TOKENS.JobQueue) @optional() private readonly queue: JobQueue | undefined = undefined,
  ) {
    this.records = queue?.jobs ?? jobs;
  }

  /** `database` (the `jobs` table) or the job queue's name (`bullmq`). */
  get backend(): string {
    return this.queue?.name ?? 'database';
  }

  /** Registers the handler for a job type (one per type; event subscribers bring their own). */
  handle<P>(type: string, handler: (payload: P, run: JobExecution) => Promise<unknown>): void {
    if (this.handlers.has(type) || this.dispatcher.handlerFor(type)) {
      throw new Error(`A handler for job type '${type}' is already registered`);
    }
    this.handlers.set(type, handler as JobHandler);
  }

  /** Queues a job; inside a UnitOfWork it commits (or rolls back) with the caller's change. */
  async enqueue(
    ctx: Context,
    type: string,
    payload: unknown,
    options: Omit<NewJob, 'type' | 'payload'> = {},
  ): Promise<Job> {
    const [job] = await this.records.enqueue(ctx, [
      {
        type,
        payload,
        maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
        runAt: options.runAt ?? ctx.clock.now().toISOString(),
        createdBy: options.createdBy === undefined ? actorUserId(ctx) : options.createdBy,
      },
    ]);
    return job;
  }

  /** Staff see every job; a user sees the jobs they started; anyone else gets 404. */
  async get(ctx: Context, id: string): Promise<Job> {
    const job = await this.records.find(ctx, id);
    const mine = job !== null && job.created_by !== null && job.created_by === actorUserId(ctx);
    if (!job || !(mine || can(ctx, PERMISSIONS.jobRead))) {
      if (ctx.actor.kind === 'anonymous') requirePermission(ctx, PERMISSIONS.jobRead);
      throw new NotFoundError(`Job ${id} not found`);
    }
    return job;
  }

  /** Jobs newest first, filtered by status and type (`job:read:any`); takes the parsed query. */
  async list(ctx: Context, query: JobListQuery = {}): Promise<ListResult<Job>> {
    requirePermission(ctx, PERMISSIONS.jobRead);
    const window = listWindowOf(query);
    const page = await this.records.list(ctx, { status: query.status, type: query.type }, window);
    return listResultOf(window, page, page.rows);
  }

  /** Gives a dead job a fresh set of attempts, due now. */
  async retry(ctx: Context, id: string): Promise<Job> {
    requirePermission(ctx, PERMISSIONS.jobManage);
    const job = await this.records.requeue(ctx, id);
    if (!job) throw new NotFoundError(`No dead job ${id}`);
    return job;
  }

  /** Deletes finished jobs of a status (optionally only those finished before a time). */
  async purge(ctx: Context, input: JobPurgeInput): Promise<number> {
    requirePermission(ctx, PERMISSIONS.jobManage);
    return this.records.purge(ctx, parseInput(jobPurgeSchema, input, 'purge request'));
  }

  /** How many jobs are in each status (`job:read:any`). */
  async counts(ctx: Context): Promise<Record<string, number>> {
    requirePermission(ctx, PERMISSIONS.jobRead);
    return this.records.counts(ctx);
  }

  /**
   * Queues a product import from CSV text (staff with `import:run`); the job's result lists
   * created, updated and failed rows. Parsing happens in the job, so a large file answers at once;
   * only the header row is read here, so a file with unknown or missing columns is refused before any job exists.
   */
  async startProductImport(ctx: Context, csv: string): Promise<Job> {
    requirePermission(ctx, PERMISSIONS.importRun);
    if (!csv.trim()) throw new ValidationError('Empty CSV', [{ path: 'body', message: 'the file has no rows' }]);
    if (Buffer.byteLength(csv) > MAX_IMPORT_BYTES) {
      throw new ValidationError('CSV too large', [{ path: 'body', message: `at most ${MAX_IMPORT_BYTES} bytes` }]);
    }
    const problem = importHeaderProblem(csv);
    if (problem) throw new ValidationError('Bad CSV header', [{ path: 'body', message: problem }]);
    // Rows create or update by SKU, so an import reclaimed from a dead worker may safely run again.
    return this.enqueue(ctx, PRODUCT_IMPORT_JOB, { csv }, { maxAttempts: 3 });
  }

  /**
   * Deletes dispatched outbox events recorded before `before` and what the event subscribers keep
   * about them (webhook deliveries, the sent-mail log); rows per table. The maintenance job calls it.
   */
  async purgeEventHistory(ctx: Context, before: string): Promise<Record<string, number>> {
    requirePermission(ctx, PERMISSIONS.jobManage);
    return this.dispatcher.purge(ctx, before);
  }

  /**
   * Runs `type` (a registered handler's job) every `everyMs`, the first run `everyMs` from now. On
   * the database a run is queued unless one is already queued, and the handler calls this again
   * when it ends, so several processes keep one chain; a `JobQueue` (BullMQ) keeps one job scheduler
   * per type for the whole cluster. Returns true when it queued or changed something.
   */
  async schedule(ctx: Context, type: string, everyMs: number): Promise<boolean> {
    if (this.queue) return this.queue.repeat(ctx, type, everyMs);
    const queued = await this.list(ctx, { status: 'queued', type, limit: 1 });
    if (queued.results.length > 0) return false;
    const runAt = new Date(ctx.clock.now().getTime() + everyMs).toISOString();
    await this.enqueue(ctx, type, {}, { runAt, maxAttempts: 1, createdBy: null });
    return true;
  }

  /** A runner over this engine's handlers and event subscribers. `start()` it, `stop()` it. */
  createRunner(options: RunnerOptions = {}): JobRunner {
    const deps: RunnerDeps = {
      clock: this.clock,
      dispatch: (ctx, limit) => this.dispatcher.dispatch(ctx, limit),
      handlerFor: (type) => this.handlers.get(type) ?? this.dispatcher.handlerFor(type),
      handledTypes: () => [...this.handlers.keys(), ...this.dispatcher.handledTypes()],
    };
    const runner = this.queue
      ? this.queue.createRunner(deps, options)
      : new DatabaseJobRunner({ ...deps, jobs: this.jobs }, options);
    this.runners.add(runner);
    return runner;
  }

  /** One check per started runner of this process (none when jobs run elsewhere). */
  health(): HealthCheck[] {
    return [...this.runners].filter((r) => r.isRunning).map((r) => r.health());
  }

  /** Stops every runner this engine started, then closes the job queue's connections (engine.close()). */
  async stopRunners(): Promise<void> {
    await Promise.all([...this.runners].map((r) => r.stop()));
    await this.queue?.close();
  }
}
