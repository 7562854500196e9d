import type {
  ClaimedJob,
  Context,
  HealthCheck,
  JobExecution,
  JobRunner,
  RunnerDeps,
  RunnerLogger,
  RunnerOptions,
} from '@emporia/core';
import { newId, retryDelayMs, systemContext, ValidationError } from '@emporia/core';
import { UnrecoverableError, Worker, type Job as BullJob } from 'bullmq';
import { queueName, toJob, type BullmqJobData, type BullmqJobQueue } from './queue.js';

/** An error's message, cut to what `last_error` keeps on the database queue. */
function errorMessage(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).slice(0, 2000);
}

const silent: RunnerLogger = { info() {}, warn() {}, error() {} };
const yieldToIo = () => new Promise<void>((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A job worker on BullMQ: one BullMQ `Worker` per job type this process handles (so a process never
 * takes a job it cannot run), and the outbox relay polling beside them. BullMQ claims and leases
 * (`lockDuration` = the lease, a stalled job — its worker died — goes back to the queue), retries
 * with Emporia's backoff (`retryDelayMs` as the custom strategy) and keeps progress; a job that
 * throws a `ValidationError`, or fails its last attempt, ends `failed`, which reads as `dead`.
 */
export class BullmqJobRunner implements JobRunner {
  readonly workerId: string;
  private readonly pollIntervalMs: number;
  private readonly leaseMs: number;
  private readonly concurrency: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly log: RunnerLogger;
  private readonly workers = new Map<string, Worker<BullmqJobData>>();
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private lastError: string | null = null;
  /** Jobs this runner finished (succeeded or failed), for `runUntilIdle`'s count. */
  private finished = 0;

  constructor(
    private readonly queue: BullmqJobQueue,
    private readonly deps: RunnerDeps,
    options: RunnerOptions = {},
  ) {
    this.workerId = options.workerId ?? `runner-${newId()}`;
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.leaseMs = options.leaseMs ?? 60_000;
    this.concurrency = options.concurrency ?? 4;
    this.backoffBaseMs = options.backoffBaseMs ?? 1000;
    this.backoffMaxMs = options.backoffMaxMs ?? 3_600_000;
    this.log = options.logger ?? silent;
  }

  private ctx(): Context {
    return systemContext({ clock: this.deps.clock });
  }

  async dispatchEvents(limit = 100): Promise<number> {
    return this.deps.dispatch(this.ctx(), limit);
  }

  /** Starts a BullMQ worker for every handled type that has none yet (handlers may come later). */
  private async ensureWorkers(): Promise<void> {
    const types = this.deps.handledTypes().filter((t) => !this.workers.has(t));
    if (types.length === 0) return;
    await this.queue.register(types);
    for (const type of types) {
      const worker = new Worker<BullmqJobData>(queueName(type), (job) => this.process(job), {
        connection: this.queue.connection,
        prefix: this.queue.prefix,
        concurrency: this.concurrency,
        name: this.workerId,
        lockDuration: this.leaseMs,
        stalledInterval: Math.max(1000, Math.min(30_000, Math.floor(this.leaseMs / 2))),
        // A job whose worker died is taken over; like the database queue's lease, not forever.
        maxStalledCount: 4,
        settings: {
          backoffStrategy: (attemptsMade: number) => retryDelayMs(attemptsMade, this.backoffBaseMs, this.backoffMaxMs),
        },
      });
      worker.on('completed', (job, result) => {
        this.finished++;
        this.log.info({ job_id: job.id, type: job.name, result }, 'job succeeded');
      });
      worker.on('failed', (job, err) => {
        this.finished++;
        if (!job) return;
        const dead = err instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
        const fields = { job_id: job.id, type: job.name, attempts: job.attemptsMade, err: err.message };
        if (dead) this.log.error(fields, 'job dead');
        else this.log.warn(fields, 'job failed; will retry');
      });
      worker.on('error', (err) => {
        this.lastError = errorMessage(err);
        this.log.error({ err: this.lastError }, 'job worker error');
      });
      this.workers.set(type, worker);
    }
  }

  private async process(job: BullJob<BullmqJobData>): Promise<unknown> {
    const handler = this.deps.handlerFor(job.name);
    if (!handler) throw new Error(`No handler for job type '${job.name}' in this process`);
    const claimed: ClaimedJob = {
      ...toJob(job, 'active'),
      payload: job.data.payload,
      locked_by: this.workerId,
      locked_until: new Date(Date.now() + this.leaseMs).toISOString(),
    };
    const execution: JobExecution = {
      job: claimed,
      ctx: this.ctx(),
      progress: async (done, total) => {
        // BullMQ renews the lock by itself while the worker lives; progress is only recorded.
        await job.updateProgress({ done, total });
      },
    };
    try {
      return (await handler(job.data.payload as never, execution)) ?? null;
    } catch (err) {
      // Invalid input stays invalid: dead at once, as on the database queue.
      if (err instanceof ValidationError) throw new UnrecoverableError(errorMessage(err));
      throw new Error(errorMessage(err));
    }
  }

  /** Jobs of the handled types that wait or run now (delayed ones are not due yet). */
  private async pending(): Promise<number> {
    let n = 0;
    for (const type of this.deps.handledTypes()) {
      const counts = await this.queue.queue(type).getJobCounts('waiting', 'prioritized', 'active');
      n += (counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.active ?? 0);
    }
    return n;
  }

  async runOnce(): Promise<number> {
    return this.runUntilIdle(1);
  }

  async runUntilIdle(maxRounds = 10_000): Promise<number> {
    const before = this.finished;
    await this.ensureWorkers();
    for (let round = 0; round < maxRounds; round++) {
      const dispatched = await this.dispatchEvents();
      const start = this.finished;
      while ((await this.pending()) > 0) await sleep(20);
      if (dispatched === 0 && this.finished === start) break;
    }
    if (!this.running) await this.closeWorkers();
    return this.finished - before;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        let dispatched = 0;
        try {
          await this.ensureWorkers();
          dispatched = await this.dispatchEvents();
          this.lastError = null;
        } catch (err) {
          this.lastError = errorMessage(err);
          this.log.error({ err: this.lastError }, 'outbox relay failed');
        }
        if (!this.running) break;
        if (dispatched === 0) await this.rest(this.pollIntervalMs);
        else await yieldToIo();
      }
    })();
  }

  private async rest(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wake = null;
  }

  private async closeWorkers(): Promise<void> {
    const workers = [...this.workers.values()];
    this.workers.clear();
    // close() waits for the jobs in hand to finish.
    await Promise.all(workers.map((w) => w.close().catch(() => undefined)));
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    this.loop = null;
    await this.closeWorkers();
  }

  get isRunning(): boolean {
    return this.running;
  }

  health(): HealthCheck {
    return this.lastError
      ? { name: 'job-runner', ok: false, detail: this.lastError }
      : { name: 'job-runner', ok: true };
  }
}
