import { injectable, inject } from 'inversify';
import { actorUserId, can, requirePermission, type Context } from '../shared/context.js';
import { NotFoundError, ValidationError } from '../shared/errors.js';
import { MAX_IMPORT_BYTES, PRODUCT_IMPORT_JOB } from './import.schemas.js';
import { parseInput } from '../shared/validation.js';
import { listResultOf, listWindowOf, type ListResult } from '../shared/pagination.js';
import type { Clock } from '../shared/clock.js';
import type { HealthCheck, Store } from '../shared/store.js';
import { TOKENS } from '../shared/tokens.js';
import { PERMISSIONS } from '../identity/permissions.js';
import { EventBus } from '../notifications/bus.js';
import { JOB_TOKENS, type NewJob } from './ports.js';
import { JobRunner, type JobHandler, type JobExecution, type RunnerOptions } from './runner.js';
import { jobPurgeSchema, type Job, type JobListQuery, type JobPurgeInput } from './schemas.js';

/** Attempts a job gets unless it asks for another number. */
export const DEFAULT_MAX_ATTEMPTS = 5;

/**
 * Background jobs: enqueue inside a use case's transaction, read and manage them, and run them
 * with `createRunner()` (inline in `serve`, or `emporia worker`).
 */
@injectable()
export class JobsService {
  private readonly handlers = new Map<string, JobHandler>();
  private readonly runners = new Set<JobRunner>();

  constructor(
    @inject(TOKENS.Store) private readonly store: Store,
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(JOB_TOKENS.EventBus) private readonly bus: EventBus,
  ) {}

  /** Registers the handler for a job type (one per type). */
  handle<P>(type: string, handler: (payload: P, run: JobExecution) => Promise<unknown>): void {
    if (this.handlers.has(type)) throw new Error(`A handler for job type '${type}' is already registered`);
    this.handlers.set(type, handler as JobHandler);
  }

  /** Queues a job; inside a UnitOfWork it commits (or rolls back) with the caller's change. */
  async enqueue(
    ctx: Context,
    type: string,
    payload: unknown,
    options: Omit<NewJob, 'type' | 'payload'> = {},
  ): Promise<Job> {
    return this.store.repositories.jobs.enqueue(ctx, {
      type,
      payload,
      maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      runAt: options.runAt ?? ctx.clock.now().toISOString(),
      createdBy: options.createdBy === undefined ? actorUserId(ctx) : options.createdBy,
    });
  }

  /** Staff see every job; a user sees the jobs they started; anyone else gets 404. */
  async get(ctx: Context, id: string): Promise<Job> {
    const job = await this.store.repositories.jobs.get(ctx, id);
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
    const page = await this.store.repositories.jobs.list(ctx, { status: query.status, type: query.type }, window);
    return listResultOf(window, page, page.rows);
  }

  /** Gives a dead job a fresh set of attempts, due now. */
  async retry(ctx: Context, id: string): Promise<Job> {
    requirePermission(ctx, PERMISSIONS.jobManage);
    const job = await this.store.repositories.jobs.requeue(ctx, id);
    if (!job) throw new NotFoundError(`No dead job ${id}`);
    return job;
  }

  /** Deletes finished jobs of a status (optionally only those finished before a time). */
  async purge(ctx: Context, input: JobPurgeInput): Promise<number> {
    requirePermission(ctx, PERMISSIONS.jobManage);
    return this.store.repositories.jobs.purge(ctx, parseInput(jobPurgeSchema, input, 'purge request'));
  }

  /** How many jobs are in each status (`job:read:any`). */
  async counts(ctx: Context): Promise<Record<string, number>> {
    requirePermission(ctx, PERMISSIONS.jobRead);
    return this.store.repositories.jobs.counts(ctx);
  }

  /**
   * Queues a product import from CSV text (staff with `import:run`); the job's result lists
   * created, updated and failed rows. Parsing happens in the job, so a large file answers at once.
   */
  async startProductImport(ctx: Context, csv: string): Promise<Job> {
    requirePermission(ctx, PERMISSIONS.importRun);
    if (!csv.trim()) throw new ValidationError('Empty CSV', [{ path: 'body', message: 'the file has no rows' }]);
    if (Buffer.byteLength(csv) > MAX_IMPORT_BYTES) {
      throw new ValidationError('CSV too large', [{ path: 'body', message: `at most ${MAX_IMPORT_BYTES} bytes` }]);
    }
    // Rows create or update by SKU, so an import reclaimed from a dead worker may safely run again.
    return this.enqueue(ctx, PRODUCT_IMPORT_JOB, { csv }, { maxAttempts: 3 });
  }

  /** A runner over this engine's handlers and event subscribers. `start()` it, `stop()` it. */
  createRunner(options: RunnerOptions = {}): JobRunner {
    const runner = new JobRunner(
      { store: this.store, clock: this.clock, bus: this.bus, handlers: this.handlers },
      options,
    );
    this.runners.add(runner);
    return runner;
  }

  /** One check per started runner of this process (none when jobs run elsewhere). */
  health(): HealthCheck[] {
    return [...this.runners].filter((r) => r.isRunning).map((r) => r.health());
  }

  /** Stops every runner this engine started (engine.close()). */
  async stopRunners(): Promise<void> {
    await Promise.all([...this.runners].map((r) => r.stop()));
  }
}
