import {
  createTaxRateSchema,
  replaceTaxRateSchema,
  taxRateListQuerySchema,
  taxRateSchema,
  updateTaxRateSchema,
} from '@emporia/core';
import { z } from 'zod';
import { route } from '../route.js';

const tags = ['tax'];
const idParams = z.object({ id: z.uuid('must be a tax rate id') });

export const taxRoutes = [
  route({
    method: 'get',
    path: '/api/tax-rates',
    operationId: 'listTaxRates',
    summary: 'Every tax rate, or one country’s (staff)',
    tags,
    auth: 'user',
    query: taxRateListQuerySchema,
    response: z.object({ results: z.array(taxRateSchema) }),
    errors: [403],
    handler: async ({ ctx, engine, query }) => ({ results: await engine.tax.listTaxRates(ctx, query) }),
  }),
  route({
    method: 'post',
    path: '/api/tax-rates',
    operationId: 'createTaxRate',
    summary: 'Add a rate for a country (or region) and tax class; 1900 bps = 19 % (staff)',
    tags,
    auth: 'user',
    body: createTaxRateSchema,
    status: 201,
    response: taxRateSchema,
    errors: [403, 409],
    handler: ({ ctx, engine, body }) => engine.tax.createTaxRate(ctx, body),
  }),
  route({
    method: 'get',
    path: '/api/tax-rates/{id}',
    operationId: 'getTaxRate',
    summary: 'A tax rate (staff)',
    tags,
    auth: 'user',
    params: idParams,
    response: taxRateSchema,
    errors: [403],
    handler: ({ ctx, engine, params }) => engine.tax.getTaxRate(ctx, params.id),
  }),
  route({
    method: 'put',
    path: '/api/tax-rates/{id}',
    operationId: 'replaceTaxRate',
    summary: 'Replace a tax rate: every field given (staff)',
    tags,
    auth: 'user',
    params: idParams,
    body: replaceTaxRateSchema,
    response: taxRateSchema,
    errors: [403, 409],
    handler: ({ ctx, engine, params, body }) => engine.tax.replaceTaxRate(ctx, params.id, body),
  }),
  route({
    method: 'patch',
    path: '/api/tax-rates/{id}',
    operationId: 'updateTaxRate',
    summary: 'Change some fields of a tax rate; placed orders keep what they were charged (staff)',
    tags,
    auth: 'user',
    params: idParams,
    body: updateTaxRateSchema,
    response: taxRateSchema,
    errors: [403, 409],
    handler: ({ ctx, engine, params, body }) => engine.tax.updateTaxRate(ctx, params.id, body),
  }),
  route({
    method: 'delete',
    path: '/api/tax-rates/{id}',
    operationId: 'deleteTaxRate',
    summary: 'Delete a tax rate (staff)',
    tags,
    auth: 'user',
    params: idParams,
    status: 204,
    errors: [403],
    async handler({ ctx, engine, params }) {
      await engine.tax.deleteTaxRate(ctx, params.id);
    },
  }),
];
