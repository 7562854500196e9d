import {
  passwordResetConfirmSchema,
  passwordResetRequestSchema,
  registerInputSchema,
  tokenPairSchema,
  tokenRequestSchema,
  userSchema,
  verifyEmailInputSchema,
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
    description:
      'Mails a verification token to the address (valid 24 h) beside the welcome e-mail; ' +
      '`POST /api/auth/verify-email` takes it back. `username` is optional: 3–150 letters, digits, `.`, `_` or `-`, unique without regard to case.',
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
    summary: 'E-mail or username, and password → access and refresh tokens',
    description:
      'Send exactly one of `email` or `username` (both is a 400). A `username` holding an `@` is taken as the e-mail address, ' +
      'as DRF clients send it (usernames cannot hold one). ' +
      'Failed logins are limited per account and per IP: past the limit the answer is 429 with Retry-After. ' +
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
  route({
    method: 'post',
    path: '/api/auth/password-reset',
    operationId: 'requestPasswordReset',
    summary: 'Mail a password-reset token (202 whether or not the account exists)',
    description:
      'An active account with this e-mail is sent a single-use token, valid 1 hour; the answer is the same 202 for any ' +
      'address, so it tells nobody which addresses have accounts. Limited per address and per client IP (429 with Retry-After).',
    tags,
    auth: 'none',
    body: passwordResetRequestSchema,
    status: 202,
    errors: [429],
    async handler({ ctx, engine, body, req }) {
      await engine.identity.requestPasswordReset(ctx, body, { ip: req.ip });
    },
  }),
  route({
    method: 'post',
    path: '/api/auth/password-reset/confirm',
    operationId: 'confirmPasswordReset',
    summary: 'Set a new password with a reset token; every session of the user ends',
    description:
      'The password follows the sign-up rule. Every refresh token of the user is revoked and every access token fails ' +
      'from now on (401). An unknown, expired or already used token is a 400.',
    tags,
    auth: 'none',
    body: passwordResetConfirmSchema,
    status: 204,
    async handler({ ctx, engine, body }) {
      await engine.identity.confirmPasswordReset(ctx, body);
    },
  }),
  route({
    method: 'post',
    path: '/api/auth/verify-email',
    operationId: 'verifyEmail',
    summary: 'Confirm an e-mail address with the token mailed to it',
    description:
      'Sets `email_verified_at` and emits `user.email_verified`. No login needed: the token is the proof. An unknown, ' +
      'expired or used token, or one mailed to an address the account no longer has, is a 400.',
    tags,
    auth: 'none',
    body: verifyEmailInputSchema,
    status: 204,
    async handler({ ctx, engine, body }) {
      await engine.identity.verifyEmail(ctx, body);
    },
  }),
  route({
    method: 'post',
    path: '/api/auth/verify-email/resend',
    operationId: 'resendVerificationEmail',
    summary: 'Mail the calling user a new verification token (409 when already verified)',
    description: 'Limited per user (429 with Retry-After).',
    tags,
    auth: 'user',
    status: 202,
    errors: [409, 429],
    async handler({ ctx, engine }) {
      await engine.identity.resendVerification(ctx);
    },
  }),
];
