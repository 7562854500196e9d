import {
  ORDER_STATUSES,
  REFUND_ORDER_STATUSES,
  createPaymentSchema,
  refundOrderSchema,
  refundSchema,
  orderListQuerySchema,
  orderSchema,
  paymentSchema,
  placeOrderSchema,
  placedOrderSchema,
  updateOrderSchema,
  type Engine,
  type Order,
} from '@emporia/core';
import { z } from 'zod';
import { listAnswer, listResultSchema } from '../pagination.js';
import { guestCheckoutAdmission } from '../guest-carts.js';
import { route } from '../route.js';

const tags = ['orders'];
const ORDER_REF = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|EM-\d{1,18})$/i;
const idParams = z.object({
  id: z
    .string()
    .max(36)
    .regex(ORDER_REF, 'must be an order id or number (EM-001001)')
    .describe('Order id or number (EM-001001)'),
});

// One order as staff work on it: the moves its state machine allows from here, so a client offers
// exactly those instead of keeping its own copy of the lifecycle.
const orderDetailSchema = orderSchema
  .extend({
    next_statuses: z
      .array(z.enum(ORDER_STATUSES))
      .max(ORDER_STATUSES.length)
      .describe('statuses the order can move to in one step'),
  })
  .meta({ id: 'OrderDetail' });
// Refund statuses follow refunds, never a PATCH: they are not offered.
const withNextStatuses = (engine: Engine, order: Order) => ({
  ...order,
  next_statuses: engine.orders.lifecycle.next(order.status).filter((s) => !REFUND_ORDER_STATUSES.includes(s)),
});

