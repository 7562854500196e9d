import { EVENT_TYPES, eventEnvelopeSchema, SIGNATURE_HEADER } from '@emporia/core';
import { z } from 'zod';
import { problemSchema } from './problem.js';
import { aliasesOf } from './query.js';
import type { RouteSpec } from './route.js';

type JsonSchema = Record<string, unknown>;

const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No content',
  400: 'Invalid input',
  401: 'Missing, invalid or expired token',
  403: 'Not allowed',
  404: 'Not found',
  405: 'Method not allowed',
  409: 'Conflict',
  413: 'Body too large',
  415: 'Unsupported content type',
  422: 'Idempotency key reused with a different body',
  429: 'Rate limited: retry after the seconds in Retry-After',
  500: 'Internal error: a problem that reveals nothing but the request id',
  503: 'Timed out (REQUEST_TIMEOUT) or not ready',
};

/** Paths `RATE_LIMIT` does not count (load balancer probes): they never answer 429 nor carry its headers. */
const UNLIMITED_PATHS = new Set(['/health', '/ready']);

const MAX_INT32 = 2_147_483_647;
/** Node's limit on a request's headers (16 KiB): no header value is longer. */
const MAX_HEADER_LENGTH = 16_384;

/**
 * Response headers shared by every operation (`components.headers`): the `RateLimit-*` budget the
 * per-address limit sends when `RATE_LIMIT` is set (hardening.ts), `Retry-After` on a 429, and the
 * CORS origin sent when the request's `Origin` is listed in `CORS_ORIGINS`.
 */
const SHARED_HEADERS: Record<string, JsonSchema> = {
  'RateLimit-Limit': {
    description: 'Requests allowed per window from this address (sent when `RATE_LIMIT` is set)',
    schema: { type: 'integer', format: 'int32', minimum: 1, maximum: MAX_INT32 },
  },
  'RateLimit-Remaining': {
    description: 'Requests left in the current window (sent when `RATE_LIMIT` is set)',
    schema: { type: 'integer', format: 'int32', minimum: 0, maximum: MAX_INT32 },
  },
  'RateLimit-Reset': {
    description: 'Seconds until the window starts over (sent when `RATE_LIMIT` is set)',
    schema: { type: 'integer', format: 'int32', minimum: 1, maximum: 60 },
  },
  'Retry-After': {
    description: 'Seconds to wait before trying again',
    required: true,
    schema: { type: 'integer', format: 'int32', minimum: 1, maximum: MAX_INT32 },
  },
  'Access-Control-Allow-Origin': {
    description: 'The allowed origin, when the request comes from one listed in `CORS_ORIGINS`',
    schema: { type: 'string', maxLength: 2048 },
  },
};

/** How the access tokens follow the JSON Web Token best current practices (packages/core/src/identity/tokens.ts). */
const JWT_DESCRIPTION =
  'An access token from `POST /api/auth/token`, as `Authorization: Bearer <token>` (`JWT <token>` is accepted too). ' +
  'The tokens follow RFC8725 (JWT Best Current Practices): one pinned algorithm (HS256; `none` and every other ' +
  '`alg` refused), issuer and audience checked, `exp` always required, and access and refresh tokens typed so ' +
  'one never passes for the other. Access tokens live minutes; refresh tokens rotate and a reused one revokes its family.';

const headerRef = (name: string) => ({ $ref: `#/components/headers/${name}` });

/** The headers an answer with `status` carries on `path`. */
function responseHeaders(path: string, status: number): Record<string, unknown> {
  const names = ['Access-Control-Allow-Origin'];
  if (!UNLIMITED_PATHS.has(path) && status < 500)
    names.push('RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset');
  if (status === 429) names.push('Retry-After');
  return Object.fromEntries(names.map((n) => [n, headerRef(n)]));
}

/**
 * What JSON Schema leaves open and a client (and an OWASP lint) needs said: an integer's storage
 * (`int32` when its bounds fit 32 bits, else `int64`) and a UUID's length.
 */
function bound(schema: JsonSchema): void {
  const isType = (t: string) => schema.type === t || (Array.isArray(schema.type) && schema.type.includes(t));
  if (isType('integer') && schema.format === undefined) {
    const min = typeof schema.minimum === 'number' ? schema.minimum : -Infinity;
    const max = typeof schema.maximum === 'number' ? schema.maximum : Infinity;
    schema.format = min >= -MAX_INT32 - 1 && max <= MAX_INT32 ? 'int32' : 'int64';
  }
  if (isType('string') && schema.format === 'uuid' && schema.maxLength === undefined) schema.maxLength = 36;
}

