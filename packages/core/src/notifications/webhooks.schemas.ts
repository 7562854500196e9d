import { z } from 'zod';
import { MAX_ERROR_TEXT, idField, text, timestampField } from '../shared/input.js';
import { EVENT_TYPES } from './events.js';

const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
  .max(2000, 'must be at most 2000 characters');

/** A webhook subscription as admins see it: URL, event types, and whether failures disabled it. Never the secret. */
export const webhookSubscriptionSchema = z
  .object({
    id: idField(),
    url: z.string().max(2000),
    event_types: z.array(z.enum(EVENT_TYPES)).max(EVENT_TYPES.length),
    is_active: z.boolean(),
    consecutive_failures: z.number().int(),
    disabled_reason: z.string().max(MAX_ERROR_TEXT).nullable(),
    created_at: timestampField(),
    updated_at: timestampField(),
  })
  .meta({ id: 'WebhookSubscription' });
/** A webhook subscription (see {@link webhookSubscriptionSchema}). */
export type WebhookSubscription = z.infer<typeof webhookSubscriptionSchema>;

/** Creation answers the signing secret once; later reads never show it. */
export const createdWebhookSchema = webhookSubscriptionSchema
  .extend({ secret: z.string().max(128) })
  .meta({ id: 'WebhookSubscriptionCreated' });
/** A new subscription with its signing secret (see {@link createdWebhookSchema}). */
export type CreatedWebhook = z.infer<typeof createdWebhookSchema>;

/** Input of `webhooks.create`: an http(s) URL, the event types, and optionally a secret of your own. */
export const createWebhookSchema = z.strictObject({
  url: httpUrl,
  event_types: z.array(z.enum(EVENT_TYPES)).min(1, 'name at least one event type').max(EVENT_TYPES.length),
  /** Optional: a secret of your own (at least 24 characters); one is generated otherwise. */
  secret: text().min(24, 'must be at least 24 characters').max(128).optional(),
});
/** Input of `webhooks.create` (see {@link createWebhookSchema}). */
export type CreateWebhookInput = z.input<typeof createWebhookSchema>;

/** Input of `webhooks.update`: any of URL, event types and `is_active`. */
export const updateWebhookSchema = z.strictObject({
  url: httpUrl.optional(),
  event_types: z.array(z.enum(EVENT_TYPES)).min(1, 'name at least one event type').max(EVENT_TYPES.length).optional(),
  /** `true` re-enables a subscription disabled after failures (and resets its failure count). */
  is_active: z.boolean().optional(),
});
/** Input of `webhooks.update` (see {@link updateWebhookSchema}). */
export type UpdateWebhookInput = z.input<typeof updateWebhookSchema>;

/** Most delivery attempts one read answers (the latest ones). */
export const MAX_DELIVERIES = 50;

/** One delivery attempt of an event to a subscription: response status or error, and duration. */
export const webhookDeliveryLogSchema = z
  .object({
    id: idField(),
    subscription_id: idField(),
    event_id: idField(),
    event_type: z.string().max(64),
    attempt: z.number().int(),
    status_code: z.number().int().nullable(),
    error: z.string().max(500).nullable(),
    duration_ms: z.number().int(),
    delivered_at: timestampField(),
  })
  .meta({ id: 'WebhookDeliveryLog' });
/** A logged delivery attempt (see {@link webhookDeliveryLogSchema}). */
export type WebhookDeliveryLog = z.infer<typeof webhookDeliveryLogSchema>;
