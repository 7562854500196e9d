import { can, requireUser, type Context } from '../shared/context.js';
import { newId } from '../shared/ids.js';
import type { Store } from '../shared/store.js';
import { PERMISSIONS } from '../identity/permissions.js';
import type { OutboxEvent } from './events.js';

/** How long a recorded event may stay uncommitted and still reach streams (its id is older than its commit). */
export const SETTLE_MS = 10_000;

/** The smallest UUIDv7 of a millisecond: ids compare as strings, so this is a time cursor. */
export function uuidV7Floor(ms: number): string {
  const hex = Math.max(0, Math.floor(ms)).toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7000-8000-000000000000`;
}

/** What a user may see live: their own orders and payments; staff also see new orders and stock alerts. */
export function visibleTo(ctx: Context, event: OutboxEvent): boolean {
  if (ctx.actor.kind !== 'user') return false;
  const own = event.user_id !== null && event.user_id === ctx.actor.id;
  switch (event.type) {
    case 'order.placed':
      return own || can(ctx, PERMISSIONS.orderReadAny);
    case 'order.status_changed':
    case 'payment.completed':
      return own;
    case 'stock.low':
      return can(ctx, PERMISSIONS.inventoryWrite);
    default:
      return false;
  }
}

/**
 * A live feed of committed events for one user, read from the outbox table so every process
 * sharing the database sees every event (no in-process bus, no LISTEN/NOTIFY dependency).
 * Each poll re-reads a short trailing window, because an event's id is taken before its
 * transaction commits: a slow commit would otherwise slip behind the cursor.
 */
export class RealtimeFeed {
  private readonly start: string;
  private readonly seen = new Set<string>();

  constructor(
    private readonly store: Store,
    private readonly ctx: Context,
    /** `Last-Event-ID`: resume after this event. */
    lastEventId?: string | null,
  ) {
    requireUser(ctx);
    this.start = lastEventId && /^[0-9a-f-]{36}$/i.test(lastEventId) ? lastEventId.toLowerCase() : newId();
  }

  /** Events this user may see that were not returned before, oldest first. */
  async poll(limit = 500): Promise<OutboxEvent[]> {
    const settled = uuidV7Floor(Date.now() - SETTLE_MS);
    const after = settled > this.start ? settled : this.start;
    for (const id of this.seen) if (id <= after) this.seen.delete(id);
    const events = await this.store.repositories.outboxDispatch.since(this.ctx, after, limit);
    const fresh = events.filter((e) => !this.seen.has(e.id));
    for (const e of fresh) this.seen.add(e.id);
    return fresh.filter((e) => visibleTo(this.ctx, e));
  }
}