export const orderRoutes = [
  route({
    method: 'post',
    path: '/api/orders',
    operationId: 'placeOrder',
    summary:
      'Check out the cart (empty body) or explicit `items`; guests check out their cart; honours Idempotency-Key',
    description:
      'One transaction: stock for every line or none (409 `out-of-stock` naming the SKUs), promotion codes checked again and their uses counted within their limits (409 `promotion-not-applicable` with a `reason`), price and name snapshots, an order number, the cart emptied, `order.placed` emitted. ' +
      'Without a login: the guest cart of `X-Cart-Token` with an `email` (given here, or the cart’s from `PATCH /api/cart`; this one wins when both are); the answer carries `order_token` (shown once) for reading the order with `X-Order-Token`. Guest checkouts are limited per client address (`GUEST_CHECKOUTS_PER_HOUR`, 429). ' +
      'With `Idempotency-Key` (kept 24 h per user, or per guest cart): the same key and body replay the first answer (header `Idempotent-Replayed: true`), a different body is 422, a request still running with the key is 409. ' +
      'With `REQUIRE_EMAIL_VERIFICATION=true`, a user whose e-mail address is not verified gets 403 `email-not-verified`.',
    tags,
    auth: 'public',
    withToken:
      'signed in, the order is the account’s (its cart or `items`); without one, the guest cart of X-Cart-Token is checked out with `email` (or the cart’s).',
    headers: [
      { name: 'Idempotency-Key', description: 'Client-chosen unique key (1–255 printable characters)', maxLength: 255 },
      { name: 'X-Cart-Token', description: 'A guest checkout: the guest cart’s token', maxLength: 64 },
    ],
    body: placeOrderSchema,
    status: 201,
    response: placedOrderSchema,
    errors: [401, 403, 409, 422, 429],
    async handler({ ctx, engine, body, req, res }) {
      const key = req.get('Idempotency-Key');
      const { order, orderToken, replayed } = await engine.orders.placeOrder(ctx, body, {
        idempotencyKey: key,
        cartToken: req.get('X-Cart-Token') ?? null,
        admitGuestCheckout: guestCheckoutAdmission(engine, req),
      });
      if (replayed) res.setHeader('Idempotent-Replayed', 'true');
      return orderToken ? { ...order, order_token: orderToken } : order;
    },
  }),
  route({
    method: 'get',
    path: '/api/orders',
    operationId: 'listOrders',
    summary: 'Own orders (customers) or all orders with filters (staff), newest first',
    tags,
    auth: 'user',
    query: orderListQuerySchema,
    response: listResultSchema(orderSchema),
    handler: async ({ ctx, engine, query, req }) => listAnswer(req, await engine.orders.listOrders(ctx, query)),
  }),
  route({
    method: 'get',
    path: '/api/orders/{id}',
    operationId: 'getOrder',
    summary: 'One order with its lines and status history (another customer’s order is 404)',
    description:
      'A guest reads their order with the `X-Order-Token` its checkout answered; a wrong token is 404, like an order that does not exist. Without a login or a token: 401.',
    tags,
    auth: 'public',
    withToken: 'required unless X-Order-Token is sent: the order must be yours (or you are staff).',
    headers: [{ name: 'X-Order-Token', description: 'A guest order’s token, from its checkout', maxLength: 64 }],
    params: idParams,
    response: orderDetailSchema,
    errors: [401],
    async handler({ ctx, engine, params, req }) {
      const token = req.get('X-Order-Token');
      const order = token
        ? await engine.orders.getOrderWithToken(ctx, params.id, token)
        : await engine.orders.getOrder(ctx, params.id);
      return withNextStatuses(engine, order);
    },
  }),
  route({
    method: 'patch',
    path: '/api/orders/{id}',
    operationId: 'updateOrderStatus',
    summary: 'Move an order along pending → paid → shipped → delivered, or cancel it (staff)',
    tags,
    auth: 'user',
    params: idParams,
    body: updateOrderSchema,
    response: orderDetailSchema,
    errors: [403, 409],
    handler: async ({ ctx, engine, params, body }) =>
      withNextStatuses(engine, await engine.orders.updateStatus(ctx, params.id, body)),
  }),
  route({
    method: 'post',
    path: '/api/orders/{id}/cancel',
    operationId: 'cancelOrder',
    summary: 'Cancel an order (customers: their own pending order); the stock goes back once',
    tags,
    auth: 'user',
    params: idParams,
    response: orderDetailSchema,
    errors: [409],
    handler: async ({ ctx, engine, params }) =>
      withNextStatuses(engine, await engine.orders.cancelOrder(ctx, params.id)),
  }),
  route({
    method: 'post',
    path: '/api/orders/{id}/payments',
    operationId: 'createPayment',
    summary: 'Pay for your own pending order, for exactly its total (a guest: with X-Order-Token)',
    description:
      'The `hosted` provider answers a `checkout_url` to send the customer to, and its signed callback completes the payment; `manual` waits for staff. ' +
      'A guest pays for their guest order with the `X-Order-Token` its checkout answered, no login needed; a wrong token, or another order’s, is 404, like reading the order with it. Without a login or a token: 401.',
    tags: ['payments'],
    auth: 'public',
    withToken: 'required unless X-Order-Token is sent: the order must be yours.',
    headers: [{ name: 'X-Order-Token', description: 'A guest order’s token, from its checkout', maxLength: 64 }],
    params: idParams,
    body: createPaymentSchema,
    status: 201,
    response: paymentSchema,
    errors: [401, 403, 409],
    handler: ({ ctx, engine, params, body, req }) =>
      engine.payments.createPayment(ctx, params.id, body, { orderToken: req.get('X-Order-Token') }),
  }),
  route({
    method: 'post',
    path: '/api/orders/{id}/refunds',
    operationId: 'refundOrder',
    summary: 'Refund a paid order, in full or in part (staff, `order:refund`)',
    description:
      '`{amount}` refunds that many minor units; `{items: [{variant_id, quantity}]}` refunds those units at their share of the line total (discount and tax included), and with `restock: true` returns them to stock; `{}` refunds everything not refunded yet. ' +
      'Never more than the payment captured, counting pending refunds, also under concurrent requests (409 `refund-exceeds-payment`); a unit is refunded at most once (409). ' +
      '`manual` payments are refunded at once (`completed`); `hosted` ones stay `pending` until the gateway’s signed callback `{type: "refund", reference, status, amount}`. ' +
      'A completed refund moves the order to `partially_refunded` or `refunded` and emits `refund.completed`. ' +
      'With `Idempotency-Key` (kept 24 h per staff user, as checkout keeps its keys): the same key, order and body refund once and answer that refund as it stands (header `Idempotent-Replayed: true`), a different body is 422, a request still running with the key is 409.',
    tags,
    auth: 'user',
    headers: [
      { name: 'Idempotency-Key', description: 'Client-chosen unique key (1–255 printable characters)', maxLength: 255 },
    ],
    params: idParams,
    body: refundOrderSchema,
    status: 201,
    response: refundSchema,
    errors: [403, 409, 422],
    handler: ({ ctx, engine, params, body, req, res }) =>
      engine.payments.refundOrder(ctx, params.id, body, {
        idempotencyKey: req.get('Idempotency-Key'),
        onReplay: () => res.setHeader('Idempotent-Replayed', 'true'),
      }),
  }),
  route({
    method: 'get',
    path: '/api/orders/{id}/refunds',
    operationId: 'listOrderRefunds',
    summary: 'The refunds of an order, oldest first (its customer, or staff)',
    tags,
    auth: 'user',
    params: idParams,
    response: z.object({ results: z.array(refundSchema) }),
    handler: async ({ ctx, engine, params }) => ({ results: await engine.payments.listRefunds(ctx, params.id) }),
  }),
];
