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
  429: 'Rate limited',
};

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
  const header = (name: string, description: string) => ({
    name,
    in: 'header',
    required: true,
    description,
    schema: { type: 'string' },
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
          header(SIGNATURE_HEADER, '`t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`'),
          header('Emporia-Event', `\`${type}\``),
          header('Emporia-Delivery', 'The event id, the same on every retry'),
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
  for (const r of routes) {
    const responses: Record<string, unknown> = {};
    const ok = r.status ?? 200;
    responses[String(ok)] =
      ok === 204 || !r.response
        ? { description: STATUS_TEXT[ok] ?? 'OK' }
        : {
            description: STATUS_TEXT[ok] ?? 'OK',
            content: {
              [r.responseContentType ?? 'application/json']: { schema: toSchema(r.response, 'output', registry) },
            },
          };
    if (r.conditional) {
      responses['304'] = {
        description: 'Not modified: the ETag given in If-None-Match is still current',
        headers: { ETag: { schema: { type: 'string' } } },
      };
    }
    const errors = new Set<number>(r.errors ?? []);
    if (r.params || r.query || r.body) errors.add(400);
    // Where a token is optional too, a malformed, bad or expired one is a 401 (never silently anonymous).
    if (r.auth !== 'none') errors.add(401);
    if (r.params) errors.add(404);
    for (const status of [...errors].sort()) {
      responses[String(status)] = {
        description: STATUS_TEXT[status] ?? 'Error',
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
      };
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
                schema: { type: 'string' },
              },
            ]
          : []),
        ...(r.headers ?? []).map((h) => ({
          name: h.name,
          in: 'header',
          required: h.required ?? false,
          description: h.description,
          schema: { type: 'string' },
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
                          properties: { file: { type: 'string', format: 'binary' } },
                          required: ['file'],
                          additionalProperties: false,
                        }
                      : { type: 'string' },
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
          'Besides the answers listed per operation, any operation may answer 400 (Host not allowed), 413 (body too large), 415 (not JSON), 429 (rate limited, with Retry-After) or 503 (timed out).',
    },
    servers: [{ url: info.serverUrl || '/' }],
    paths,
    webhooks: webhookOperations(registry),
    components: {
      schemas: Object.fromEntries(registry),
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    },
  };
}
