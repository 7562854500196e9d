import { idSequence, type Engine } from '@emporia/core';
import type { Server } from 'node:http';
import cors from 'cors';
import express, { type Express, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import helmet from 'helmet';
import { pino, type DestinationStream, type Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { fixedHeaders, hostCheck, inSequence, RATE_LIMIT_HEADERS, rateLimit, requestTimeout } from './hardening.js';
import { createMetrics } from './metrics.js';
import { HttpError, sendProblem } from './problem.js';
import { createRouter, type RouterOptions } from './router.js';
import { attachWebSockets } from './websocket.js';

/** Options of `createApp`: the router's (with the dashboard at `/admin` on by default), plus the logger. */
export interface AppOptions extends RouterOptions {
  /** A pino logger; by default one at the configured LOG_LEVEL writing JSON to stdout. */
  logger?: Logger;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * The pino logger `createApp` uses by default: JSON to stdout at the configured `LOG_LEVEL`, with
 * authorization headers, cookies, passwords and tokens removed. Reuse it for a host's own logs.
 * `destination` replaces stdout (`emporia serve` passes one that never blocks on a dead stdout).
 */
export function createLogger(engine: Engine, destination?: DestinationStream): Logger {
  const options = {
    level: engine.config.logLevel,
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.token'], remove: true },
  };
  return destination ? pino(options, destination) : pino(options);
}

/**
 * The standalone HTTP server: metrics, request ids, logs, Host check, per-IP rate limit, request
 * timeout, security headers, CORS, the API, the docs and the dashboard at `/admin`. `createRouter`
 * alone carries none of the middleware.
 */
export function createApp(engine: Engine, options: AppOptions = {}): Express {
  const app = express();
  const config = engine.config;
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  // The client IP (rate limit, logs) comes from X-Forwarded-For only through this many trusted proxies.
  if (config.trustProxy > 0) app.set('trust proxy', config.trustProxy);
  const metrics = createMetrics(engine);
  // The middleware in front of the routes run as one (`inSequence`): each request walked a router
  // layer for every one of them.
  const front: RequestHandler[] = [metrics.track];

  // Request ids are UUIDv7 from a per-process sequence: random bytes drawn 64 KB at a time.
  const requestId = idSequence();
  front.push((req, res, next) => {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : requestId();
    res.locals.requestId = id;
    res.setHeader('X-Request-Id', id);
    next();
  });
  const logger = options.logger ?? createLogger(engine);
  if (!logger.isLevelEnabled('info')) {
    // No request lines at this level, yet pino-http would still build a child logger, serializers
    // and listeners for every request (bench profile). Errors still log, with the request id.
    Object.defineProperty(app.request, 'log', {
      configurable: true,
      get(this: Request) {
        return logger.child({
          req: { id: this.res?.locals.requestId, method: this.method, url: this.originalUrl.split('?')[0] },
        });
      },
    });
  } else {
    front.push(
      pinoHttp({
        logger,
        genReqId: (_req, res) => res.getHeader('X-Request-Id') as string,
        customProps: (_req, res) => ({ user_id: (res as Response).locals?.userId }),
        // Method, path and status only: headers may carry tokens and cookies.
        serializers: {
          req: (req: { id: unknown; method: string; url: string }) => ({
            id: req.id,
            method: req.method,
            url: req.url.split('?')[0],
          }),
          res: (res: { statusCode: number }) => ({ status: res.statusCode }),
        },
        autoLogging: { ignore: (req) => req.url === '/health' },
      }) as RequestHandler,
    );
  }
  if (config.allowedHosts.length) front.push(hostCheck(config.allowedHosts));
  if (config.rateLimit > 0) front.push(rateLimit(engine.rateLimiter, config.rateLimit));
  if (config.requestTimeout > 0) front.push(requestTimeout(config.requestTimeout));
  // Helmet's headers are the same for every request: set from the list it produced once.
  front.push(fixedHeaders(helmet()));
  if (config.corsOrigins.length) {
    front.push(
      cors({
        origin: config.corsOrigins.includes('*') ? '*' : config.corsOrigins,
        credentials: config.corsCredentials,
        exposedHeaders: ['X-Request-Id', 'X-Cart-Token', 'Idempotent-Replayed', 'Retry-After', ...RATE_LIMIT_HEADERS],
      }),
    );
  }
  app.use(inSequence(front));
  app.get('/metrics', metrics.endpoint);
  app.use(createRouter(engine, { ...options, dashboard: options.dashboard ?? true }));
  app.use((req, _res, next) => {
    next(new HttpError(404, 'not-found', 'Not found', `No route for ${req.method} ${req.path}`));
  });
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    void _next;
    sendProblem(req, res, err);
  });
  // The WebSocket endpoint (`/api/ws`) lives on the HTTP server, not in Express: `listen` attaches it.
  const listen = app.listen.bind(app) as (...args: unknown[]) => Server;
  app.listen = ((...args: unknown[]) => {
    const server = listen(...args);
    attachWebSockets(server, engine);
    return server;
  }) as Express['listen'];
  return app;
}
