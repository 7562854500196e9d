/** Names for the generated API types (schema.d.ts), importable by code that needs no client. */
import type { components, paths } from './schema.js';

/** The API's named schemas: `Schemas['Product']`. */
export type Schemas = components['schemas'];

/** The JSON body an operation takes: `RequestBody<'/api/products', 'post'>`. */
export type RequestBody<P extends keyof paths, M extends 'post' | 'patch' | 'put'> =
  NonNullable<paths[P][M]> extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;
