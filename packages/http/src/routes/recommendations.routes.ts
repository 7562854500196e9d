import { forMeQuerySchema, productRecommendationQuerySchema, recommendationListSchema, text } from '@emporia/core';
import { z } from 'zod';
import { route } from '../route.js';

const tags = ['recommendations'];

export const recommendationRoutes = [
  route({
    method: 'get',
    path: '/api/products/{id}/recommendations',
    operationId: 'getProductRecommendations',
    conditional: true,
    summary: 'Products to show beside a product: bought together with it, or similar to it',
    description:
      '`bought_together` ranks products by how much more often they share orders with this one than chance ' +
      '(log-likelihood ratio, at least two orders); `similar` by category, option values and words, so a product ' +
      'without sales has them too. Only published products in stock; never the product itself. The lists are ' +
      'recomputed by the `recommendations.rebuild` job.',
    tags,
    auth: 'none',
    params: z.object({ id: text().min(1).max(200).describe('Product id or slug') }),
    query: productRecommendationQuerySchema,
    response: recommendationListSchema,
    errors: [404],
    handler: ({ ctx, engine, params, query }) => engine.recommendations.forProduct(ctx, params.id, query),
  }),
  route({
    method: 'get',
    path: '/api/recommendations/for-me',
    operationId: 'getMyRecommendations',
    summary: 'Products for the signed-in customer, from what they bought lately',
    description:
      'Neighbours of recent purchases (never what they already bought); then popular products of the same ' +
      'categories; with no purchases yet, popular products.',
    tags,
    auth: 'user',
    query: forMeQuerySchema,
    response: recommendationListSchema,
    handler: ({ ctx, engine, query }) => engine.recommendations.forMe(ctx, query),
  }),
];
