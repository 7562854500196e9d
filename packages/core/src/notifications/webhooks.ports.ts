import type { Context } from '../shared/context.js';
import type { EventType } from './events.js';
import type { WebhookDeliveryLog, WebhookSubscription } from './webhooks.schemas.js';

export interface WebhookRecord extends WebhookSubscription {
  secret: string;
}

export interface WebhookRepository {
  insert(ctx: Context, record: WebhookRecord & { created_by: string | null }): Promise<void>;
  get(ctx: Context, id: string): Promise<WebhookRecord | null>;
  list(ctx: Context): Promise<WebhookRecord[]>;
  update(ctx: Context, id: string, changes: Partial<WebhookRecord>): Promise<void>;
  delete(ctx: Context, id: string): Promise<boolean>;
  /** Active subscriptions listening to `type`. */
  activeFor(ctx: Context, type: EventType): Promise<WebhookRecord[]>;
  recordDelivery(ctx: Context, delivery: WebhookDeliveryLog): Promise<void>;
  /** Counts one more consecutive failure; returns the new count. */
  addFailure(ctx: Context, id: string, now: string): Promise<number>;
  deliveries(ctx: Context, subscriptionId: string, limit: number): Promise<WebhookDeliveryLog[]>;
}

/** A delivery the sender refused to attempt (not http(s), or an address that is not allowed). */
export class WebhookBlockedError extends Error {}

/** Port: POSTs a signed body to a subscriber. Adapters guard against internal addresses. */
export interface WebhookSender {
  post(url: string, body: string, headers: Record<string, string>): Promise<{ status: number }>;
}

declare module '../shared/store.js' {
  interface StoreRepositories {
    webhooks: WebhookRepository;
  }
}
