import { createHash } from 'node:crypto';
import type {
  Config,
  Context,
  Job,
  JobProgress,
  JobPurgeInput,
  JobQueue,
  JobRecords,
  JobRunner,
  JobStatus,
  ListWindow,
  NewJob,
  RowPage,
  RunnerDeps,
  RunnerOptions,
} from '@emporia/core';
import { newId } from '@emporia/core';
import { Redis } from 'ioredis';
import { Queue, type ConnectionOptions, type Job as BullJob, type JobType, type KeepJobs } from 'bullmq';
import { BullmqJobRunner } from './runner.js';

/** What a BullMQ job carries: the payload and who started it (the rest is BullMQ's own fields). */
export interface BullmqJobData {
  payload: unknown;
  created_by: string | null;
}

/** BullMQ's states behind each of Emporia's job statuses. */
const STATES: Record<JobStatus, JobType[]> = {
  queued: ['waiting', 'delayed', 'prioritized', 'waiting-children'],
  running: ['active'],
  succeeded: ['completed'],
  dead: ['failed'],
};
const STATUS_OF = new Map<string, JobStatus>(
  Object.entries(STATES).flatMap(([status, states]) => states.map((s) => [s, status as JobStatus])),
);

/** Queue names cannot hold `:` (job types like `event:app` do): one queue per type, its name encoded. */
export function queueName(type: string): string {
  return encodeURIComponent(type);
}

/**
 * The job id a keyed job gets: a UUID made from the key's SHA-256 (version 8, "custom"), so the same
 * planned job relayed twice has one id and BullMQ keeps the first.
 */
export function keyedJobId(key: string): string {
  const h = createHash('sha256').update(key).digest('hex');
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** `redis://user:pass@host:port/db` (or `rediss://`) as the options BullMQ's connections take. */
export function redisConnection(url: string): ConnectionOptions {
  const u = new URL(url);
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    tls: u.protocol === 'rediss:' ? {} : undefined,
    // Workers block on Redis; BullMQ wants requests retried for as long as the connection comes back.
    maxRetriesPerRequest: null,
  };
}

/** Emporia's view of a BullMQ job in `state` (`GET /api/jobs/{id}`, `emporia jobs`). */
export function toJob(job: BullJob<BullmqJobData>, state: string): Job {
  const status = STATUS_OF.get(state) ?? 'queued';
  const progress = job.progress as Partial<JobProgress> | number | undefined;
  const finished = status === 'succeeded' || status === 'dead';
  const touched = Math.max(job.timestamp, job.processedOn ?? 0, job.finishedOn ?? 0);
  return {
    id: job.id as string,
    type: job.name,
    status,
    attempts: job.attemptsStarted ?? job.attemptsMade,
    max_attempts: job.opts.attempts ?? 1,
    run_at: new Date(job.timestamp + (job.delay ?? 0)).toISOString(),
    last_error: job.failedReason || null,
    progress:
      typeof progress === 'object' && progress !== null && typeof progress.done === 'number'
        ? { done: progress.done, total: progress.total ?? null }
        : null,
    result: status === 'succeeded' ? (job.returnvalue ?? null) : null,
    created_by: job.data?.created_by ?? null,
    created_at: new Date(job.timestamp).toISOString(),
    updated_at: new Date(touched).toISOString(),
    finished_at: finished && job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
  };
}

/** How long finished jobs stay in Redis: `JOBS_KEEP_SUCCEEDED[_COUNT]`, `JOBS_KEEP_DEAD[_COUNT]`. */
export interface RetentionPolicy {
  removeOnComplete: KeepJobs;
  removeOnFail: KeepJobs;
}

export function retentionOf(config: Config): RetentionPolicy {
  return {
    removeOnComplete: { age: config.jobsKeepSucceeded, count: config.jobsKeepSucceededCount },
    removeOnFail: { age: config.jobsKeepDead, count: config.jobsKeepDeadCount },
  };
}

/**
 * Jobs on BullMQ (`REDIS_URL`): one queue per job type under `<REDIS_PREFIX>jobs`, plus a set of the
 * types ever queued (`<REDIS_PREFIX>job-types`) so any process can list and count them all. Reads map
 * BullMQ's states onto Emporia's statuses; finished jobs leave Redis by the retention policy.
 */
