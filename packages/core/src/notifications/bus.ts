import type { Context } from '../shared/context.js';
import type { EventType, OutboxEvent } from './events.js';

/** A handler of one event type, run by a job runner after commit, at least once (make it idempotent with `event.id`). */
export type EventHandler<T extends EventType = EventType> = (
  event: OutboxEvent<T>,
  ctx: Context,
) => Promise<void> | void;

/** Handlers registered without a subscriber name share this one (one job per event). */
export const APP_SUBSCRIBER = 'app';

/**
 * In-process subscribers to domain events. Nothing runs here at record time: the job runner turns
 * each committed outbox event into one job per subscriber that listens to its type, so a failing
 * subscriber is retried alone and never re-runs the others. Handlers run at least once: make
 * them idempotent (the event id is stable across retries).
 */
export class EventBus {
  private readonly subscribers = new Map<string, Map<EventType, EventHandler[]>>();

  /** Listens to `type` after commit; returns a function that stops listening. */
  on<T extends EventType>(type: T, handler: EventHandler<T>, options: { subscriber?: string } = {}): () => void {
    const name = options.subscriber ?? APP_SUBSCRIBER;
    if (!/^[a-z][\w.-]{0,63}$/.test(name)) throw new Error(`Invalid subscriber name '${name}'`);
    let byType = this.subscribers.get(name);
    if (!byType) this.subscribers.set(name, (byType = new Map()));
    const list = byType.get(type) ?? [];
    byType.set(type, [...list, handler as unknown as EventHandler]);
    return () => {
      const current = byType.get(type) ?? [];
      byType.set(
        type,
        current.filter((h) => h !== (handler as unknown as EventHandler)),
      );
    };
  }

  /** Subscriber names with at least one handler for `type`. */
  subscribersFor(type: EventType): string[] {
    return [...this.subscribers].filter(([, byType]) => (byType.get(type)?.length ?? 0) > 0).map(([name]) => name);
  }

  /** Every subscriber name with at least one handler. */
  subscriberNames(): string[] {
    return [...this.subscribers]
      .filter(([, byType]) => [...byType.values()].some((list) => list.length > 0))
      .map(([name]) => name);
  }

  /** Runs one subscriber's handlers for an event, in registration order. */
  async deliver(subscriber: string, event: OutboxEvent, ctx: Context): Promise<void> {
    for (const handler of this.subscribers.get(subscriber)?.get(event.type) ?? []) await handler(event, ctx);
  }
}
