import { can, requireUser, type Context } from '../shared/context.js';
import { newId } from '../shared/ids.js';
import { PERMISSIONS } from '../identity/permissions.js';
import type { OutboxDispatch } from '../jobs/ports.js';
import { EVENT_TYPES, type EventType, type OutboxEvent } from './events.js';

/** How long a recorded event may stay uncommitted and still reach streams (its id is older than its commit). */
export const SETTLE_MS = 10_000;

/** The smallest UUIDv7 of a millisecond: ids compare as strings, so this is a time cursor. */
export function uuidV7Floor(ms: number): string {
  const hex = Math.max(0, Math.floor(ms)).toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7000-8000-000000000000`;
}

const catalogStaff = (ctx: Context) => can(ctx, PERMISSIONS.productWrite);

/**
 * Who may see each event type live (`own`: the event is about the caller): customers their own
 * orders, payments and refunds; staff also every new order, every refund, stock alerts and catalog changes. `null`: nobody. Every event
 * type must be listed, so a new one is decided here.
 */
const LIVE_AUDIENCE: { [T in EventType]: ((ctx: Context, own: boolean) => boolean) | null } = {
  'order.placed': (ctx, own) => own || can(ctx, PERMISSIONS.orderReadAny),
  'order.status_changed': (_ctx, own) => own,
  'payment.completed': (_ctx, own) => own,
  'refund.completed': (ctx, own) => own || can(ctx, PERMISSIONS.orderReadAny),
  'stock.low': (ctx) => can(ctx, PERMISSIONS.inventoryWrite),
  // Catalog changes reach the staff who keep the catalog (a back office refreshing its lists).
  'product.created': catalogStaff,
  'product.updated': catalogStaff,
  'product.deleted': catalogStaff,
  'product.in_stock_changed': catalogStaff,
  'category.created': catalogStaff,
  'category.updated': catalogStaff,
  'category.deleted': catalogStaff,
  'user.created': null,
  'user.erased': null,
  'user.email_verified': null,
};

/** The event types a live feed carries to someone; the OpenAPI document lists their messages. */
export const REALTIME_EVENT_TYPES: EventType[] = EVENT_TYPES.filter((type) => LIVE_AUDIENCE[type] !== null);

/** Whether the caller may see `event` live. */
export function visibleTo(ctx: Context, event: OutboxEvent): boolean {
  if (ctx.actor.kind !== 'user') return false;
  const own = event.user_id !== null && event.user_id === ctx.actor.id;
  return LIVE_AUDIENCE[event.type]?.(ctx, own) ?? false;
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
