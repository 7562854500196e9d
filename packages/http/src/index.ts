/**
 * @emporia/http — the Express app and router over an Emporia engine. This list is the whole
 * public surface; everything else in `src/` (route declarations, OpenAPI building) is internal.
 */
import { buildOpenApi } from './openapi.js';
import { allRoutes } from './routes/index.js';

// ---------------------------------------------------------------- app and router
export { createApp, createLogger, type AppOptions } from './app.js';
export { createRouter, type RouterOptions } from './router.js';
export { attachWebSockets, WEBSOCKET_PATH } from './websocket.js';
export { createDashboard, type DashboardOptions } from './dashboard.js';
export { bearerToken, type Authenticate } from './auth.js';

// ---------------------------------------------------------------- errors as problems
export { problemSchema, sendProblem, PROBLEM_BASE, type Problem } from './problem.js';

// ---------------------------------------------------------------- middleware for host apps
export { createMetrics, type Metrics } from './metrics.js';
export { hostCheck, rateLimit, requestTimeout } from './hardening.js';

/**
 * The OpenAPI 3.1 document of the whole API, as served at `/api/openapi.json`.
 *
 * @param serverUrl - The `servers` entry: where the API is mounted (`/shop` under a prefix).
 * @returns The document as a plain JSON object (what `emporia openapi` prints).
 */
export function openApiDocument(serverUrl = '/'): Record<string, unknown> {
  return buildOpenApi(allRoutes, { serverUrl });
}
