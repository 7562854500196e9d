import { createRoleInputSchema, roleSchema, updateRoleInputSchema } from '@emporia/core';
import { z } from 'zod';
import { route } from '../route.js';

const tags = ['roles'];
const idParams = z.object({ id: z.uuid('must be a role id') });

export const roleRoutes = [
  route({
    method: 'get',
    path: '/api/roles',
    operationId: 'listRoles',
    summary: 'Every role with its permissions (admin)',
    tags,
    auth: 'user',
    response: z.object({ results: z.array(roleSchema) }),
    errors: [403],
    handler: async ({ ctx, engine }) => ({ results: await engine.identity.listRoles(ctx) }),
  }),
  route({
    method: 'post',
    path: '/api/roles',
    operationId: 'createRole',
    summary: 'Define a role from permission strings (admin)',
    tags,
    auth: 'user',
    body: createRoleInputSchema,
    status: 201,
    response: roleSchema,
    errors: [403, 409],
    handler: ({ ctx, engine, body }) => engine.identity.createRole(ctx, body),
  }),
  route({
    method: 'get',
    path: '/api/roles/{id}',
    operationId: 'getRole',
    summary: 'A role (admin)',
    tags,
    auth: 'user',
    params: idParams,
    response: roleSchema,
    errors: [403],
    handler: ({ ctx, engine, params }) => engine.identity.getRole(ctx, params.id),
  }),
  route({
    method: 'patch',
    path: '/api/roles/{id}',
    operationId: 'updateRole',
    summary: "Rename a role or change its permissions (admin; built-ins keep their names, admin keeps '*')",
    tags,
    auth: 'user',
    params: idParams,
    body: updateRoleInputSchema,
    response: roleSchema,
    errors: [403, 409],
    handler: ({ ctx, engine, params, body }) => engine.identity.updateRole(ctx, params.id, body),
  }),
  route({
    method: 'delete',
    path: '/api/roles/{id}',
    operationId: 'deleteRole',
    summary: 'Delete a role no user holds (admin; built-ins cannot be deleted)',
    tags,
    auth: 'user',
    params: idParams,
    status: 204,
    errors: [403, 409],
    async handler({ ctx, engine, params }) {
      await engine.identity.deleteRole(ctx, params.id);
    },
  }),
];
