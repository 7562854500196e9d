import { z } from 'zod';
import { postalAddressSchema } from '../addresses/schemas.js';
import { breakdownShape, lineBreakdownShape } from '../pricing/schemas.js';
import { chosenShippingMethodSchema } from '../shipping/schemas.js';
import { MAX_LINES, currencyField, idField, text, timestampField } from '../shared/input.js';
import { pageQuerySchema } from '../shared/pagination.js';
import { exactlyOneRef, itemRefShape, quantitySchema } from '../cart/schemas.js';
import { promotionCodeSchema } from '../promotions/schemas.js';
import { emailSchema } from '../identity/schemas.js';

/**
 * An order's statuses: pending → paid → shipped → delivered, pending or paid → cancelled, and the
 * refund statuses `partially_refunded` and `refunded` (see `ORDER_TRANSITIONS`).
 */
export const ORDER_STATUSES = [
  'pending',
  'paid',
  'shipped',
  'delivered',
  'cancelled',
  'partially_refunded',
  'refunded',
] as const;
/** Schema of one of {@link ORDER_STATUSES}. */
export const orderStatusSchema = z.enum(ORDER_STATUSES);
/** One of {@link ORDER_STATUSES}. */
export type OrderStatus = z.infer<typeof orderStatusSchema>;

/** One line to order: a `variant_id` (or the `product_id` of a one-variant product) and a quantity. */
export const orderLineInputSchema = z
  .strictObject({ ...itemRefShape, quantity: quantitySchema })
  .refine(exactlyOneRef, { message: 'give variant_id or product_id (exactly one)', path: ['variant_id'] });

/** Input of `orders.placeOrder`: empty to order the caller's cart, or `items` to order exactly those. */
export const placeOrderSchema = z
  .strictObject({
    items: z.array(orderLineInputSchema).min(1).max(100).optional(),
    /** Codes to redeem besides those the cart holds. */
    promotion_codes: z.array(promotionCodeSchema).max(5).optional(),
    /**
     * A guest checkout's e-mail (without a login, this or the cart's from `PATCH /api/cart {email}`;
     * given both, this wins); a logged-in customer's order uses the account's.
     */
    email: emailSchema.optional(),
  })
  .meta({ id: 'PlaceOrder' });
/** Input of `orders.placeOrder` (see {@link placeOrderSchema}). */
export type PlaceOrderInput = z.input<typeof placeOrderSchema>;

/** `Idempotency-Key` header value: what Stripe accepts (1–255 printable characters). */
export const idempotencyKeySchema = text()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');

/** Most entries a status history holds: a lifecycle never re-enters a status (lifecycle.ts), so one per status. */
export const MAX_HISTORY = 20;

/** One move of an order's or payment's status: from, to, who and when. */
export const statusChangeSchema = z
  .object({
    from: z.string().max(32),
    to: z.string().max(32),
    actor_id: idField().nullable(),
    actor: z.enum(['user', 'system', 'anonymous']),
    note: z.string().max(500).nullable(),
    at: timestampField(),
  })
  .meta({ id: 'StatusChange' });

/** An order line: name, SKU and unit price as they were when the order was placed. */
export const orderItemSchema = z
  .object({
    variant_id: idField(),
    product_id: idField(),
    sku: z.string().max(64),
    name: z.string().max(200),
    unit_price: z.number().int(),
    quantity: z.number().int(),
    ...lineBreakdownShape,
    line_total: z.number().int(),
  })
  .meta({ id: 'OrderItem' });
/** An order line (see {@link orderItemSchema}). */
export type OrderItem = z.infer<typeof orderItemSchema>;

/** An order as every surface shows it: number, status, lines, totals in minor units and status history. */
export const orderSchema = z
  .object({
    id: idField(),
    number: z.string().max(21),
    status: orderStatusSchema,
    items: z.array(orderItemSchema).max(MAX_LINES),
    /** The breakdown as checkout priced it, inside the order transaction; later changes never alter it. */
    ...breakdownShape,
    currency: currencyField(),
    /** Null for a guest order (until the guest registers with its e-mail and verifies it). */
    user_id: idField().nullable(),
    /** The e-mail a guest checked out with; null for an account's order. */
    guest_email: z.string().max(254).nullable(),
    /** Where and how it ships, as checkout copied them (null when the shop did not ship it). */
    shipping_address: postalAddressSchema.nullable(),
    billing_address: postalAddressSchema.nullable(),
    shipping_method: chosenShippingMethodSchema.nullable(),
    history: z.array(statusChangeSchema).max(MAX_HISTORY),
    created_at: timestampField(),
    updated_at: timestampField(),
  })
  .meta({ id: 'Order' });
/** An order (see {@link orderSchema}). */
export type Order = z.infer<typeof orderSchema>;

/** An order as placed: with a guest checkout's `order_token`, which reads it without a login. */
export const placedOrderSchema = orderSchema
  .extend({
    order_token: z
      .string()
      .length(43)
      .optional()
      .describe('guest checkouts only: send it as X-Order-Token to read the order; it is shown this once'),
  })
  .meta({ id: 'PlacedOrder' });

/** Query of the order list: status, user (staff), creation range, and page or cursor. */
export const orderListQuerySchema = pageQuerySchema.extend({
  status: orderStatusSchema.optional(),
  user_id: z.uuid().optional().describe('staff only; customers always see their own'),
  created_after: z.iso.datetime({ offset: true }).max(64).optional(),
  created_before: z.iso.datetime({ offset: true }).max(64).optional(),
});
/** Parsed query of `orders.listOrders` (see {@link orderListQuerySchema}). */
export type OrderListQuery = z.infer<typeof orderListQuerySchema>;

/** Input of `orders.updateStatus`: the status to move the order to. */
export const updateOrderSchema = z.strictObject({ status: orderStatusSchema }).meta({ id: 'UpdateOrder' });
/** Input of `orders.updateStatus` (see {@link updateOrderSchema}). */
export type UpdateOrderInput = z.input<typeof updateOrderSchema>;

/** Options of `orders.placeOrder`. */
export interface PlaceOrderOptions {
  /** Same key + same input → the first answer replayed; see OrderService.placeOrder. */
  idempotencyKey?: string;
  /** A guest checkout: the guest cart's token (`X-Cart-Token`); idempotency keys are scoped to it. */
  cartToken?: string | null;
  /**
   * Called before a guest checkout runs; throwing (a RateLimitedError) refuses it. The HTTP layer
   * caps guest checkouts per client address with it.
   */
  admitGuestCheckout?: () => unknown;
}

/** What `orders.placeOrder` answers: the order, and whether it is a replay. */
export interface PlaceOrderResult {
  order: Order;
  /** A guest order's token, for `X-Order-Token` reads (`orders.getOrderWithToken`); null for an account's order. */
  orderToken: string | null;
  /** True when the answer is a replay of an earlier request with the same idempotency key. */
  replayed: boolean;
}
