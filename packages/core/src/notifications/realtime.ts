import { can, requireUser, type Context } from '../shared/context.js';
import { newId } from '../shared/ids.js';
import { PERMISSIONS } from '../identity/permissions.js';
import type { OutboxDispatch } from '../jobs/ports.js';
import type { EventType, OutboxEvent } from './events.js';

/** How long a recorded event may stay uncommitted and still reach streams (its id is older than its commit). */
export const SETTLE_MS = 10_000;

/** The smallest UUIDv7 of a millisecond: ids compare as strings, so this is a time cursor. */
export function uuidV7Floor(ms: number): string {
  const hex = Math.max(0, Math.floor(ms)).toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7000-8000-000000000000`;
}

/** The event types a live feed carries (to whom: {@link visibleTo}); the OpenAPI document lists them. */
export const REALTIME_EVENT_TYPES = [
  'order.placed',
  'order.status_changed',
  'payment.completed',
  'stock.low',
] as const satisfies readonly EventType[];

/** What a user may see live: their own orders and payments; staff also see new orders and stock alerts. */
export function visibleTo(ctx: Context, event: OutboxEvent): boolean {
  if (ctx.actor.kind !== 'user') return false;
  const own = event.user_id !== null && event.user_id === ctx.actor.id;
  const type: EventType = event.type;
  switch (type) {
    case 'order.placed':
      return own || can(ctx, PERMISSIONS.orderReadAny);
    case 'order.status_changed':
    case 'payment.completed':
      return own;
    case 'stock.low':
      return can(ctx, PERMISSIONS.inventoryWrite);
    case 'user.created':
      return false;
    default: {
      // A new event type must say here who may see it live (and join REALTIME_EVENT_TYPES if anyone may).
      const unhandled: never = type;
      return unhandled;
    }
  }
}

/**
 * A live feed of committed events for one user (`engine.events.feed(ctx)`), read from the outbox
 * table so every process sharing the database sees every event (no in-process bus, no
 * LISTEN/NOTIFY dependency). Each poll re-reads a short trailing window, because an event's id is
 * taken before its transaction commits: a slow commit would otherwise slip behind the cursor.
 */
export class RealtimeFeed {
  private readonly start: string;
  private readonly seen = new Set<string>();

  constructor(
    private readonly outbox: Pick<OutboxDispatch, 'since'>,
    private readonly ctx: Context,
    /** `Last-Event-ID`: resume after this event. */
    lastEventId?: string | null,
  ) {
    requireUser(ctx);
    this.start = lastEventId && /^[0-9a-f-]{36}$/i.test(lastEventId) ? lastEventId.toLowerCase() : newId();
  }

  /** Events this user may see that were not returned before, oldest first. */
  async poll(limit = 500): Promise<OutboxEvent[]> {
    // UUIDv7 ids carry the wall clock; outside tests, so does the context's clock.
    const settled = uuidV7Floor(this.ctx.clock.now().getTime() - SETTLE_MS);
    const after = settled > this.start ? settled : this.start;
    for (const id of this.seen) if (id <= after) this.seen.delete(id);
    const events = await this.outbox.since(this.ctx, after, limit);
    const fresh = events.filter((e) => !this.seen.has(e.id));
    for (const e of fresh) this.seen.add(e.id);
    return fresh.filter((e) => visibleTo(this.ctx, e));
  }
}