export class BullmqJobQueue implements JobQueue, JobRecords {
  readonly name = 'bullmq';
  readonly jobs: JobRecords = this;
  readonly connection: ConnectionOptions;
  /** BullMQ's key prefix: `<REDIS_PREFIX>jobs`, so keys read `<REDIS_PREFIX>jobs:<queue>:…`. */
  readonly prefix: string;
  readonly retention: RetentionPolicy;
  private readonly typesKey: string;
  private readonly queues = new Map<string, Queue<BullmqJobData>>();
  private readonly registered = new Set<string>();
  private readonly runners = new Set<BullmqJobRunner>();
  /** For the set of types (BullMQ's own connections serve the queues). */
  private client: Redis | null = null;
  private readonly url: string;

  constructor(config: Config & { redisUrl: string }) {
    this.url = config.redisUrl;
    this.connection = redisConnection(config.redisUrl);
    this.prefix = `${config.redisPrefix}jobs`;
    this.typesKey = `${config.redisPrefix}job-types`;
    this.retention = retentionOf(config);
  }

  /** The queue of a job type (created on first use; connections open lazily). */
  queue(type: string): Queue<BullmqJobData> {
    let queue = this.queues.get(type);
    if (!queue) {
      // A queue's calls give up after a few retries while Redis is away (a request that queues a job
      // answers an error instead of hanging); workers' blocking connections wait for it (null).
      const connection = { ...this.connection, maxRetriesPerRequest: 3 } as ConnectionOptions;
      queue = new Queue<BullmqJobData>(queueName(type), { connection, prefix: this.prefix });
      // Errors surface on the calls that failed; an unhandled 'error' event would end the process.
      queue.on('error', () => undefined);
      this.queues.set(type, queue);
    }
    return queue;
  }

  /** Records `types` in the shared set, once per process and type. */
  async register(types: readonly string[]): Promise<void> {
    const fresh = [...new Set(types)].filter((t) => !this.registered.has(t));
    if (fresh.length === 0) return;
    await this.redis().sadd(this.typesKey, ...fresh);
    for (const t of fresh) this.registered.add(t);
  }

  private redis(): Redis {
    if (!this.client) {
      this.client = new Redis(this.url, { maxRetriesPerRequest: 3 });
      this.client.on('error', () => undefined);
    }
    return this.client;
  }

  /** Every job type ever queued on this Redis prefix. */
  async types(): Promise<string[]> {
    const members = await this.redis().smembers(this.typesKey);
    return [...new Set([...members, ...this.registered])].sort();
  }

  async enqueue(ctx: Context, jobs: readonly NewJob[]): Promise<Job[]> {
    if (jobs.length === 0) return [];
    await this.register(jobs.map((j) => j.type));
    const now = ctx.clock.now().getTime();
    const byType = new Map<string, NewJob[]>();
    for (const job of jobs) byType.set(job.type, [...(byType.get(job.type) ?? []), job]);
    const added = new Map<NewJob, BullJob<BullmqJobData>>();
    await Promise.all(
      [...byType].map(async ([type, group]) => {
        const result = await this.queue(type).addBulk(
          group.map((job) => ({
            name: type,
            data: { payload: job.payload ?? null, created_by: job.createdBy ?? null },
            opts: {
              jobId: job.key ? keyedJobId(job.key) : newId(),
              delay: job.runAt ? Math.max(0, new Date(job.runAt).getTime() - now) : 0,
              attempts: job.maxAttempts ?? 5,
              backoff: { type: 'emporia' },
              ...this.retention,
            },
          })),
        );
        group.forEach((job, i) => added.set(job, result[i]));
      }),
    );
    return jobs.map((job) => toJob(added.get(job) as BullJob<BullmqJobData>, 'waiting'));
  }

  private async locate(id: string): Promise<BullJob<BullmqJobData> | null> {
    for (const type of await this.types()) {
      const job = await this.queue(type).getJob(id);
      if (job) return job;
    }
    return null;
  }

