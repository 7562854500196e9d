import { createPromotionSchema, replacePromotionSchema, promotionSchema, updatePromotionSchema } from '@emporia/core';
import { z } from 'zod';
import { route } from '../route.js';

const tags = ['promotions'];
const idParams = z.object({ id: z.uuid('must be a promotion id') });

export const promotionRoutes = [
  route({
    method: 'get',
    path: '/api/promotions',
    operationId: 'listPromotions',
    summary: 'Every promotion code, newest first (staff)',
    tags,
    auth: 'user',
    response: z.object({ results: z.array(promotionSchema) }),
    errors: [403],
    handler: async ({ ctx, engine }) => ({ results: await engine.promotions.listPromotions(ctx) }),
  }),
  route({
    method: 'post',
    path: '/api/promotions',
    operationId: 'createPromotion',
    summary: 'Add a code: percentage (bps), fixed (minor units) or free shipping, with its limits (staff)',
    tags,
    auth: 'user',
    body: createPromotionSchema,
    status: 201,
    response: promotionSchema,
    errors: [403, 409],
    handler: ({ ctx, engine, body }) => engine.promotions.createPromotion(ctx, body),
  }),
  route({
    method: 'get',
    path: '/api/promotions/{id}',
    operationId: 'getPromotion',
    summary: 'A promotion with its `times_used` (staff)',
    tags,
    auth: 'user',
    params: idParams,
    response: promotionSchema,
    errors: [403],
    handler: ({ ctx, engine, params }) => engine.promotions.getPromotion(ctx, params.id),
  }),
  route({
    method: 'put',
    path: '/api/promotions/{id}',
    operationId: 'replacePromotion',
    summary: 'Replace a promotion: every field given (staff)',
    tags,
    auth: 'user',
    params: idParams,
    body: replacePromotionSchema,
    response: promotionSchema,
    errors: [403, 409],
    handler: ({ ctx, engine, params, body }) => engine.promotions.replacePromotion(ctx, params.id, body),
  }),
  route({
    method: 'patch',
    path: '/api/promotions/{id}',
    operationId: 'updatePromotion',
    summary: 'Change some fields of a promotion; placed orders keep their discounts (staff)',
    tags,
    auth: 'user',
    params: idParams,
    body: updatePromotionSchema,
    response: promotionSchema,
    errors: [403, 409],
    handler: ({ ctx, engine, params, body }) => engine.promotions.updatePromotion(ctx, params.id, body),
  }),
  route({
    method: 'delete',
    path: '/api/promotions/{id}',
    operationId: 'deletePromotion',
    summary: 'Delete a promotion; carts holding it lose it (staff)',
    tags,
    auth: 'user',
    params: idParams,
    status: 204,
    errors: [403],
    async handler({ ctx, engine, params }) {
      await engine.promotions.deletePromotion(ctx, params.id);
    },
  }),
];
