import { systemContext, type Context } from '../shared/context.js';
import type { Clock } from '../shared/clock.js';
import type { HealthCheck, Store } from '../shared/store.js';
import { newId } from '../shared/ids.js';
import type { EventBus } from '../notifications/bus.js';
import type { OutboxEvent } from '../notifications/events.js';
import type { ClaimedJob, JobProgress } from './schemas.js';

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

/** Job types that deliver one committed outbox event to one subscriber: `event:<subscriber>`. */
export const EVENT_JOB_PREFIX = 'event:';
export interface EventJobPayload {
  subscriber: string;
  event: OutboxEvent;
}

/** Where a runner logs (a pino logger fits); silent by default. */
export interface RunnerLogger {
  /** A job finished. */
  info(obj: object, msg: string): void;
  /** A job failed and will be retried, or finished after losing its lease. */
  warn(obj: object, msg: string): void;
  /** A job died, or a poll failed. */
  error(obj: object, msg: string): void;
}

/** How a job runner polls, leases and retries; every field has a default. */
export interface RunnerOptions {
  /** Shown in `locked_by`; unique per runner. */
  workerId?: string;
  /** Pause between polls when there was nothing to do (ms). */
  pollIntervalMs?: number;
  /** A claimed job is reclaimable by other runners after this long without progress (ms). */
  leaseMs?: number;
  /** Jobs run at the same time by this runner. */
  concurrency?: number;
  /** Retry delay: base · 2^(attempt−1), capped, with equal jitter (half fixed, half random). */
  backoffBaseMs?: number;
  /** The longest retry delay (ms). */
  backoffMaxMs?: number;
  /** Where to log job outcomes (default: nowhere). */
  logger?: RunnerLogger;
}

export interface RunnerDeps {
  store: Store;
  clock: Clock;
  bus: EventBus;
  handlers: ReadonlyMap<string, JobHandler>;
}

const silent: RunnerLogger = { info() {}, warn() {}, error() {} };

/** Exponential backoff with equal jitter; `random` is injectable for tests. */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number, random = Math.random()): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + (random * exp) / 2);
}

/**
 * Claims due jobs and runs their handlers. Each poll first dispatches committed outbox events
 * into jobs (one per subscriber), then claims up to `concurrency` jobs. Any number of runners
 * may share one database: claiming hands each job to one runner, and every write after the
 * claim checks the lease is still ours, so a job reclaimed from a stalled runner is never
 * completed twice.
 */
export class JobRunner {
  readonly workerId: string;
  private readonly pollIntervalMs: number;
  private readonly leaseMs: number;
  private readonly concurrency: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly log: RunnerLogger;
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private lastError: string | null = null;

