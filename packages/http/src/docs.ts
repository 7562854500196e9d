import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import express, { type Request, type Response, type Router } from 'express';

const require = createRequire(import.meta.url);
const swaggerUiDir = dirname(require.resolve('swagger-ui-dist/package.json'));
const redocBundle = join(dirname(require.resolve('redoc/package.json')), 'bundles', 'redoc.standalone.js');

// The doc pages load scripts from our own origin only; Redoc needs inline styles and blob workers.
const DOCS_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; worker-src 'self' blob:; font-src 'self' data:";

function page(res: Response, html: string): void {
  res.set('Content-Security-Policy', DOCS_CSP).type('html').send(html);
}

/** Swagger UI at /api/docs and Redoc at /api/redoc, assets served from their npm packages. */
export function docsRouter(): Router {
  const router = express.Router();
  const assets = { maxAge: '1d', index: false } as const;
  router.use('/api/docs/assets', express.static(swaggerUiDir, assets));
  router.get('/api/docs/init.js', (req: Request, res: Response) => {
    const spec = `${req.baseUrl}/api/openapi.json`;
    res
      .type('application/javascript')
      .send(
        `window.ui = SwaggerUIBundle({ url: ${JSON.stringify(spec)}, dom_id: '#swagger-ui', deepLinking: true, persistAuthorization: true });`,
      );
  });
  router.get('/api/docs', (req: Request, res: Response) => {
    const base = `${req.baseUrl}/api/docs`;
    page(
      res,
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Emporia API</title>
<link rel="stylesheet" href="${base}/assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="${base}/assets/swagger-ui-bundle.js"></script><script src="${base}/init.js"></script></body></html>`,
    );
  });
  router.get('/api/redoc/redoc.standalone.js', (_req: Request, res: Response) => {
    res.sendFile(redocBundle, { maxAge: '1d' });
  });
  router.get('/api/redoc', (req: Request, res: Response) => {
    page(
      res,
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Emporia API — Redoc</title></head>
<body><redoc spec-url="${req.baseUrl}/api/openapi.json"></redoc>
<script src="${req.baseUrl}/api/redoc/redoc.standalone.js"></script></body></html>`,
    );
  });
  return router;
}
