/**
 * @emporia/http — the Express app and router over an Emporia engine.
 */
export { createApp, createLogger, type AppOptions } from './app.js';
export { createRouter, type RouterOptions } from './router.js';
export { buildOpenApi, type OpenApiInfo } from './openapi.js';
export { allRoutes } from './routes/index.js';
export { route, type RouteSpec, type HandlerInput } from './route.js';
export { problemSchema, sendProblem, PROBLEM_BASE, type Problem } from './problem.js';
export { bearerToken, type Authenticate } from './auth.js';
export { createMetrics, type Metrics } from './metrics.js';
export { hostCheck, rateLimit, requestTimeout } from './hardening.js';

import { buildOpenApi } from './openapi.js';
import { allRoutes } from './routes/index.js';

/** The OpenAPI document for the whole API (as served at /api/openapi.json). */
export function openApiDocument(serverUrl = '/'): Record<string, unknown> {
  return buildOpenApi(allRoutes, { serverUrl });
}
