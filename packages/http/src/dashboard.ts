import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Engine } from '@emporia/core';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { HttpError } from './problem.js';

/** Options of `createDashboard`. */
export interface DashboardOptions {
  /**
   * Where the API the dashboard calls is mounted, as a path (`/shop`) or an origin and path
   * (`https://api.example.com`); `''` (the default) is the root of the dashboard's own origin.
   */
  apiBase?: string | ((req: Request) => string);
}

/** The dashboard's built files (`npm run build` makes them with Vite). */
function builtAppDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@emporia/dashboard/package.json')), 'dist');
}

// The page is built once with placeholders; each answer fills in where it is mounted and where the
// API is, so one build serves /admin, /shop/admin or a host's own prefix.
const BASE_PLACEHOLDER = '%EMPORIA_BASE%';
const CONFIG_PLACEHOLDER = '%EMPORIA_CONFIG%';

const escapeAttribute = (value: string) =>
  value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The page's Content-Security-Policy: its own scripts and styles only; calls to the API's origin. */
function contentSecurityPolicy(apiBase: string): string {
  const apiOrigin = /^https?:\/\//.test(apiBase) ? ` ${new URL(apiBase).origin}` : '';
  return [
    "default-src 'self'",
    "script-src 'self'",
    // React sets style attributes (widths of bars); no stylesheet comes from elsewhere.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    `connect-src 'self'${apiOrigin}`,
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
  ].join('; ');
}

/**
 * The back office (`@emporia/dashboard`) as an Express router: its built files, and its page for
 * every other GET below the mount point (the app routes in the browser). The app talks to the
 * public HTTP API only. Mount it where it should live: `app.use('/admin', createDashboard(engine))`
 * beside `app.use(createRouter(engine))`, or pass `dashboard: true` to `createRouter`/`createApp`.
 * Until the app is built, its pages answer 503 saying so.
 *
 * @param engine - The engine, for the store's settings the app shows (its currency).
 * @param options - Where the API is mounted (`apiBase`).
 */
export function createDashboard(engine: Engine, options: DashboardOptions = {}): Router {
  const router = express.Router();
  const dir = builtAppDir();
  const { apiBase: given = '' } = options;
  const apiBaseFor = typeof given === 'function' ? given : () => given;
  let page: string | undefined;

  router.use('/assets', express.static(join(dir, 'assets'), { immutable: true, maxAge: '1y', index: false }));
  router.get('/{*path}', (req: Request, res: Response, next: NextFunction) => {
    const file = join(dir, 'index.html');
    if (page === undefined) {
      if (!existsSync(file)) {
        return next(
          new HttpError(
            503,
            'dashboard-not-built',
            'Dashboard not built',
            'Run `npm run build` to build the dashboard',
          ),
        );
      }
      page = readFileSync(file, 'utf8');
    }
    // Hashed asset names change with every build; a missing one is a 404, never the page.
    if (req.path.startsWith('/assets/')) return next();
    const apiBase = apiBaseFor(req).replace(/\/$/, '');
    const config = { api_base: apiBase, currency: engine.config.currency };
    res
      .set('Content-Security-Policy', contentSecurityPolicy(apiBase))
      .set('Cache-Control', 'no-cache')
      .type('html')
      .send(
        page
          .replace(BASE_PLACEHOLDER, escapeAttribute(`${req.baseUrl}/`))
          .replace(CONFIG_PLACEHOLDER, escapeAttribute(JSON.stringify(config))),
      );
  });
  return router;
}
