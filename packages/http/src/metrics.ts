import { timingSafeEqual } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { systemContext, type Engine } from '@emporia/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { HttpError } from './problem.js';

/** The Prometheus metrics of one app: its registry, the request timer and the `/metrics` handler. */
export interface Metrics {
  /** The prom-client registry (a host may register its own metrics in it). */
  registry: Registry;
  /** Times every request; mount first so it sees every answer. */
  track: RequestHandler;
  /** `GET /metrics` in the Prometheus text format. */
  endpoint: RequestHandler;
}

/** Route labels by declared path (a route is mounted under one base URL or a few). */
const routeLabels = new Map<string, string>();

/** `/api/products/:id` → `/api/products/{id}`: the declared path, never the raw URL (bounded label values). */
function routeLabel(req: Request): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof path !== 'string') return 'unmatched';
  const declared = req.baseUrl + path;
  let label = routeLabels.get(declared);
  if (label === undefined) {
    label = declared.replace(/:(\w+)/g, '{$1}');
    // Bounded like the label values: declared paths only, never a raw URL.
    if (routeLabels.size < 10_000) routeLabels.set(declared, label);
  }
  return label;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Who may scrape: a caller presenting `Authorization: Bearer <METRICS_TOKEN>`, or, without a
 * token configured, a direct loopback caller (no proxy headers: a proxy on the same host would
 * otherwise make every client look local).
 */
function mayScrape(req: Request, token: string | undefined): boolean {
  if (token) {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    return Boolean(m && sameToken(m[1], token));
  }
  const direct = req.headers['x-forwarded-for'] === undefined && req.headers.forwarded === undefined;
  return direct && LOOPBACK.has(req.socket.remoteAddress ?? '');
}

/**
 * Prometheus metrics on a per-app registry (several apps in one process do not clash): request
 * durations by route and status, process defaults, and shop figures read from the database at
 * scrape time (orders and payments by status, job queue by status, connection pool use).
 */
export function createMetrics(engine: Engine): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'emporia_' });
  const duration = new Histogram({
    name: 'emporia_http_request_duration_seconds',
    help: 'HTTP request duration by method, declared route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });

  let stats: ReturnType<NonNullable<Engine['store']['stats']>> | undefined;
  // One database read per scrape feeds every gauge below.
  const readStats = () => (stats ??= engine.store.stats?.().finally(() => setImmediate(() => (stats = undefined))));
  const byStatus = (table: string, name: string, help: string) =>
    new Gauge({
      name,
      help,
      labelNames: ['status'],
      registers: [registry],
      async collect() {
        const s = await readStats()?.catch(() => undefined);
        this.reset();
        for (const c of s?.statusCounts ?? []) if (c.table === table) this.set({ status: c.status }, c.count);
      },
    });
  byStatus('orders', 'emporia_orders', 'Orders placed, by current status');
  byStatus('payments', 'emporia_payments', 'Payments by outcome (pending, succeeded, failed)');
  // Jobs live in the database or in BullMQ: the job service counts them on either backend.
  new Gauge({
    name: 'emporia_jobs',
    help: 'Background jobs by status (queued is the queue depth, dead the failures)',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const counts = await engine.jobs.counts(systemContext({ clock: engine.clock })).catch(() => undefined);
      this.reset();
      for (const [status, n] of Object.entries(counts ?? {})) this.set({ status }, n);
    },
  });
  new Gauge({
    name: 'emporia_db_pool_connections',
    help: 'Database connections by state (used, free, pending acquires, max)',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const s = await readStats()?.catch(() => undefined);
      if (!s) return;
      for (const [state, n] of Object.entries(s.pool)) this.set({ state }, n);
    },
  });

  return {
    registry,
    track(req: Request, res: Response, next: NextFunction) {
      const started = performance.now();
      // 'finish' comes once per answer: a plain listener, without `once`'s wrapper per request.
      res.on('finish', () =>
        duration.observe(
          { method: req.method, route: routeLabel(req), status: res.statusCode },
          (performance.now() - started) / 1000,
        ),
      );
      next();
    },
    async endpoint(req: Request, res: Response, next: NextFunction) {
      try {
        if (!mayScrape(req, engine.config.metricsToken)) {
          throw new HttpError(
            403,
            'forbidden',
            'Forbidden',
            'Metrics are served to loopback callers, or to callers presenting METRICS_TOKEN',
          );
        }
        res.type(registry.contentType).send(await registry.metrics());
      } catch (err) {
        next(err);
      }
    },
  };
}
