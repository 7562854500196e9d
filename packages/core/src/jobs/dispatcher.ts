import { inject, injectable, multiInject, optional } from 'inversify';
import type { Context } from '../shared/context.js';
import type { UnitOfWork } from '../shared/store.js';
import { TOKENS } from '../shared/tokens.js';
import { JOB_TOKENS, type EventSubscriber, type JobHandler, type JobRepository, type OutboxDispatch } from './ports.js';

/**
 * Turns committed outbox events into the jobs their subscribers ask for. An idle poll is one read;
 * a batch is one transaction that marks the events dispatched and queues every subscriber's jobs,
 * so an event becomes jobs exactly once, and one that nobody acts on becomes none.
 */
@injectable()
export class EventDispatcher {
  constructor(
    @inject(JOB_TOKENS.OutboxDispatch) private readonly outbox: OutboxDispatch,
    @inject(JOB_TOKENS.JobRepository) private readonly jobs: JobRepository,
    @inject(TOKENS.UnitOfWork) private readonly unitOfWork: UnitOfWork,
    @multiInject(JOB_TOKENS.EventSubscriber) @optional() private readonly subscribers: EventSubscriber[] = [],
  ) {}

  /** Dispatches up to `limit` events; returns how many. */
  async dispatch(ctx: Context, limit: number): Promise<number> {
    // Read first: a runner with nothing to do must not take SQLite's write lock every poll.
    if (!(await this.outbox.hasPending(ctx))) return 0;
    return this.unitOfWork.run(ctx, async (tx) => {
      const events = await this.outbox.claim(tx, limit);
      if (events.length === 0) return 0;
      const planned = [];
      for (const subscriber of this.subscribers) planned.push(...(await subscriber.plan(tx, events)));
      if (planned.length > 0) await this.jobs.enqueue(tx, planned);
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