/** Shared component schemas (`.meta({ id })`) are emitted once under components.schemas. */
function toSchema(schema: z.ZodType, io: 'input' | 'output', registry: Map<string, JsonSchema>): JsonSchema {
  const json = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    target: 'draft-2020-12',
    reused: 'inline',
    override: (ctx) => {
      // Dates travel as ISO strings.
      if ((ctx.zodSchema as { _zod?: { def?: { type?: string } } })._zod?.def?.type === 'date') {
        ctx.jsonSchema.type = 'string';
        ctx.jsonSchema.format = 'date-time';
      }
      bound(ctx.jsonSchema as JsonSchema);
    },
  }) as JsonSchema;
  const defs = (json.$defs ?? {}) as Record<string, JsonSchema>;
  delete json.$schema;
  delete json.$defs;
  // Components refer to each other (`Product` → `Variant`): their refs need the same rewrite.
  for (const [id, def] of Object.entries(defs)) registry.set(id, rewriteRefs(def) as JsonSchema);
  return rewriteRefs(json) as JsonSchema;
}

function rewriteRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewriteRefs);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = k === '$ref' && typeof v === 'string' ? v.replace('#/$defs/', '#/components/schemas/') : rewriteRefs(v);
    }
    return out;
  }
  return value;
}

function parametersOf(
  schema: z.ZodType | undefined,
  location: 'path' | 'query',
  registry: Map<string, JsonSchema>,
): unknown[] {
  if (!schema) return [];
  const shape = (schema as unknown as { shape?: Record<string, z.ZodType> }).shape ?? {};
  return Object.entries(shape).map(([name, field]) => {
    const s = toSchema(field, 'input', registry);
    const description = (s.description as string | undefined) ?? field.description;
    delete s.description;
    return {
      name,
      in: location,
      required: location === 'path' || !field.safeParse(undefined).success,
      ...(description ? { description } : {}),
      schema: s,
    };
  });
}

/** The operation's description, with what a token changes where one is optional. */
function descriptionOf(r: RouteSpec): string | undefined {
  const token = r.auth === 'public' ? `The token is optional: ${r.withToken ?? 'it changes nothing here'}` : undefined;
  return [r.description, token].filter(Boolean).join('\n\n') || undefined;
}

/** DRF's names for a list's parameters (`search` for `q`, `ordering` for `sort`), documented as such. */
function aliasParameters(schema: z.ZodType | undefined, registry: Map<string, JsonSchema>): unknown[] {
  const shape = (schema as unknown as { shape?: Record<string, z.ZodType> } | undefined)?.shape ?? {};
  return aliasesOf(schema).map(([alias, name]) => {
    const s = toSchema(shape[name] as z.ZodType, 'input', registry);
    delete s.description;
    return { name: alias, in: 'query', required: false, description: `Same as \`${name}\` (DRF's name)`, schema: s };
  });
}

/**
 * The `webhooks` section: what Emporia POSTs to a subscription for each event type, one operation
 * per type of `EVENT_TYPES`, so every event a subscription may name is documented with its body.
 */
function webhookOperations(registry: Map<string, JsonSchema>): Record<string, unknown> {
  const header = (name: string, description: string, schema: JsonSchema) => ({
    name,
    in: 'header',
    required: true,
    description,
    schema: { type: 'string', ...schema },
  });
  return Object.fromEntries(
    EVENT_TYPES.map((type) => {
      const envelope = eventEnvelopeSchema(type);
      const operation = {
        operationId: `webhook_${type.replace(/\./g, '_')}`,
        summary: `${type}: ${envelope.description ?? ''}`.trim(),
        description:
          `Sent to every active subscription to \`${type}\` (\`POST /api/webhooks\`) after the change commits, ` +
          'at least once: the same event keeps its `id` on every delivery. Verify the signature over the raw body ' +
          'with the subscription’s secret before trusting it.',
        tags: ['webhooks'],
        parameters: [
          header(SIGNATURE_HEADER, '`t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`', {
            maxLength: 100,
            pattern: '^t=\\d{1,12},v1=[0-9a-f]{64}$',
          }),
          header('Emporia-Event', `\`${type}\``, { const: type }),
          header('Emporia-Delivery', 'The event id, the same on every retry', { format: 'uuid', maxLength: 36 }),
        ],
        requestBody: {
          required: true,
          content: { 'application/json': { schema: toSchema(envelope, 'output', registry) } },
        },
        responses: {
          '200': {
            description:
              'Any 2xx answer counts as delivered; anything else, or no answer, is retried with backoff. ' +
              'Redirects are not followed.',
          },
        },
        security: [],
      };
      return [type, { post: operation }];
    }),
  );
}

export interface OpenApiInfo {
  title?: string;
  version?: string;
  description?: string;
  /** Where the API is mounted (`/shop`), so "Try it out" calls the right URLs. */
  serverUrl?: string;
}

