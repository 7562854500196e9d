import type { Context } from '../shared/context.js';

/**
 * Domain events and their payloads. Events are written to the outbox inside the transaction
 * of the change that caused them and delivered after commit, so a rolled-back change emits
 * nothing. Modules add their events to this map.
 */
export interface DomainEvents {
  'user.created': { user_id: string; email: string; name: string };
  'stock.low': { variant_id: string; product_id: string; sku: string; stock: number; threshold: number };
  'order.placed': { order_id: string; number: string; user_id: string | null; total: number; currency: string };
  'order.status_changed': { order_id: string; number: string; user_id: string | null; from: string; to: string };
  'payment.completed': {
    payment_id: string;
    order_id: string;
    /** The order's human number, for the customer's e-mail (falls back to order_id when absent). */
    order_number?: string;
    user_id: string | null;
    status: 'succeeded' | 'failed';
    amount: number;
    currency: string;
  };
}

/** The name of a domain event (`order.placed`, …). */
export type EventType = keyof DomainEvents;

/** Every event type, at run time (webhook subscriptions validate against it). */
export const EVENT_TYPES = [
  'user.created',
  'stock.low',
  'order.placed',
  'order.status_changed',
  'payment.completed',
] as const satisfies readonly EventType[];

/** An event as stored in the outbox. */
export interface OutboxEvent<T extends EventType = EventType> {
  id: string;
  type: T;
  payload: DomainEvents[T];
  /** The user the event is about (for real-time delivery filtering), if any. */
  user_id: string | null;
  created_at: string;
}

/** Port: appends an event to the outbox within `ctx.tx` (callers run inside a UnitOfWork). */
export interface EventOutbox {
  /** Stores the event (with a new UUIDv7 id) in the caller's transaction and returns it. */
  record<T extends EventType>(ctx: Context, type: T, payload: DomainEvents[T]): Promise<OutboxEvent<T>>;
}

export const EVENT_TOKENS = {
  EventOutbox: Symbol.for('emporia.EventOutbox'),
} as const;
