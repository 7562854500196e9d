import { createHash } from 'node:crypto';
import { inject, injectable, multiInject, optional } from 'inversify';
import type { Context } from '../shared/context.js';
import type { UnitOfWork } from '../shared/store.js';
import { TOKENS } from '../shared/tokens.js';
import {
  JOB_TOKENS,
  type EventSubscriber,
  type JobHandler,
  type JobQueue,
  type JobRepository,
  type NewJob,
  type OutboxDispatch,
} from './ports.js';

/** A planned job's key: its type and payload (which carries the event), hashed. */
export function plannedJobKey(job: NewJob): string {
  return createHash('sha256').update(job.type).update('\0').update(JSON.stringify(job.payload)).digest('hex');
}

/**
 * Turns committed outbox events into the jobs their subscribers ask for. An idle poll is one read;
 * a batch is one transaction that marks the events dispatched and queues every subscriber's jobs,
 * so an event becomes jobs exactly once, and one that nobody acts on becomes none. With a `JobQueue`
 * (BullMQ) it is the relay: the jobs go to the queue before the transaction commits, each keyed by
 * its content, so a relay that dies between the two leaves the events undispatched and the next
 * relay queues the same jobs again, which the queue takes as the ones it has.
 */
@injectable()
export class EventDispatcher {
  constructor(
    @inject(JOB_TOKENS.OutboxDispatch) private readonly outbox: OutboxDispatch,
    @inject(JOB_TOKENS.JobRepository) private readonly jobs: JobRepository,
    @inject(TOKENS.UnitOfWork) private readonly unitOfWork: UnitOfWork,
    @multiInject(JOB_TOKENS.EventSubscriber) @optional() private readonly subscribers: EventSubscriber[] = [],
    @inject(JOB_TOKENS.JobQueue) @optional() private readonly queue: JobQueue | undefined = undefined,
  ) {}

  /** Dispatches up to `limit` events; returns how many. */
  async dispatch(ctx: Context, limit: number): Promise<number> {
    // Read first: a runner with nothing to do must not take SQLite's write lock every poll.
    if (!(await this.outbox.hasPending(ctx))) return 0;
    return this.unitOfWork.run(ctx, async (tx) => {
      const events = await this.outbox.claim(tx, limit);
      if (events.length === 0) return 0;
      const planned: NewJob[] = [];
      for (const subscriber of this.subscribers) planned.push(...(await subscriber.plan(tx, events)));
      if (planned.length === 0) return events.length;
      if (this.queue)
        await this.queue.jobs.enqueue(
          tx,
          planned.map((job) => ({ ...job, key: plannedJobKey(job) })),
        );
      else await this.jobs.enqueue(tx, planned);
      return events.length;
    });
  }

  /** The handler of a subscriber's job type, if a subscriber of this process runs it. */
  handlerFor(type: string): JobHandler | undefined {
    for (const subscriber of this.subscribers) {
      const handler = subscriber.handlers().get(type);
      if (handler) return handler;
    }
    return undefined;
  }

  /** Every job type the subscribers of this process run. */
  handledTypes(): string[] {
    return this.subscribers.flatMap((s) => [...s.handlers().keys()]);
  }

  /** Deletes dispatched events recorded before `before`, and what each subscriber keeps about them. */
  async purge(ctx: Context, before: string): Promise<Record<string, number>> {
    const removed: Record<string, number> = { outbox_events: await this.outbox.purge(ctx, before) };
    for (const subscriber of this.subscribers) Object.assign(removed, await subscriber.purge?.(ctx, before));
    return removed;
  }
}
