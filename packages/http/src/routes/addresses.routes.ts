import { addressSchema, createAddressSchema, replaceAddressSchema, updateAddressSchema } from '@emporia/core';
import { z } from 'zod';
import { route } from '../route.js';

const tags = ['addresses'];
const idParams = z.object({ id: z.uuid('must be an address id') });

export const addressRoutes = [
  route({
    method: 'get',
    path: '/api/users/me/addresses',
    operationId: 'listAddresses',
    summary: 'Your address book, oldest first',
    tags,
    auth: 'user',
    response: z.object({ results: z.array(addressSchema) }),
    handler: async ({ ctx, engine }) => ({ results: await engine.addresses.listAddresses(ctx) }),
  }),
  route({
    method: 'post',
    path: '/api/users/me/addresses',
    operationId: 'createAddress',
    summary: 'Add an address; a default flag set here moves from your other address',
    tags,
    auth: 'user',
    body: createAddressSchema,
    status: 201,
    response: addressSchema,
    handler: ({ ctx, engine, body }) => engine.addresses.createAddress(ctx, body),
  }),
  route({
    method: 'get',
    path: '/api/users/me/addresses/{id}',
    operationId: 'getAddress',
    summary: 'One of your addresses (another customer’s is a 404)',
    tags,
    auth: 'user',
    params: idParams,
    response: addressSchema,
    handler: ({ ctx, engine, params }) => engine.addresses.getAddress(ctx, params.id),
  }),
  route({
    method: 'put',
    path: '/api/users/me/addresses/{id}',
    operationId: 'replaceAddress',
    summary: 'Replace one of your addresses: every field given (optional parts as null)',
    tags,
    auth: 'user',
    params: idParams,
    body: replaceAddressSchema,
    response: addressSchema,
    handler: ({ ctx, engine, params, body }) => engine.addresses.replaceAddress(ctx, params.id, body),
  }),
  route({
    method: 'patch',
    path: '/api/users/me/addresses/{id}',
    operationId: 'updateAddress',
    summary: 'Change some fields of one of your addresses; carts and placed orders keep their copies',
    tags,
    auth: 'user',
    params: idParams,
    body: updateAddressSchema,
    response: addressSchema,
    handler: ({ ctx, engine, params, body }) => engine.addresses.updateAddress(ctx, params.id, body),
  }),
  route({
    method: 'delete',
    path: '/api/users/me/addresses/{id}',
    operationId: 'deleteAddress',
    summary: 'Delete one of your addresses',
    tags,
    auth: 'user',
    params: idParams,
    status: 204,
    async handler({ ctx, engine, params }) {
      await engine.addresses.deleteAddress(ctx, params.id);
    },
  }),
];
