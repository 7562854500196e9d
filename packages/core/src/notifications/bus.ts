import { inject, injectable } from 'inversify';
import type { Context } from '../shared/context.js';
import { JOB_TOKENS, type EventSubscriber, type JobHandler, type NewJob, type OutboxDispatch } from '../jobs/ports.js';
import type { EventType, OutboxEvent } from './events.js';
import { RealtimeFeed } from './realtime.js';
import type { RealtimeHub, RealtimeStream } from './realtime-hub.js';
import { NOTIFICATION_TOKENS } from './ports.js';

/** A handler of one event type, run by a job runner after commit, at least once (make it idempotent with `event.id`). */
export type EventHandler<T extends EventType = EventType> = (
  event: OutboxEvent<T>,
  ctx: Context,
) => Promise<void> | void;

/** Handlers registered without a subscriber name share this one (one job per event). */
export const APP_SUBSCRIBER = 'app';

/** Job types that deliver one committed event to one named group of handlers: `event:<subscriber>`. */
export const EVENT_JOB_PREFIX = 'event:';

/** The payload of an `event:<subscriber>` job. */
export interface EventJobPayload {
  subscriber: string;
  event: OutboxEvent;
}

/**
 * `engine.events`: the app's own handlers of domain events (`on`), and live feeds of them
 * (`feed`). Nothing runs at record time: when the job runner dispatches a committed event, each
 * named group of handlers listening to its type gets one `event:<subscriber>` job, so a failing
 * group is retried alone and never re-runs the others, and an event nobody listens to costs no
 * job. Handlers run at least once: make them idempotent (the event id is stable across retries).
 */
@injectable()
export class EventBus implements EventSubscriber {
  private readonly subscribers = new Map<string, Map<EventType, EventHandler[]>>();
  private jobHandlers: Map<string, JobHandler> | null = null;

  constructor(
    @inject(JOB_TOKENS.OutboxDispatch) private readonly outbox: OutboxDispatch,
    @inject(NOTIFICATION_TOKENS.RealtimeHub) readonly hub: RealtimeHub,
  ) {}

  /** Listens to `type` after commit; returns a function that stops listening. */
  on<T extends EventType>(type: T, handler: EventHandler<T>, options: { subscriber?: string } = {}): () => void {
    const name = options.subscriber ?? APP_SUBSCRIBER;
    if (!/^[a-z][\w.-]{0,63}$/.test(name)) throw new Error(`Invalid subscriber name '${name}'`);
    let byType = this.subscribers.get(name);
    if (!byType) this.subscribers.set(name, (byType = new Map()));
    const list = byType.get(type) ?? [];
    byType.set(type, [...list, handler as unknown as EventHandler]);
    this.jobHandlers = null;
    return () => {
      const current = byType.get(type) ?? [];
      byType.set(
        type,
        current.filter((h) => h !== (handler as unknown as EventHandler)),
      );
      this.jobHandlers = null;
    };
  }

  /**
   * A live feed of the committed events `ctx`'s user may see (their orders and payments; staff
   * also new orders and stock alerts), starting after `lastEventId` or now. Poll it.
   */
  feed(ctx: Context, lastEventId?: string | null): RealtimeFeed {
    return new RealtimeFeed(this.outbox, ctx, lastEventId);
  }

  /**
   * Pushes the committed events `ctx`'s user may see to `send` as they commit, after `lastEventId`
   * or from now, through this process's one subscription; `close()` the stream when its
   * connection ends.
   * @throws RateLimitedError when the user or the process holds as many streams as allowed.
   */
  stream(ctx: Context, lastEventId: string | null, send: (event: OutboxEvent) => void): RealtimeStream {
    return this.hub.open(ctx, lastEventId, send);
  }

  /** One job per named group of handlers listening to each event's type. */
  async plan(_tx: Context, events: readonly OutboxEvent[]): Promise<NewJob[]> {
    const jobs: NewJob[] = [];
    for (const event of events) {
      for (const [subscriber, byType] of this.subscribers) {
        if (!byType.get(event.type)?.length) continue;
        const payload: EventJobPayload = { subscriber, event };
        jobs.push({ type: EVENT_JOB_PREFIX + subscriber, payload, createdBy: null });
      }
    }
    return jobs;
  }

  /** `event:<subscriber>` for every group with a handler: only this process can run those jobs. */
  handlers(): ReadonlyMap<string, JobHandler> {
    if (!this.jobHandlers) {
      this.jobHandlers = new Map();
      for (const [subscriber, byType] of this.subscribers) {
        if (![...byType.values()].some((list) => list.length > 0)) continue;
        const run = async ({ event }: EventJobPayload, execution: { ctx: Context }) => {
          for (const handler of byType.get(event.type) ?? []) await handler(event, execution.ctx);
          return { subscriber, event_id: event.id };
        };
        this.jobHandlers.set(EVENT_JOB_PREFIX + subscriber, run as JobHandler);
      }
    }
    return this.jobHandlers;
  }
}
