import type { IncomingMessage } from 'node:http';
import type { Request } from 'express';

/** A request whose JSON body parser kept the raw bytes (signed webhooks are verified over them). */
type RawBodyRequest = IncomingMessage & { rawBody?: Buffer };

/** The `verify` hook of `express.json`: keeps the exact bytes received. */
export function keepRawBody(req: IncomingMessage, _res: unknown, buf: Buffer): void {
  (req as RawBodyRequest).rawBody = buf;
}

/** The body exactly as received; empty when there was none. */
export function rawBodyOf(req: Request): Buffer {
  return (req as RawBodyRequest).rawBody ?? Buffer.alloc(0);
}
