import { z } from 'zod';
import { pageQuerySchema } from '../shared/pagination.js';
import { statusChangeSchema } from '../orders/schemas.js';

export const PAYMENT_STATUSES = ['pending', 'succeeded', 'failed'] as const;
export const paymentStatusSchema = z.enum(PAYMENT_STATUSES);
export type PaymentStatus = z.infer<typeof paymentStatusSchema>;

export const createPaymentSchema = z
  .object({ provider: z.string().min(1).max(32).default('hosted').describe('`hosted` or `manual`') })
  .meta({ id: 'CreatePayment' });
export type CreatePaymentInput = z.input<typeof createPaymentSchema>;

export const paymentSchema = z
  .object({
    id: z.string(),
    order_id: z.string(),
    user_id: z.string(),
    provider: z.string(),
    status: paymentStatusSchema,
    amount: z.number().int(),
    currency: z.string(),
    /** The provider's reference for this payment. */
    reference: z.string(),
    /** Where to send the customer to pay (redirect-style providers); null for manual payments. */
    checkout_url: z.string().nullable(),
    history: z.array(statusChangeSchema),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Payment' });
export type Payment = z.infer<typeof paymentSchema>;

export const paymentListQuerySchema = pageQuerySchema.extend({
  status: paymentStatusSchema.optional(),
  order_id: z.uuid().optional(),
});
export type PaymentListQuery = z.infer<typeof paymentListQuerySchema>;

/** The `hosted` gateway's callback body (DESIGN.md). */
export const hostedCallbackSchema = z
  .object({
    reference: z.string().min(1).max(255),
    status: z.enum(['succeeded', 'failed']),
    amount: z.number().int().min(0),
    event_id: z.string().max(255).optional(),
  })
  .meta({ id: 'HostedPaymentCallback' });
export type HostedCallback = z.infer<typeof hostedCallbackSchema>;

export const webhookAnswerSchema = z
  .object({
    payment_id: z.string(),
    status: paymentStatusSchema,
    /** False for a repeated delivery that changed nothing. */
    changed: z.boolean(),
  })
  .meta({ id: 'PaymentWebhookAnswer' });
export type WebhookAnswer = z.infer<typeof webhookAnswerSchema>;
