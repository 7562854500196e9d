import { openApiDocument } from '@emporia/http';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';

type Json = Record<string, unknown>;

/** One answer that does not match the OpenAPI document. */
export interface ContractViolation {
  request: string;
  status: number;
  problem: string;
}

interface Operation {
  method: string;
  path: string;
  pattern: RegExp;
  params: number;
  responses: Record<string, { content?: Record<string, { schema?: Json }> }>;
}

const COMPONENTS_ID = 'https://emporia.test/components.json';

/**
 * Answers the app gives before any route runs to a body sent where none is taken: over BODY_LIMIT
 * (413) or not JSON (415). The document declares them on the operations that take a body; every
 * other status the app may give (400 Host, 429, 500, 503) is declared on every operation.
 */
const APP_WIDE_STATUSES = new Set([413, 415]);

/** `#/components/schemas/X` → the same schema inside the standalone components document. */
function retarget(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(retarget);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        k === '$ref' && typeof v === 'string'
          ? v.replace('#/components/schemas/', `${COMPONENTS_ID}#/$defs/`)
          : retarget(v),
      ]),
    );
  }
  return value;
}

/**
 * Checks HTTP answers against the OpenAPI document Emporia serves: the status must be declared for
 * the operation, a declared JSON body must match its schema, and every error must be a problem+json
 * body. Paths outside the document (docs pages, unknown routes, metrics) only need error bodies to
 * be problems.
 */
export class ContractChecker {
  readonly violations: ContractViolation[] = [];
  private readonly operations: Operation[] = [];
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  private readonly validators = new Map<string, ValidateFunction>();
  /** The body schema of each event type's webhook (the document's `webhooks` section). */
  private readonly webhookBodies = new Map<string, Json>();
  /** The schema of one message of each `text/event-stream` operation, by path. */
  private readonly streamMessages = new Map<string, Json>();

