import { z } from 'zod';
import { text } from '../shared/input.js';
import { EVENT_TYPES } from './events.js';

const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
  .max(2000, 'must be at most 2000 characters');

/** A webhook subscription as admins see it: URL, event types, and whether failures disabled it. Never the secret. */
export const webhookSubscriptionSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    event_types: z.array(z.enum(EVENT_TYPES)),
    is_active: z.boolean(),
    consecutive_failures: z.number().int(),
    disabled_reason: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'WebhookSubscription' });
/** A webhook subscription (see {@link webhookSubscriptionSchema}). */
export type WebhookSubscription = z.infer<typeof webhookSubscriptionSchema>;

/** Creation answers the signing secret once; later reads never show it. */
export const createdWebhookSchema = webhookSubscriptionSchema
  .extend({ secret: z.string() })
  .meta({ id: 'WebhookSubscriptionCreated' });
/** A new subscription with its signing secret (see {@link createdWebhookSchema}). */
export type CreatedWebhook = z.infer<typeof createdWebhookSchema>;

/** Input of `webhooks.create`: an http(s) URL, the event types, and optionally a secret of your own. */
export const createWebhookSchema = z.strictObject({
  url: httpUrl,
  event_types: z.array(z.enum(EVENT_TYPES)).min(1, 'name at least one event type'),
  /** Optional: a secret of your own (at least 24 characters); one is generated otherwise. */
  secret: text().min(24, 'must be at least 24 characters').max(128).optional(),
});
/** Input of `webhooks.create` (see {@link createWebhookSchema}). */
export type CreateWebhookInput = z.input<typeof createWebhookSchema>;

/** Input of `webhooks.update`: any of URL, event types and `is_active`. */
export const updateWebhookSchema = z.strictObject({
  url: httpUrl.optional(),
  event_types: z.array(z.enum(EVENT_TYPES)).min(1, 'name at least one event type').optional(),
  /** `true` re-enables a subscription disabled after failures (and resets its failure count). */
  is_active: z.boolean().optional(),
});
/** Input of `webhooks.update` (see {@link updateWebhookSchema}). */
export type UpdateWebhookInput = z.input<typeof updateWebhookSchema>;

/** One delivery attempt of an event to a subscription: response status or error, and duration. */
export const webhookDeliveryLogSchema = z
  .object({
    id: z.string(),
    subscription_id: z.string(),
    event_id: z.string(),
    event_type: z.string(),
    attempt: z.number().int(),
    status_code: z.number().int().nullable(),
    error: z.string().nullable(),
    duration_ms: z.number().int(),
    delivered_at: z.string(),
  })
  .meta({ id: 'WebhookDeliveryLog' });
/** A logged delivery attempt (see {@link webhookDeliveryLogSchema}). */
export type WebhookDeliveryLog = z.infer<typeof webhookDeliveryLogSchema>;