  constructor(
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

  private leaseEnd(): string {
    return new Date(this.deps.clock.now().getTime() + this.leaseMs).toISOString();
  }

  /** Turns committed outbox events into jobs; returns how many events were dispatched. */
  async dispatchEvents(limit = 100): Promise<number> {
    const { store, bus } = this.deps;
    return store.repositories.outboxDispatch.dispatch(this.ctx(), limit, async (tx, events) => {
      for (const event of events) {
        for (const subscriber of bus.subscribersFor(event.type)) {
          const payload: EventJobPayload = { subscriber, event };
          await store.repositories.jobs.enqueue(tx, { type: EVENT_JOB_PREFIX + subscriber, payload });
        }
      }
    });
  }

  /** One poll: dispatch events, claim due jobs and run them. Returns the number of jobs run. */
  async runOnce(): Promise<number> {
    await this.dispatchEvents();
    return this.claimAndRun();
  }

  private async claimAndRun(): Promise<number> {
    const jobs = await this.deps.store.repositories.jobs.claim(
      this.ctx(),
      this.workerId,
      this.leaseEnd(),
      this.concurrency,
      this.handledTypes(),
    );
    await Promise.all(jobs.map((job) => this.execute(job)));
    return jobs.length;
  }

  /** Runs polls until nothing is due: the deterministic drain tests and `emporia jobs run` use. */
  async runUntilIdle(maxRounds = 10_000): Promise<number> {
    let total = 0;
    for (let round = 0; round < maxRounds; round++) {
      const dispatched = await this.dispatchEvents();
      const ran = await this.claimAndRun();
      total += ran;
      if (ran === 0 && dispatched === 0) break;
    }
    return total;
  }

  private async execute(job: ClaimedJob): Promise<void> {
    const jobs = this.deps.store.repositories.jobs;
    const ctx = this.ctx();
    // A job reclaimed after its runner died counts that attempt too: one that kills its runner
    // every time must still end up dead.
    if (job.attempts > job.max_attempts) {
      await jobs.bury(ctx, job.id, this.workerId, job.last_error ?? 'lease expired too many times');
      this.log.error({ job_id: job.id, type: job.type }, 'job dead: lease expired too many times');
      return;
    }
    const handler = this.deps.handlers.get(job.type);
    try {
      const isEvent = job.type.startsWith(EVENT_JOB_PREFIX);
      if (!handler && !isEvent) throw new Error(`No handler for job type '${job.type}' in this process`);
      const execution: JobExecution = {
        job,
        ctx,
        progress: async (done, total) => {
          const progress: JobProgress = { done, total };
          await jobs.progress(ctx, job.id, this.workerId, progress, this.leaseEnd());
        },
      };
      const result = isEvent ? await this.deliverEvent(job, ctx) : await handler!(job.payload as never, execution);
      const done = await jobs.complete(ctx, job.id, this.workerId, result ?? null);
      if (done) this.log.info({ job_id: job.id, type: job.type, result }, 'job succeeded');
      else this.log.warn({ job_id: job.id, type: job.type }, 'job finished after its lease was taken over');
    } catch (err) {
      const message = errorMessage(err);
      if (job.attempts >= job.max_attempts) {
        await jobs.bury(ctx, job.id, this.workerId, message);
        this.log.error({ job_id: job.id, type: job.type, attempts: job.attempts, err: message }, 'job dead');
      } else {
        const delay = retryDelayMs(job.attempts, this.backoffBaseMs, this.backoffMaxMs);
        const runAt = new Date(this.deps.clock.now().getTime() + delay).toISOString();
        await jobs.reschedule(ctx, job.id, this.workerId, message, runAt);
        this.log.warn(
          { job_id: job.id, type: job.type, attempts: job.attempts, run_at: runAt, err: message },
          'job failed; will retry',
        );
      }
    }
  }

  /**
   * The job types this process can run: a runner never claims a job another process registered a
   * handler for (an `events.on` handler of an embedding app, say), so it is not lost to a worker
   * that could only drop it.
   */
  private handledTypes(): string[] {
    return [...this.deps.handlers.keys(), ...this.deps.bus.subscriberNames().map((s) => EVENT_JOB_PREFIX + s)];
  }

  private async deliverEvent(job: ClaimedJob, ctx: Context): Promise<unknown> {
    const { subscriber, event } = job.payload as EventJobPayload;
    await this.deps.bus.deliver(subscriber, event, ctx);
    return { subscriber, event_id: event.id };
  }

  /** Polls in the background until `stop()`. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        let ran = 0;
        try {
          ran = await this.runOnce();
          this.lastError = null;
        } catch (err) {
          this.lastError = errorMessage(err);
          this.log.error({ err: this.lastError }, 'job runner poll failed');
        }
        if (ran === 0 && this.running) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, this.pollIntervalMs);
            this.wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          this.wake = null;
        }
      }
    })();
  }

  /** Stops polling and waits for the jobs in hand to finish. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    this.loop = null;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Unhealthy while its last poll failed (e.g. the database is unreachable). */
  health(): HealthCheck {
    return this.lastError
      ? { name: 'job-runner', ok: false, detail: this.lastError }
      : { name: 'job-runner', ok: true };
  }
}

function errorMessage(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.slice(0, 2000);
}