  constructor(document: Json = openApiDocument()) {
    const doc = retarget(document) as {
      paths: Record<string, Record<string, Json>>;
      webhooks?: Record<string, { post: { requestBody: { content: Record<string, { schema: Json }> } } }>;
      components: { schemas: Json };
    };
    this.ajv.addSchema({ $id: COMPONENTS_ID, $defs: doc.components.schemas });
    for (const [type, { post }] of Object.entries(doc.webhooks ?? {})) {
      this.webhookBodies.set(type, post.requestBody.content['application/json'].schema);
    }
    for (const [path, methods] of Object.entries(doc.paths)) {
      const params = (path.match(/\{\w+\}/g) ?? []).length;
      const pattern = new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{\w+\\?\}/g, '[^/]+')}$`);
      for (const [method, op] of Object.entries(methods)) {
        this.operations.push({ method, path, pattern, params, responses: op.responses as Operation['responses'] });
        const stream = (op.responses as Operation['responses'])['200']?.content?.['text/event-stream']?.schema;
        if (stream) this.streamMessages.set(path, stream);
      }
    }
    // Literal segments win over parameters (`/api/products/import` before `/api/products/{id}`).
    this.operations.sort((a, b) => a.params - b.params);
  }

  private validator(key: string, schema: Json): ValidateFunction {
    let v = this.validators.get(key);
    if (!v) this.validators.set(key, (v = this.ajv.compile(schema)));
    return v;
  }

  /** Checks one answer; records and returns the problems found. */
  check(method: string, url: string, status: number, contentType: string, body: string): ContractViolation[] {
    const path = url.split('?')[0];
    const found: ContractViolation[] = [];
    const fail = (problem: string) => found.push({ request: `${method.toUpperCase()} ${path}`, status, problem });
    const op = this.operations.find((o) => o.method === method.toLowerCase() && o.pattern.test(path));
    const isJson = /^application\/(problem\+)?json/.test(contentType);
    let parsed: unknown;
    if (isJson && body.length) {
      try {
        parsed = JSON.parse(body);
      } catch {
        fail('body is not JSON although the content type says so');
      }
    }
    if (status >= 400) {
      if (!contentType.startsWith('application/problem+json'))
        fail(`error answered as '${contentType}', not problem+json`);
      else this.validate('Problem', { $ref: `${COMPONENTS_ID}#/$defs/Problem` }, parsed, fail);
    }
    if (op) {
      const declared = op.responses[String(status)];
      if (!declared && !APP_WIDE_STATUSES.has(status))
        fail(`status ${status} is not declared for ${op.method.toUpperCase()} ${op.path}`);
      else if (status < 400) {
        const media = Object.entries(declared.content ?? {})[0];
        if (media?.[1].schema && isJson) {
          this.validate(`${op.method} ${op.path} ${status}`, media[1].schema, parsed, fail);
        } else if (media && !contentType.startsWith(media[0].split(';')[0]) && status !== 204) {
          fail(`answered '${contentType}', declared '${media[0]}'`);
        }
      }
    }
    this.violations.push(...found);
    return found;
  }

  /** Checks the body of a webhook Emporia sent for `type` against the document's `webhooks` section. */
  checkWebhook(type: string, body: string): string[] {
    const problems: string[] = [];
    const schema = this.webhookBodies.get(type);
    if (!schema) return [`no webhook documented for '${type}'`];
    this.validate(`webhook ${type}`, schema, JSON.parse(body), (p) => problems.push(p));
    return problems;
  }

  /** Checks one message (`{id, event, data}`) of the event stream at `path` against its documented schema. */
  checkStreamMessage(path: string, message: unknown): string[] {
    const problems: string[] = [];
    const schema = this.streamMessages.get(path);
    if (!schema) return [`no event stream documented at ${path}`];
    this.validate(`stream ${path}`, schema, message, (p) => problems.push(p));
    return problems;
  }

  private validate(key: string, schema: Json, value: unknown, fail: (p: string) => void): void {
    const v = this.validator(key, schema);
    if (!v(value)) {
      for (const e of v.errors ?? []) fail(`body${e.instancePath} ${e.message} (${JSON.stringify(e.params)})`);
    }
  }

  /** Express middleware that checks every answer passing through it; `prefix` is where the API is mounted. */
  middleware(prefix = '') {
    return (req: Request, res: Response, next: NextFunction) => {
      // Under a prefix, the host's own routes are not Emporia's to check.
      if (prefix && !req.originalUrl.startsWith(`${prefix}/`)) return next();
      let body = '';
      // The body as it is written: `res.send` ends with it, and the conditional JSON answers end
      // with their encoded bytes directly.
      const end = res.end.bind(res) as (...args: unknown[]) => Response;
      res.end = ((chunk?: unknown, ...rest: unknown[]) => {
        if (typeof chunk === 'string') body = chunk;
        else if (Buffer.isBuffer(chunk)) body = chunk.toString('utf8');
        return end(chunk, ...rest);
      }) as Response['end'];
      res.on('finish', () => {
        this.check(
          req.method,
          req.originalUrl.slice(prefix.length),
          res.statusCode,
          String(res.getHeader('content-type') ?? ''),
          body,
        );
      });
      next();
    };
  }
}

/** One line per distinct violation (ids folded), with how often it was seen. */
export function summarizeViolations(violations: ContractViolation[]): string[] {
  const counts = new Map<string, number>();
  for (const v of violations) {
    const line = `${v.request.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '{id}')} → ${v.status}: ${v.problem}`;
    counts.set(line, (counts.get(line) ?? 0) + 1);
  }
  return [...counts].map(([line, n]) => (n > 1 ? `${line} (×${n})` : line));
}

/** `app` behind a checker: every answer the tests see through it is checked against the document. */
export function withContract(app: Express, checker: ContractChecker, prefix = ''): Express {
  const outer = express();
  outer.disable('x-powered-by');
  outer.use(checker.middleware(prefix));
  outer.use(app);
  return outer;
}
