import type { Actor, Engine } from '@emporia/core';
import type { Request } from 'express';

/**
 * Turns a request into an actor. The default reads Emporia's JWTs; an embedding app may supply
 * its own (e.g. from its session) through `createRouter(engine, { authenticate })`.
 */
export type Authenticate = (req: Request, engine: Engine) => Promise<Actor>;

/**
 * The token from `Authorization: Bearer <token>` (or `JWT <token>`), for an `authenticate` of your
 * own: null when there is no header, undefined when the header is malformed.
 */
export function bearerToken(req: Request): string | null | undefined {
  const header = req.headers.authorization;
  if (header === undefined) return null;
  const m = /^(?:Bearer|JWT)\s+(\S+)\s*$/i.exec(header);
  return m ? m[1] : undefined;
}
