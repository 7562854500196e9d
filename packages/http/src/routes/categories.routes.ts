import {
  CATALOG_CACHE_TAGS,
  categoryListQuerySchema,
  categoryNodeSchema,
  categorySchema,
  createCategorySchema,
  deleteCategoryQuerySchema,
  updateCategorySchema,
  text,
} from '@emporia/core';
import { z } from 'zod';
import { route } from '../route.js';

const tags = ['catalog'];
const refParams = z.object({ id: text().min(1).max(200).describe('Category id or slug') });

export const categoryRoutes = [
  route({
    method: 'get',
    path: '/api/categories',
    operationId: 'listCategories',
    conditional: true,
    summary: 'Every category: flat with parent_id, or nested with ?tree=true',
    tags,
    auth: 'none',
    query: categoryListQuerySchema,
    cache: { tags: () => [CATALOG_CACHE_TAGS.categoryList] },
    response: z.union([z.array(categorySchema), z.array(categoryNodeSchema)]),
    handler: ({ ctx, engine, query }) =>
      query.tree ? engine.catalog.categoryTree(ctx) : engine.catalog.listCategories(ctx),
  }),
  route({
    method: 'post',
    path: '/api/categories',
    operationId: 'createCategory',
    summary: 'Create a category (staff); the slug comes from the name when omitted',
    tags,
    auth: 'user',
    body: createCategorySchema,
    status: 201,
    response: categorySchema,
    errors: [403, 409],
    handler: ({ ctx, engine, body }) => engine.catalog.createCategory(ctx, body),
  }),
  route({
    method: 'get',
    path: '/api/categories/{id}',
    operationId: 'getCategory',
    conditional: true,
    summary: 'A category by id or slug',
    tags,
    auth: 'none',
    params: refParams,
    cache: { tags: (category) => [CATALOG_CACHE_TAGS.category((category as { id: string }).id)] },
    response: categorySchema,
    handler: ({ ctx, engine, params }) => engine.catalog.getCategory(ctx, params.id),
  }),
  route({
    method: 'patch',
    path: '/api/categories/{id}',
    operationId: 'updateCategory',
    summary: 'Change a category (staff)',
    tags,
    auth: 'user',
    params: refParams,
    body: updateCategorySchema,
    // The parent is named either way; leaving both out keeps it.
    replace: { optional: ['parent_id', 'parent'] },
    response: categorySchema,
    errors: [403, 409],
    handler: ({ ctx, engine, params, body }) => engine.catalog.updateCategory(ctx, params.id, body),
  }),
  route({
    method: 'delete',
    path: '/api/categories/{id}',
    operationId: 'deleteCategory',
    summary: 'Delete a category (staff); 409 when it has products or children, unless ?reassign_to=',
    tags,
    auth: 'user',
    params: refParams,
    query: deleteCategoryQuerySchema,
    status: 204,
    errors: [403, 409],
    async handler({ ctx, engine, params, query }) {
      await engine.catalog.deleteCategory(ctx, params.id, query);
    },
  }),
];
