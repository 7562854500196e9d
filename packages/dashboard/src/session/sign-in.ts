/**
 * The three token calls the session makes, in one place. They use a client of their own, without
 * the bearer middleware: they are how a token is got in the first place.
 */
import createClient from 'openapi-fetch';
import type { paths } from '../api/schema.js';
import { unwrap } from '../api/unwrap.js';
import { config } from '../config.js';

const authApi = createClient<paths>({ baseUrl: config.api_base });

/**
 * The one sign-in request, a back-office login (`dashboard_login: true`): the server refuses a user
 * without `dashboard:access` with a 403 and issues no tokens.
 */
export function requestTokens(email: string, password: string) {
  return unwrap(authApi.POST('/api/auth/token', { body: { email, password, dashboard_login: true } }));
}

/** Rotates the refresh token: a new pair, the old refresh token spent. */
export function refreshTokens(refresh: string) {
  return unwrap(authApi.POST('/api/auth/token/refresh', { body: { refresh } }));
}

/** Revokes the login the refresh token belongs to (sign-out). */
export function revokeTokens(refresh: string) {
  return unwrap(authApi.POST('/api/auth/logout', { body: { refresh } }));
}
