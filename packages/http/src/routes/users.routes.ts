import {
  createUserInputSchema,
  requireUser,
  updateUserInputSchema,
  userListQuerySchema,
  userSchema,
  type Context,
} from '@emporia/core';
import { z } from 'zod';
import { listAnswer, listResultSchema } from '../pagination.js';
import { route } from '../route.js';

const tags = ['users'];
const idParams = z.object({ id: z.uuid('must be a user id') });

// A client (the dashboard) shows only what the caller may do, so the caller's own answer names the
// role's permission strings; other users' answers do not.
const meSchema = userSchema
  .extend({
    permissions: z.array(z.string().max(100)).max(200).describe("the role's permission strings; `*` grants all"),
  })
  .meta({ id: 'Me' });
/** What a PUT of a user may leave out: the password pair (write-only), what only admins set, and the optional username. */
const writeOnlyOrPrivileged = ['password', 'current_password', 'role', 'is_active', 'username'];
const erasureDescription =
  'Always works (409 only for the last active admin). A user without orders is deleted; a user with orders is ' +
  'anonymised: name, e-mail, password and every other personal field are erased, the cart is deleted, and the ' +
  'orders are kept for accounting with a tombstone of the user. Every token of the user is revoked at once. ' +
  'Records `user.erased`. Erasing an already erased user is a 404.';
const permissionsOf = (ctx: Context) => [...requireUser(ctx).permissions].sort();

export const userRoutes = [
  route({
    method: 'get',
    path: '/api/users/me',
    operationId: 'getMe',
    summary: 'The calling user',
    tags,
    auth: 'user',
    response: meSchema,
    handler: async ({ ctx, engine }) => ({ ...(await engine.identity.getMe(ctx)), permissions: permissionsOf(ctx) }),
  }),
  route({
    method: 'patch',
    path: '/api/users/me',
    operationId: 'updateMe',
    summary: 'Change your name, username, e-mail or password (a new password needs current_password)',
    description:
      'Sending `role` or `is_active` without the user:manage permission is a 400. A new password ends every other session ' +
      '(refresh tokens revoked, access tokens refused). A new e-mail address is unverified until the token mailed to it comes back.',
    tags,
    auth: 'user',
    body: updateUserInputSchema,
    replace: { optional: writeOnlyOrPrivileged },
    response: userSchema,
    errors: [409],
    handler: ({ ctx, engine, body }) => engine.identity.updateMe(ctx, body),
  }),
  route({
    method: 'delete',
    path: '/api/users/me',
    operationId: 'deleteMe',
    summary: 'Delete your account (erased, orders kept)',
    description: erasureDescription,
    tags,
    auth: 'user',
    status: 204,
    errors: [409],
    async handler({ ctx, engine }) {
      await engine.identity.deleteMe(ctx);
    },
  }),
  route({
    method: 'get',
    path: '/api/users',
    operationId: 'listUsers',
    summary: 'List users (staff and admin), filtered by role or e-mail',
    tags,
    auth: 'user',
    query: userListQuerySchema,
    response: listResultSchema(userSchema),
    errors: [403],
    handler: async ({ ctx, engine, query, req }) => listAnswer(req, await engine.identity.listUsers(ctx, query)),
  }),
  route({
    method: 'post',
    path: '/api/users',
    operationId: 'createUser',
    summary: 'Create a user with any role (admin)',
    tags,
    auth: 'user',
    body: createUserInputSchema,
    status: 201,
    response: userSchema,
    errors: [403, 409],
    handler: ({ ctx, engine, body }) => engine.identity.createUser(ctx, body),
  }),
  route({
    method: 'get',
    path: '/api/users/{id}',
    operationId: 'getUser',
    summary: 'A user (yourself, or anyone for staff and admin)',
    tags,
    auth: 'user',
    params: idParams,
    response: userSchema,
    handler: ({ ctx, engine, params }) => engine.identity.getUser(ctx, params.id),
  }),
  route({
    method: 'patch',
    path: '/api/users/{id}',
    operationId: 'updateUser',
    summary: 'Change a user (yourself, or anyone for admin; only admin sets role and is_active)',
    tags,
    auth: 'user',
    params: idParams,
    body: updateUserInputSchema,
    replace: { optional: writeOnlyOrPrivileged },
    response: userSchema,
    errors: [403, 409],
    handler: ({ ctx, engine, params, body }) => engine.identity.updateUser(ctx, params.id, body),
  }),
  route({
    method: 'delete',
    path: '/api/users/{id}',
    operationId: 'deleteUser',
    summary: 'Delete a user (yourself, or anyone for admin; erased, orders kept)',
    description: erasureDescription,
    tags,
    auth: 'user',
    params: idParams,
    status: 204,
    errors: [403, 404, 409],
    async handler({ ctx, engine, params }) {
      await engine.identity.deleteUser(ctx, params.id);
    },
  }),
];
