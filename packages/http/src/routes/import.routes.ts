import { jobSchema, MAX_IMPORT_BYTES, requirePermission, PERMISSIONS } from '@emporia/core';
import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import { HttpError } from '../problem.js';
import { route } from '../route.js';

const readCsv = express.text({ type: ['text/csv', 'text/plain', 'application/csv'], limit: MAX_IMPORT_BYTES });

/** The CSV body as text; the JSON parser of the router leaves other content types unread. */
function csvBody(req: Request, res: Response): Promise<string> {
  return new Promise((resolve, reject) => {
    readCsv(req, res, (err?: unknown) => {
      const e = err as { type?: string } | undefined;
      if (e?.type === 'entity.too.large') {
        return reject(
          new HttpError(413, 'payload-too-large', 'Body too large', `A CSV may be at most ${MAX_IMPORT_BYTES} bytes`),
        );
      }
      if (err) return reject(err);
      if (typeof req.body !== 'string') {
        return reject(
          new HttpError(415, 'unsupported-media-type', 'Unsupported content type', 'Send the file as text/csv'),
        );
      }
      resolve(req.body);
    });
  });
}

export const importRoutes = [
  route({
    method: 'post',
    path: '/api/products/import',
    operationId: 'importProducts',
    summary: 'Import products from CSV (staff): answers 202 with the job; rows create or update by SKU',
    description:
      'Send the file as `text/csv` (columns `sku,name,description,status,price,currency,stock`; see docs/csv-import.md). Follow the job at `GET /api/jobs/{id}`: `progress` while it runs, then `result` with created, updated and failed rows, each failure with its line number and reason.',
    tags: ['catalog'],
    auth: 'user',
    bodyContentType: 'text/csv',
    body: z.unknown(),
    status: 202,
    response: jobSchema,
    errors: [403, 413, 415],
    async handler({ engine, ctx, req, res }) {
      requirePermission(ctx, PERMISSIONS.importRun); // before reading a large body
      const job = await engine.jobs.startProductImport(ctx, await csvBody(req, res));
      res.status(202).setHeader('Location', `${req.baseUrl}/api/jobs/${job.id}`);
      return job;
    },
  }),
];
