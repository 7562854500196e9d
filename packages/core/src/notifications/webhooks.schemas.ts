import { z } from 'zod';
import { EVENT_TYPES } from './events.js';

const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
  .max(2000, 'must be at most 2000 characters');

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
export type WebhookSubscription = z.infer<typeof webhookSubscriptionSchema>;

/** Creation answers the signing secret once; later reads never show it. */
export const createdWebhookSchema = webhookSubscriptionSchema
  .extend({ secret: z.string() })
  .meta({ id: 'WebhookSubscriptionCreated' });
export type CreatedWebhook = z.infer<typeof createdWebhookSchema>;

export const createWebhookSchema = z.object({
  url: httpUrl,
  event_types: z.array(z.enum(EVENT_TYPES)).min(1, 'name at least one event type'),
  /** Optional: a secret of your own (at least 24 characters); one is generated otherwise. */
  secret: z.string().min(24, 'must be at least 24 characters').max(128).optional(),
});
export type CreateWebhookInput = z.input<typeof createWebhookSchema>;

export const updateWebhookSchema = z.object({
  url: httpUrl.optional(),
  event_types: z.array(z.enum(EVENT_TYPES)).min(1, 'name at least one event type').optional(),
  /** `true` re-enables a subscription disabled after failures (and resets its failure count). */
  is_active: z.boolean().optional(),
});
export type UpdateWebhookInput = z.input<typeof updateWebhookSchema>;

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
export type WebhookDeliveryLog = z.infer<typeof webhookDeliveryLogSchema>;
