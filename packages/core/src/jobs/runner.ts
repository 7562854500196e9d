import { systemContext, type Context } from '../shared/context.js';
import type { Clock } from '../shared/clock.js';
import type { HealthCheck } from '../shared/store.js';
import { newId } from '../shared/ids.js';
import { ValidationError } from '../shared/errors.js';
import { errorText } from '../shared/input.js';
import type { JobExecution, JobHandler, JobRepository } from './ports.js';
import type { ClaimedJob, JobProgress } from './schemas.js';

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
  /** Jobs run at the same time by this runner: also how many one poll claims. */
  concurrency?: number;
  /**
   * The share of wall-clock time a backlog may take (0 < share ≤ 1; default 1). After a poll that
   * ran jobs for `t` ms the runner rests `t · (1 − share) / share` ms, so a runner inside a server
   * leaves the event loop to requests while it drains a burst (`serve` runs its inline runner at
   * `INLINE_RUNNER_SHARE`). At 1 it still yields to pending I/O between polls and between jobs.
   */
  maxShare?: number;
  /** Retry delay: base · 2^(attempt−1), capped, with equal jitter (half fixed, half random). */
  backoffBaseMs?: number;
  /** The longest retry delay (ms). */
  backoffMaxMs?: number;
  /** Where to log job outcomes (default: nowhere). */
  logger?: RunnerLogger;
}

/** What a runner runs on: built by `JobService.createRunner` from the jobs module's ports. */
export interface RunnerDeps {
  clock: Clock;
  /** Turns committed outbox events into jobs; returns how many events it took. */
  dispatch(ctx: Context, limit: number): Promise<number>;
  /** The handler of a job type in this process, if any. */
  handlerFor(type: string): JobHandler | undefined;
  /** Every job type this process can run. */
  handledTypes(): string[];
}

/** A runner over the database queue also claims and leases through the job repository. */
export interface DatabaseRunnerDeps extends RunnerDeps {
  jobs: JobRepository;
}

/**
 * What `JobService.createRunner` hands back, on either backend: the database queue's
 * `DatabaseJobRunner` or a `JobQueue`'s (BullMQ).
 */
export interface JobRunner {
  /** Unique per runner; shown in logs (and `locked_by` on the database queue). */
  readonly workerId: string;
  /** Turns (relays) committed outbox events into jobs; returns how many events it took. */
  dispatchEvents(limit?: number): Promise<number>;
  /** One round: dispatch events, then run the jobs due now. Returns the number of jobs run. */
  runOnce(): Promise<number>;
  /** Runs rounds until nothing is due or dispatched: a deterministic drain for tests and scripts. */
  runUntilIdle(maxRounds?: number): Promise<number>;
  /** Runs in the background until `stop()`. */
  start(): void;
  /** Stops taking jobs and waits for the jobs in hand to finish. */
  stop(): Promise<void>;
  readonly isRunning: boolean;
  /** Unhealthy while its last poll (or its queue connection) failed. */
  health(): HealthCheck;
}

const silent: RunnerLogger = { info() {}, warn() {}, error() {} };

/** The share of time `serve`'s inline runner may spend on a backlog: half, the rest is for requests. */
export const INLINE_RUNNER_SHARE = 0.5;

/** How long a runner with `share` rests after a poll that kept it busy `busyMs` (ms, whole). */
export function restAfterPollMs(busyMs: number, share: number): number {
  if (share >= 1 || busyMs <= 0) return 0;
  return Math.round((busyMs * (1 - share)) / share);
}

/** Lets pending I/O (incoming requests, answers being written) run before the next step. */
const yieldToIo = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Exponential backoff with equal jitter; `random` is injectable for tests. */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number, random = Math.random()): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + (random * exp) / 2);
}

/**
 * Claims due jobs and runs their handlers. Each poll first dispatches committed outbox events
 * into the jobs their subscribers ask for, then claims up to `concurrency` jobs. Any number of
 * runners may share one database: claiming hands each job to one runner, and every write after
 * the claim checks the lease is still ours, so a job reclaimed from a stalled runner is never
 * completed twice. A poll with nothing to do only reads.
 */
