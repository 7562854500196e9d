import {
  jsonObject,
  paymentListQuerySchema,
  paymentSchema,
  refundSchema,
  refundWebhookAnswerSchema,
  webhookAnswerSchema,
} from '@emporia/core';
import { z } from 'zod';
import { listAnswer, listResultSchema } from '../pagination.js';
import { route } from '../route.js';
import { rawBodyOf } from '../raw-body.js';

const tags = ['payments'];
const idParams = z.object({ id: z.uuid('must be a payment id') });

export const paymentRoutes = [
  route({
    method: 'post',
    path: '/api/payments/webhooks/{provider}',
    operationId: 'paymentWebhook',
    summary: 'A payment provider’s signed callback',
    description:
      'Signed with `Emporia-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>` (5-minute tolerance). ' +
      'The `hosted` body is `{reference, status: "succeeded"|"failed", amount, event_id?}` for a payment, and `{type: "refund", reference, status, amount, event_id?}` for a refund (`succeeded` completes it, `failed` gives back what it held). Bad signature, stale timestamp, unknown reference or wrong amount: 400, nothing changes. A repeated delivery answers `changed: false`.',
    tags,
    auth: 'none',
    headers: [{ name: 'Emporia-Signature', description: 't=<unix>,v1=<hex>', required: true, maxLength: 16_384 }],
    params: z.object({
      provider: z
        .string()
        .max(32)
        .regex(/^[a-z0-9_-]{1,32}$/, 'must be a provider name'),
    }),
    body: jsonObject({ maxDepth: 32, maxBytes: 1024 * 1024 }).describe(
      'The provider’s callback body (see the description)',
    ),
    response: z.union([webhookAnswerSchema, refundWebhookAnswerSchema]),
    errors: [409],
    handler: ({ ctx, engine, params, req }) =>
      engine.payments.handleWebhook(ctx, params.provider, { rawBody: rawBodyOf(req), headers: req.headers }),
  }),
  route({
    method: 'get',
    path: '/api/payments',
    operationId: 'listPayments',
    summary: 'Own payments (customers) or all payments (staff), newest first',
    tags,
    auth: 'user',
    query: paymentListQuerySchema,
    response: listResultSchema(paymentSchema),
    handler: async ({ ctx, engine, query, req }) => listAnswer(req, await engine.payments.listPayments(ctx, query)),
  }),
  route({
    method: 'get',
    path: '/api/payments/{id}',
    operationId: 'getPayment',
    summary: 'One payment with its status history (a guest: with X-Order-Token)',
    description:
      'A guest reads their order’s payment with the order’s `X-Order-Token` (say, after the hosted checkout sent them back); a wrong token, or a payment of another order, is 404. Without a login or a token: 401.',
    tags,
    auth: 'public',
    withToken: 'required unless X-Order-Token is sent: the payment must be yours (or you are staff).',
    headers: [{ name: 'X-Order-Token', description: 'The guest order’s token, from its checkout', maxLength: 64 }],
    params: idParams,
    response: paymentSchema,
    errors: [401],
    handler: ({ ctx, engine, params, req }) =>
      engine.payments.getPayment(ctx, params.id, { orderToken: req.get('X-Order-Token') }),
  }),
  route({
    method: 'post',
    path: '/api/payments/{id}/confirm',
    operationId: 'confirmPayment',
    summary: 'Confirm a manual payment (staff): the payment succeeds and the order is paid',
    tags,
    auth: 'user',
    params: idParams,
    response: paymentSchema,
    errors: [403, 409],
    handler: ({ ctx, engine, params }) => engine.payments.confirmPayment(ctx, params.id),
  }),
  route({
    method: 'get',
    path: '/api/refunds/{id}',
    operationId: 'getRefund',
    summary: 'One refund with its status history (its order’s customer, or staff)',
    tags,
    auth: 'user',
    params: z.object({ id: z.uuid('must be a refund id') }),
    response: refundSchema,
    handler: ({ ctx, engine, params }) => engine.payments.getRefund(ctx, params.id),
  }),
];