  async find(_ctx: Context, id: string): Promise<Job | null> {
    const located = await this.locate(id);
    if (!located) return null;
    // The state first, then the data: data read before a move would be older than its state (a job
    // shown succeeded without its result). A finish in between shows in the data: read the state again.
    const queue = this.queue(located.name);
    let state: string = await queue.getJobState(id);
    const job = (await queue.getJob(id)) ?? located;
    if (job.finishedOn && state !== 'completed' && state !== 'failed') state = await queue.getJobState(id);
    return toJob(job, state);
  }

  async list(_ctx: Context, filter: { status?: JobStatus; type?: string }, window: ListWindow): Promise<RowPage<Job>> {
    const types = filter.type ? [filter.type] : await this.types();
    const statuses = filter.status ? [filter.status] : (Object.keys(STATES) as JobStatus[]);
    const all: Job[] = [];
    for (const type of types) {
      for (const status of statuses) {
        for (const state of STATES[status]) {
          const jobs = await this.queue(type).getJobs([state], 0, -1);
          for (const job of jobs) if (job) all.push(toJob(job, state));
        }
      }
    }
    // Newest first: creation time, then id (a relayed job's id is a hash, not a time).
    all.sort((a, b) => b.created_at.localeCompare(a.created_at) || b.id.localeCompare(a.id));
    if (window.kind === 'page') {
      const from = window.offset ?? (window.page - 1) * window.pageSize;
      return { rows: all.slice(from, from + window.pageSize), count: all.length, more: false };
    }
    let from = 0;
    if (window.afterId !== null) {
      const at = all.findIndex((j) => j.id === window.afterId);
      from = at >= 0 ? at + 1 : all.findIndex((j) => j.id < (window.afterId as string));
      if (from < 0) from = all.length;
    }
    const rows = all.slice(from, from + window.limit);
    return { rows, count: null, more: from + window.limit < all.length };
  }

  async requeue(_ctx: Context, id: string): Promise<Job | null> {
    const job = await this.locate(id);
    if (!job || (await job.getState()) !== 'failed') return null;
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    // As it was queued: a running worker may already have taken it again.
    const fresh = await this.queue(job.name).getJob(id);
    return toJob(fresh ?? job, 'waiting');
  }

  async purge(ctx: Context, input: JobPurgeInput): Promise<number> {
    const grace = input.before ? Math.max(0, ctx.clock.now().getTime() - new Date(input.before).getTime()) : 0;
    const state = input.status === 'succeeded' ? 'completed' : 'failed';
    let removed = 0;
    for (const type of await this.types()) removed += (await this.queue(type).clean(grace, 0, state)).length;
    return removed;
  }

  async counts(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    const states = Object.values(STATES).flat();
    for (const type of await this.types()) {
      const byState = await this.queue(type).getJobCounts(...states);
      for (const [state, n] of Object.entries(byState)) {
        const status = STATUS_OF.get(state);
        if (status && n > 0) counts[status] = (counts[status] ?? 0) + n;
      }
    }
    return counts;
  }

  async repeat(_ctx: Context, type: string, everyMs: number): Promise<boolean> {
    await this.register([type]);
    const queue = this.queue(type);
    const existing = await queue.getJobScheduler(type);
    if (existing?.every === everyMs) return false;
    // One scheduler per type, its id the type: every process upserts the same one.
    await queue.upsertJobScheduler(
      type,
      { every: everyMs, startDate: Date.now() + everyMs },
      { name: type, data: { payload: {}, created_by: null }, opts: { attempts: 1, ...this.retention } },
    );
    return true;
  }

  createRunner(deps: RunnerDeps, options: RunnerOptions): JobRunner {
    const runner = new BullmqJobRunner(this, deps, options);
    this.runners.add(runner);
    return runner;
  }

  async close(): Promise<void> {
    await Promise.all([...this.runners].map((r) => r.stop()));
    const queues = [...this.queues.values()];
    this.queues.clear();
    await Promise.all(queues.map((q) => q.close().catch(() => undefined)));
    const client = this.client;
    this.client = null;
    await client?.quit().catch(() => client.disconnect());
  }
}