export class DatabaseJobRunner implements JobRunner {
  readonly workerId: string;
  private readonly pollIntervalMs: number;
  private readonly leaseMs: number;
  private readonly concurrency: number;
  private readonly maxShare: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly log: RunnerLogger;
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private lastError: string | null = null;

  constructor(
    private readonly deps: DatabaseRunnerDeps,
    options: RunnerOptions = {},
  ) {
    this.workerId = options.workerId ?? `runner-${newId()}`;
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.leaseMs = options.leaseMs ?? 60_000;
    this.concurrency = options.concurrency ?? 4;
    this.maxShare = options.maxShare ?? 1;
    if (!(this.maxShare > 0 && this.maxShare <= 1)) throw new RangeError('maxShare must be > 0 and ≤ 1');
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
    return this.deps.dispatch(this.ctx(), limit);
  }

  /** One poll: dispatch events, claim due jobs and run them. Returns the number of jobs run. */
  async runOnce(): Promise<number> {
    await this.dispatchEvents();
    return this.claimAndRun();
  }

  private async claimAndRun(): Promise<number> {
    const jobs = await this.deps.jobs.claim(
      this.ctx(),
      this.workerId,
      this.leaseEnd(),
      this.concurrency,
      this.deps.handledTypes(),
    );
    // Each job starts on its own turn of the event loop, after whatever I/O arrived meanwhile: with a
    // synchronous driver (better-sqlite3) a batch would otherwise run as one uninterrupted chain.
    const running: Promise<void>[] = [];
    for (const [i, job] of jobs.entries()) {
      if (i > 0) await yieldToIo();
      running.push(this.execute(job));
    }
    await Promise.all(running);
    return jobs.length;
  }

  /** Runs polls until nothing is due or dispatched: a deterministic drain for tests and scripts. */
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
    const { jobs } = this.deps;
    const ctx = this.ctx();
    // A job reclaimed after its runner died counts that attempt too: one that kills its runner
    // every time must still end up dead.
    if (job.attempts > job.max_attempts) {
      await jobs.bury(ctx, job.id, this.workerId, job.last_error ?? 'lease expired too many times');
      this.log.error({ job_id: job.id, type: job.type }, 'job dead: lease expired too many times');
      return;
    }
    const handler = this.deps.handlerFor(job.type);
    try {
      if (!handler) throw new Error(`No handler for job type '${job.type}' in this process`);
      const execution: JobExecution = {
        job,
        ctx,
        progress: async (done, total) => {
          const progress: JobProgress = { done, total };
          await jobs.progress(ctx, job.id, this.workerId, progress, this.leaseEnd());
        },
      };
      const result = await handler(job.payload as never, execution);
      const done = await jobs.complete(ctx, job.id, this.workerId, result ?? null);
      if (done) this.log.info({ job_id: job.id, type: job.type, result }, 'job succeeded');
      else this.log.warn({ job_id: job.id, type: job.type }, 'job finished after its lease was taken over');
    } catch (err) {
      const message = errorMessage(err);
      // Invalid input stays invalid: a job that throws a ValidationError ends dead at once.
      if (job.attempts >= job.max_attempts || err instanceof ValidationError) {
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

  /** Polls in the background until `stop()`. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        let ran = 0;
        const started = performance.now();
        try {
          ran = await this.runOnce();
          this.lastError = null;
        } catch (err) {
          this.lastError = errorMessage(err);
          this.log.error({ err: this.lastError }, 'job runner poll failed');
        }
        if (!this.running) break;
        if (ran === 0) await this.rest(this.pollIntervalMs);
        else {
          // A backlog: rest in proportion to the time the poll took, and in any case let I/O in.
          const restMs = restAfterPollMs(performance.now() - started, this.maxShare);
          if (restMs > 0) await this.rest(restMs);
          else await yieldToIo();
        }
      }
    })();
  }

  /** Waits `ms`, or until `stop()`. */
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
  return errorText(err instanceof Error ? err.message : String(err));
}