/** Builds the OpenAPI 3.1 document from the route declarations. */
export function buildOpenApi(routes: RouteSpec[], info: OpenApiInfo = {}): Record<string, unknown> {
  const registry = new Map<string, JsonSchema>();
  toSchema(problemSchema, 'output', registry);
  const paths: Record<string, Record<string, unknown>> = {};
  const problemResponses: Record<string, JsonSchema> = {};
  for (const r of routes) {
    const responses: Record<string, unknown> = {};
    const ok = r.status ?? 200;
    responses[String(ok)] =
      ok === 204 || !r.response
        ? { description: STATUS_TEXT[ok] ?? 'OK', headers: responseHeaders(r.path, ok) }
        : {
            description: STATUS_TEXT[ok] ?? 'OK',
            headers: responseHeaders(r.path, ok),
            content: {
              [r.responseContentType ?? 'application/json']: { schema: toSchema(r.response, 'output', registry) },
            },
          };
    if (r.conditional) {
      responses['304'] = {
        description: 'Not modified: the ETag given in If-None-Match is still current',
        headers: { ...responseHeaders(r.path, 304), ETag: { schema: { type: 'string', maxLength: 64 } } },
      };
    }
    // Every operation refuses an unknown query parameter or a Host outside ALLOWED_HOSTS (400), may
    // fail inside (500, a problem that reveals nothing) and times out after REQUEST_TIMEOUT (503).
    const errors = new Set<number>([...(r.errors ?? []), 400, 500, 503]);
    // Where a token is optional too, a malformed, bad or expired one is a 401 (never silently anonymous).
    if (r.auth !== 'none') errors.add(401);
    if (r.params) errors.add(404);
    if (r.body) errors.add(413);
    if (r.body && !r.bodyContentType) errors.add(415);
    if (!UNLIMITED_PATHS.has(r.path)) errors.add(429);
    // Each error answer is one shared component (`Problem404`), so the document states it once.
    for (const status of [...errors].sort()) {
      const name = `Problem${status}${UNLIMITED_PATHS.has(r.path) ? 'NotRateLimited' : ''}`;
      problemResponses[name] ??= {
        description: STATUS_TEXT[status] ?? 'Error',
        headers: responseHeaders(r.path, status),
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
      };
      responses[String(status)] = { $ref: `#/components/responses/${name}` };
    }
    const operation: Record<string, unknown> = {
      operationId: r.operationId,
      summary: r.summary,
      ...(descriptionOf(r) ? { description: descriptionOf(r) } : {}),
      tags: r.tags,
      parameters: [
        ...parametersOf(r.params, 'path', registry),
        ...parametersOf(r.query, 'query', registry),
        ...aliasParameters(r.query, registry),
        ...(r.conditional
          ? [
              {
                name: 'If-None-Match',
                in: 'header',
                required: false,
                description: 'The ETag of an answer already held; 304 when it is still current.',
                schema: { type: 'string', maxLength: MAX_HEADER_LENGTH },
              },
            ]
          : []),
        ...(r.headers ?? []).map((h) => ({
          name: h.name,
          in: 'header',
          required: h.required ?? false,
          description: h.description,
          schema: { type: 'string', maxLength: h.maxLength },
        })),
      ],
      responses,
      security: r.auth === 'user' ? [{ bearerAuth: [] }] : r.auth === 'none' ? [] : [{}, { bearerAuth: [] }],
    };
    if (r.body) {
      operation.requestBody = {
        required: !r.body.safeParse(undefined).success,
        content: r.bodyContentType
          ? Object.fromEntries(
              [r.bodyContentType].flat().map((type) => [
                type,
                {
                  schema:
                    type === 'multipart/form-data'
                      ? {
                          type: 'object',
                          properties: { file: { type: 'string', format: 'binary', maxLength: r.bodyMaxBytes } },
                          required: ['file'],
                          additionalProperties: false,
                        }
                      : { type: 'string', maxLength: r.bodyMaxBytes },
                },
              ]),
            )
          : { 'application/json': { schema: toSchema(r.body, 'input', registry) } },
      };
    }
    (paths[r.path] ??= {})[r.method] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: info.title ?? 'Emporia API',
      version: info.version ?? '0.1.0',
      description:
        info.description ??
        'Headless commerce API. Errors are RFC 9457 application/problem+json. Authenticate with `Authorization: Bearer <access token>` from POST /api/auth/token. ' +
          'Every operation lists the answers it may give, those of the whole app included: 400 (an unknown query parameter, a Host outside ALLOWED_HOSTS), 413 (body too large), 415 (not JSON), 429 (rate limited, with Retry-After), 500 and 503 (timed out).',
    },
    servers: [{ url: info.serverUrl || '/', 'x-internal': false }],
    paths,
    webhooks: webhookOperations(registry),
    components: {
      schemas: Object.fromEntries(registry),
      responses: Object.fromEntries(Object.entries(problemResponses).sort(([a], [b]) => a.localeCompare(b))),
      headers: SHARED_HEADERS,
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: JWT_DESCRIPTION,
        },
      },
    },
  };
}
