import type { Context } from '../shared/context.js';
import type { WebhookDeliveryLog, WebhookSubscription } from './webhooks.schemas.js';

/** A subscription row as stored: the public view plus its signing secret. */
export interface WebhookRecord extends WebhookSubscription {
  secret: string;
}

/** Port: webhook subscriptions and their delivery log. */
export interface WebhookRepository {
  /** Stores a new subscription with the admin who made it. */
  insert(ctx: Context, record: WebhookRecord & { created_by: string | null }): Promise<void>;
  /** The subscription with this id, or null. */
  find(ctx: Context, id: string): Promise<WebhookRecord | null>;
  /** Every subscription, oldest first. */
  list(ctx: Context): Promise<WebhookRecord[]>;
  /** Writes the changed columns. */
  update(ctx: Context, id: string, changes: Partial<WebhookRecord>): Promise<void>;
  /** Deletes the subscription and its delivery log; false when there was none. */
  delete(ctx: Context, id: string): Promise<boolean>;
  /** Every active subscription (the dispatcher reads them once per batch of events). */
  listActive(ctx: Context): Promise<WebhookRecord[]>;
  /** Appends one delivery attempt to the log. */
  insertDelivery(ctx: Context, delivery: WebhookDeliveryLog): Promise<void>;
  /** Counts one more consecutive failure; returns the new count. */
  addFailure(ctx: Context, id: string, now: string): Promise<number>;
  /** The latest `limit` delivery attempts of a subscription, newest first. */
  listDeliveries(ctx: Context, subscriptionId: string, limit: number): Promise<WebhookDeliveryLog[]>;
  /** Deletes delivery attempts made before `before`; returns how many. */
  purgeDeliveries(ctx: Context, before: string): Promise<number>;
}

/**
 * Thrown by a {@link WebhookSender} that refuses a delivery (not http(s), or an address that is not
 * allowed): the attempt is logged as failed and not retried, since retrying would not change it.
 */
export class WebhookBlockedError extends Error {}

/** Port: POSTs a signed body to a subscriber. Adapters guard against internal addresses. */
export interface WebhookSender {
  /** POSTs `body` with `headers` to `url` without following redirects; resolves with the response status. */
  post(url: string, body: string, headers: Record<string, string>): Promise<{ status: number }>;
}

declare module '../shared/store.js' {
  interface StoreRepositories {
    webhooks: WebhookRepository;
  }
}
