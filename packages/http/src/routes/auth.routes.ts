import {
  registerInputSchema,
  tokenPairSchema,
  tokenRequestSchema,
  userSchema,
  verifyResultSchema,
  text,
} from '@emporia/core';
import { z } from 'zod';
import { route } from '../route.js';

const tags = ['auth'];
const refreshRequestSchema = z.strictObject({ refresh: text().min(1).max(4096) });
const verifyRequestSchema = z.strictObject({ token: text().min(1).max(4096) });

export const authRoutes = [
  route({
    method: 'post',
    path: '/api/auth/register',
    operationId: 'register',
    summary: 'Create a customer account (403 when ALLOW_REGISTRATION=false)',
    tags,
    auth: 'none',
    body: registerInputSchema,
    status: 201,
    response: userSchema,
    errors: [403, 409],
    handler: ({ ctx, engine, body }) => engine.identity.register(ctx, body),
  }),
  route({
    method: 'post',
    path: '/api/auth/token',
    operationId: 'obtainToken',
    summary: 'E-mail (or `username`) and password → access and refresh tokens',
    description:
      'Failed logins are limited per e-mail and per IP: past the limit the answer is 429 with Retry-After. ' +
      'With `dashboard_login: true` (a back-office sign-in), a user whose role lacks `dashboard:access` gets 403 and no tokens.',
    tags,
    auth: 'none',
    body: tokenRequestSchema,
    response: tokenPairSchema,
    errors: [401, 403, 429],
    handler: ({ ctx, engine, body, req }) => engine.identity.login(ctx, body, { ip: req.ip }),
  }),
  route({
    method: 'post',
    path: '/api/auth/token/refresh',
    operationId: 'refreshToken',
    summary: 'Rotate a refresh token; reusing a spent one revokes its whole family',
    tags,
    auth: 'none',
    body: refreshRequestSchema,
    response: tokenPairSchema,
    errors: [401],
    handler: ({ ctx, engine, body }) => engine.identity.refresh(ctx, body.refresh),
  }),
  route({
    method: 'post',
    path: '/api/auth/token/verify',
    operationId: 'verifyToken',
    summary: 'Check that an access or refresh token is valid and still usable',
    tags,
    auth: 'none',
    body: verifyRequestSchema,
    response: verifyResultSchema,
    errors: [401],
    handler: ({ ctx, engine, body }) => engine.identity.verify(ctx, body.token),
  }),
  route({
    method: 'post',
    path: '/api/auth/logout',
    operationId: 'logout',
    summary: "Revoke the refresh token's family (this login)",
    tags,
    auth: 'none',
    body: refreshRequestSchema,
    status: 204,
    errors: [401],
    async handler({ ctx, engine, body }) {
      await engine.identity.logout(ctx, body.refresh);
    },
  }),
];
