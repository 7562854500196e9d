import { z } from 'zod';
import { currencyField, idField, int32, int64, text, timestampField } from '../shared/input.js';
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

/** How a caller without an account reaches a guest order's payments. */
export interface GuestPaymentAccess {
  /** The guest order's token (`X-Order-Token`), as its checkout answered it; used instead of a login. */
  orderToken?: string;
}

/** A payment as every surface shows it: provider, status, amount, the provider's reference and history. */
export const paymentSchema = z
  .object({
    id: idField(),
    order_id: idField(),
    user_id: idField().nullable().describe('null for a guest order’s payment'),
    provider: z.string().max(32),
    status: paymentStatusSchema,
    amount: z.number().int(),
    currency: currencyField(),
    /** The provider's reference for this payment. */
    reference: z.string().max(255),
    /** Where to send the customer to pay (redirect-style providers); null for manual payments. */
    checkout_url: z.string().max(2000).nullable(),
    /** Refunded, or held by refunds still pending; never more than `amount`. */
    refunded_amount: z.number().int(),
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
    type: z
      .enum(['payment', 'refund'])
      .optional()
      .describe('`refund`: the outcome of a refund (`reference` is the refund’s); absent: a payment'),
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

/** A refund's statuses: pending until the provider decides (at once for `manual`), then completed or failed. */
export const REFUND_STATUSES = ['pending', 'completed', 'failed'] as const;
/** Schema of one of {@link REFUND_STATUSES}. */
export const refundStatusSchema = z.enum(REFUND_STATUSES);
/** One of {@link REFUND_STATUSES}. */
export type RefundStatus = z.infer<typeof refundStatusSchema>;

/** Most order lines one refund covers (its `items`). */
export const MAX_REFUND_ITEMS = 100;

/** One order line to refund: the line's `variant_id` (an order has one line per variant) and how many units. */
export const refundItemInputSchema = z.strictObject({
  variant_id: z.uuid(),
  quantity: int32(1),
});

/**
 * Input of `payments.refundOrder`: `amount` (minor units), or `items` (the amount is those units'
 * share of their lines' totals, discount and tax included), or neither to refund everything not
 * refunded yet. `restock` returns the items' units to stock (with `items` only; each unit once).
 */
export const refundOrderSchema = z
  .strictObject({
    amount: int64(1).optional(),
    items: z
      .array(refundItemInputSchema)
      .min(1)
      .max(MAX_REFUND_ITEMS)
      .refine((items) => new Set(items.map((i) => i.variant_id)).size === items.length, {
        message: 'name each variant_id once',
      })
      .optional(),
    restock: z.boolean().default(false),
    reason: text().trim().max(500).optional(),
  })
  .refine((r) => r.amount === undefined || r.items === undefined, {
    message: 'give amount or items, not both',
    path: ['amount'],
  })
  .refine((r) => !r.restock || r.items !== undefined, {
    message: 'restock needs items (the units to return)',
    path: ['restock'],
  })
  .meta({ id: 'RefundOrder' });
/** Input of `payments.refundOrder` (see {@link refundOrderSchema}). */
export type RefundOrderInput = z.input<typeof refundOrderSchema>;

/** Options of `payments.refundOrder`. */
export interface RefundOrderOptions {
  /** `Idempotency-Key`: the same key and input refund once, later calls answer that refund. */
  idempotencyKey?: string;
  /** Called when the answer is the replay of an earlier request with the key. */
  onReplay?: () => void;
}

/** Units of one order line a refund covers, and their share of the line's total. */
export const refundLineSchema = z
  .object({
    variant_id: idField(),
    sku: z.string().max(64),
    name: z.string().max(200),
    quantity: z.number().int(),
    amount: z.number().int(),
  })
  .meta({ id: 'RefundLine' });
/** A refunded line (see {@link refundLineSchema}). */
export type RefundLine = z.infer<typeof refundLineSchema>;

/** A refund as every surface shows it: amount, status, reason, lines, who asked, the provider's reference, history. */
export const refundSchema = z
  .object({
    id: idField(),
    order_id: idField(),
    payment_id: idField(),
    provider: z.string().max(32),
    status: refundStatusSchema,
    amount: z.number().int(),
    currency: currencyField(),
    reason: z.string().max(500).nullable(),
    /** Empty for a refund by amount. */
    lines: z.array(refundLineSchema).max(MAX_REFUND_ITEMS),
    restock: z.boolean(),
    /** The provider's reference, once it answered. */
    reference: z.string().max(255).nullable(),
    /** The staff user who refunded. */
    created_by: idField().nullable(),
    history: z.array(statusChangeSchema).max(MAX_HISTORY),
    created_at: timestampField(),
    updated_at: timestampField(),
  })
  .meta({ id: 'Refund' });
/** A refund (see {@link refundSchema}). */
export type Refund = z.infer<typeof refundSchema>;

/** What a refund callback answers: the refund, its status and whether this delivery changed it. */
export const refundWebhookAnswerSchema = z
  .object({
    refund_id: idField(),
    payment_id: idField(),
    status: refundStatusSchema,
    /** False for a repeated delivery that changed nothing. */
    changed: z.boolean(),
  })
  .meta({ id: 'RefundWebhookAnswer' });
/** The answer to a refund callback (see {@link refundWebhookAnswerSchema}). */
export type RefundWebhookAnswer = z.infer<typeof refundWebhookAnswerSchema>;
