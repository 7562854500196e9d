/**
 * The dashboard's only way to the server: an openapi-fetch client typed by `schema.d.ts`, which is
 * generated from the API's OpenAPI document (examples/typed-client/generate.ts writes it, and a test
 * fails when it is stale). Paths, parameters, bodies and answers are checked by the compiler.
 */
import createClient, { type Middleware } from 'openapi-fetch';
import { config } from '../config.js';
import { session } from '../session/session.js';
import type { paths } from './schema.js';

export type { RequestBody, Schemas } from './types.js';
export { unwrap } from './unwrap.js';

/** An absolute URL of an API path (`/api/events`), for the few calls made with fetch itself. */
export const apiUrl = (path: string) => `${config.api_base}${path}`;

/** The client every screen uses: sends the access token and, on a 401, refreshes it once and retries. */
export const api = createClient<paths>({ baseUrl: config.api_base });

const retries = new Map<string, Request>();
const bearer: Middleware = {
  async onRequest({ request, id }) {
    const access = await session.freshAccessToken();
    if (access) request.headers.set('Authorization', `Bearer ${access}`);
    retries.set(id, request.clone());
    return request;
  },
  async onResponse({ response, id }) {
    const retry = retries.get(id);
    retries.delete(id);
    if (response.status !== 401 || !retry || !session.hasRefreshToken()) return response;
    // The access token expired early (the server's clock, a revoked login): one refresh, one retry.
    const used = retry.headers.get('Authorization')?.replace(/^Bearer /, '') ?? null;
    const access = await session.replacing(used);
    if (!access) return response;
    retry.headers.set('Authorization', `Bearer ${access}`);
    return fetch(retry);
  },
  onError({ id }) {
    retries.delete(id);
  },
};
api.use(bearer);
