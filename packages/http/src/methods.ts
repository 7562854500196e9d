import type { NextFunction, Request, Response } from 'express';
import { HttpError } from './problem.js';
import type { RouteSpec } from './route.js';

interface PathMethods {
  pattern: RegExp;
  methods: Set<string>;
}

/** `/api/products/{id}` → a regex of the path, trailing slash allowed (DRF clients send one). */
function patternOf(path: string): RegExp {
  const escaped = path
    .split(/\{\w+\}/)
    .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
    .join('[^/]+');
  return new RegExp(`^${escaped}/?$`);
}

/** The methods a request path answers, from the route table: `GET` brings `HEAD`, and all `OPTIONS`. */
export function allowedMethods(routes: RouteSpec[]): (path: string) => string[] {
  const byPath = new Map<string, PathMethods>();
  for (const r of routes) {
    const entry = byPath.get(r.path) ?? { pattern: patternOf(r.path), methods: new Set<string>() };
    entry.methods.add(r.method.toUpperCase());
    if (r.method === 'get') entry.methods.add('HEAD');
    byPath.set(r.path, entry);
  }
  const entries = [...byPath.values()];
  const order = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
  return (path) => {
    const methods = new Set<string>();
    for (const e of entries) if (e.pattern.test(path)) for (const m of e.methods) methods.add(m);
    if (!methods.size) return [];
    return [...order.filter((m) => methods.has(m)), 'OPTIONS'];
  };
}

/**
 * After every route: a path the table knows, asked with a method it does not take, is a 405 with
 * `Allow`; `OPTIONS` answers 204 with the same header. Unknown paths pass on (404 further out).
 */
export function methodNotAllowed(routes: RouteSpec[]) {
  const allowed = allowedMethods(routes);
  return (req: Request, res: Response, next: NextFunction): void => {
    const methods = allowed(req.path);
    if (!methods.length) return next();
    res.setHeader('Allow', methods.join(', '));
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    next(
      new HttpError(
        405,
        'method-not-allowed',
        'Method not allowed',
        `${req.method} is not allowed on ${req.path}; allowed: ${methods.join(', ')}`,
        undefined,
        { Allow: methods.join(', ') },
      ),
    );
  };
}
