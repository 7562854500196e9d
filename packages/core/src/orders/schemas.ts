import { z } from 'zod';
import { pageQuerySchema } from '../shared/pagination.js';
import { exactlyOneRef, itemRefShape, quantitySchema } from '../cart/schemas.js';

export const ORDER_STATUSES = ['pending', 'paid', 'shipped', 'delivered', 'cancelled'] as const;
export const orderStatusSchema = z.enum(ORDER_STATUSES);
export type OrderStatus = z.infer<typeof orderStatusSchema>;

export const orderLineInputSchema = z
  .object({ ...itemRefShape, quantity: quantitySchema })
  .refine(exactlyOneRef, { message: 'give variant_id or product_id (exactly one)', path: ['variant_id'] });

/** Empty body: order the caller's cart. With `items`: order exactly those. */
export const placeOrderSchema = z
  .object({ items: z.array(orderLineInputSchema).min(1).max(100).optional() })
  .meta({ id: 'PlaceOrder' });
export type PlaceOrderInput = z.input<typeof placeOrderSchema>;

/** `Idempotency-Key` header value: what Stripe accepts (1–255 printable characters). */
export const idempotencyKeySchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');

export const statusChangeSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    actor_id: z.string().nullable(),
    actor: z.enum(['user', 'system', 'anonymous']),
    note: z.string().nullable(),
    at: z.string(),
  })
  .meta({ id: 'StatusChange' });

export const orderItemSchema = z
  .object({
    variant_id: z.string(),
    product_id: z.string(),
    sku: z.string(),
    name: z.string(),
    unit_price: z.number().int(),
    quantity: z.number().int(),
    line_total: z.number().int(),
  })
  .meta({ id: 'OrderItem' });
export type OrderItem = z.infer<typeof orderItemSchema>;

export const orderSchema = z
  .object({
    id: z.string(),
    number: z.string(),
    status: orderStatusSchema,
    items: z.array(orderItemSchema),
    subtotal: z.number().int(),
    total: z.number().int(),
    currency: z.string(),
    user_id: z.string(),
    history: z.array(statusChangeSchema),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Order' });
export type Order = z.infer<typeof orderSchema>;

export const orderListQuerySchema = pageQuerySchema.extend({
  status: orderStatusSchema.optional(),
  user_id: z.uuid().optional().describe('staff only; customers always see their own'),
  created_after: z.iso.datetime({ offset: true }).optional(),
  created_before: z.iso.datetime({ offset: true }).optional(),
});
export type OrderListQuery = z.infer<typeof orderListQuerySchema>;

export const updateOrderSchema = z.object({ status: orderStatusSchema }).meta({ id: 'UpdateOrder' });
export type UpdateOrderInput = z.input<typeof updateOrderSchema>;

export interface PlaceOrderOptions {
  /** Same key + same input → the first answer replayed; see OrderService.placeOrder. */
  idempotencyKey?: string;
}

export interface PlaceOrderResult {
  order: Order;
  /** True when the answer is a replay of an earlier request with the same idempotency key. */
  replayed: boolean;
}
