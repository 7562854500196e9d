import { jobSchema, MAX_IMPORT_BYTES, requirePermission, PERMISSIONS } from '@emporia/core';
import busboy from 'busboy';
import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import { HttpError } from '../problem.js';
import { route } from '../route.js';

const readCsv = express.text({ type: ['text/csv', 'text/plain', 'application/csv'], limit: MAX_IMPORT_BYTES });

const tooLarge = () =>
  new HttpError(413, 'payload-too-large', 'Body too large', `A CSV may be at most ${MAX_IMPORT_BYTES} bytes`);
const badForm = (detail: string) => new HttpError(400, 'validation-error', 'Invalid multipart body', detail);

/**
 * The `file` field of a `multipart/form-data` body (as `curl -F file=@products.csv` sends it), as text.
 * Any other field, a second file or no file at all is a 400; a file over the import limit is a 413.
 */
function multipartCsv(req: Request): Promise<string> {
  return new Promise((resolve, reject) => {
    let form: busboy.Busboy;
    try {
      form = busboy({ headers: req.headers, limits: { fileSize: MAX_IMPORT_BYTES, files: 1, fields: 0 } });
    } catch {
      return reject(badForm('The multipart body has no boundary'));
    }
    const chunks: Buffer[] = [];
    let problem: HttpError | undefined;
    let sawFile = false;
    const refuse = (err: HttpError) => {
      problem ??= err;
    };
    form.on('file', (name, stream) => {
      if (name !== 'file' || sawFile) {
        refuse(
          badForm(name !== 'file' ? `Unknown field '${name}'; send the CSV in the field 'file'` : 'Send one file'),
        );
        stream.resume();
        return;
      }
      sawFile = true;
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => refuse(tooLarge()));
    });
    form.on('field', (name) => refuse(badForm(`Unknown field '${name}'; send the CSV in the field 'file'`)));
    form.on('fieldsLimit', () => refuse(badForm("Only the field 'file' is accepted")));
    form.on('filesLimit', () => refuse(badForm('Send one file')));
    form.on('error', () => reject(problem ?? badForm('The multipart body is malformed')));
    form.on('close', () => {
      if (problem) return reject(problem);
      if (!sawFile) return reject(badForm("The multipart body has no field 'file'"));
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.pipe(form);
  });
}

/** The CSV body as text; the JSON parser of the router leaves other content types unread. */
function csvBody(req: Request, res: Response): Promise<string> {
  if (req.is('multipart/form-data')) return multipartCsv(req);
  return new Promise((resolve, reject) => {
    readCsv(req, res, (err?: unknown) => {
      const e = err as { type?: string } | undefined;
      if (e?.type === 'entity.too.large') {
        return reject(tooLarge());
      }
      if (err) return reject(err);
      if (typeof req.body !== 'string') {
        return reject(
          new HttpError(
            415,
            'unsupported-media-type',
            'Unsupported content type',
            'Send the file as text/csv or multipart/form-data (field file)',
          ),
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
      'Send the file as `text/csv`, or as `multipart/form-data` with the file in the field `file` (`curl -F file=@products.csv`); columns `sku,name,description,status,price,currency,stock`; see docs/csv-import.md. A header with unknown or missing columns is a 400 and no job is made. Follow the job at `GET /api/jobs/{id}`: `progress` while it runs, then `result` with created, updated and failed rows, each failure with its line number and reason.',
    tags: ['catalog'],
    auth: 'user',
    bodyContentType: ['text/csv', 'multipart/form-data'],
    bodyMaxBytes: MAX_IMPORT_BYTES,
    body: z.unknown(),
    status: 202,
    response: jobSchema,
    errors: [400, 403, 413, 415],
    async handler({ engine, ctx, req, res }) {
      requirePermission(ctx, PERMISSIONS.importRun); // before reading a large body
      const job = await engine.jobs.startProductImport(ctx, await csvBody(req, res));
      res.status(202).setHeader('Location', `${req.baseUrl}/api/jobs/${job.id}`);
      return job;
    },
  }),
];
