import { z } from 'zod';
import { currencyField, idField, int64, text, timestampField } from '../shared/input.js';
import { pageQuerySchema } from '../shared/pagination.js';
import { MAX_HISTORY, statusChangeSchema } from '../orders/schemas.js';

/** A payment's statuses: it is decided once, pending → succeeded or failed. */
export const PAYMENT_STATUSES = ['pending', 'succeeded', 'failed'] as const;
/** Schema of one of {@link PAYMENT_STATUSES}. */
export const paymentStatusSchema = z.enum(PAYMENT_STATUSES);
/** One of {@link PAYMENT_STATUSES}. */
export type PaymentStatus = z.infer<typeof paymentStatusSchema>;

/** Input of `payments.createPayment`: the provider to pay with (default `hosted`). */
export const createPaymentSchema = z
  .strictObject({ provider: text().min(1).max(32).default('hosted').describe('`hosted` or `manual`') })
  .meta({ id: 'CreatePayment' });
/** Input of `payments.createPayment` (see {@link createPaymentSchema}). */
export type CreatePaymentInput = z.input<typeof createPaymentSchema>;

/** A payment as every surface shows it: provider, status, amount, the provider's reference and history. */
export const paymentSchema = z
  .object({
    id: idField(),
    order_id: idField(),
    user_id: idField(),
    provider: z.string().max(32),
    status: paymentStatusSchema,
    amount: z.number().int(),
    currency: currencyField(),
    /** The provider's reference for this payment. */
    reference: z.string().max(255),
    /** Where to send the customer to pay (redirect-style providers); null for manual payments. */
    checkout_url: z.string().max(2000).nullable(),
    history: z.array(statusChangeSchema).max(MAX_HISTORY),
    created_at: timestampField(),
    updated_at: timestampField(),
  })
  .meta({ id: 'Payment' });
/** A payment (see {@link paymentSchema}). */
export type Payment = z.infer<typeof paymentSchema>;

/** Query of the payment list: status, order, and page or cursor. */
export const paymentListQuerySchema = pageQuerySchema.extend({
  status: paymentStatusSchema.optional(),
  order_id: z.uuid().optional(),
});
/** Parsed query of `payments.listPayments` (see {@link paymentListQuerySchema}). */
export type PaymentListQuery = z.infer<typeof paymentListQuerySchema>;

/** The body the `hosted` provider's gateway posts back: reference, outcome and amount (signed over the raw body). */
export const hostedCallbackSchema = z
  .object({
    reference: z.string().min(1).max(255),
    status: z.enum(['succeeded', 'failed']),
    amount: int64(0),
    event_id: z.string().max(255).optional(),
  })
  .meta({ id: 'HostedPaymentCallback' });
/** A `hosted` gateway callback (see {@link hostedCallbackSchema}). */
export type HostedCallback = z.infer<typeof hostedCallbackSchema>;

/** What `payments.handleWebhook` answers: the payment, its status and whether this delivery changed it. */
export const webhookAnswerSchema = z
  .object({
    payment_id: idField(),
    status: paymentStatusSchema,
    /** False for a repeated delivery that changed nothing. */
    changed: z.boolean(),
  })
  .meta({ id: 'PaymentWebhookAnswer' });
/** The answer to a payment callback (see {@link webhookAnswerSchema}). */
export type WebhookAnswer = z.infer<typeof webhookAnswerSchema>;
