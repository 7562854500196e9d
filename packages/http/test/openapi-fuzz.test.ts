import fc from 'fast-check';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiDocument } from '@emporia/http';
import { userWithToken, type TestUser } from '../../../test/support/auth.js';
import { createTestEnv } from '../../../test/support/engine.js';
import { testDialects } from '../../../test/support/databases.js';
import { publishedProduct } from './checkout-fixtures.js';

type Json = Record<string, unknown>;

/**
 * Runs per operation. The default keeps CI at about 15 s per dialect; set FUZZ_RUNS (e.g. 2000) for a
 * long local run, and FUZZ_SEED to explore other inputs (a failure prints the seed and path to replay).
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 12);
const SEED = Number(process.env.FUZZ_SEED ?? 14);

const doc = openApiDocument() as {
  paths: Record<string, Record<string, Json>>;
  components: { schemas: Record<string, Json> };
};

/** Stack frames, or SQL statements and driver errors, never belong in an answer. */
const LEAKS = [
  /\n\s+at .+:\d+:\d+/,
  /\b(?:select|insert into|update|delete from)\b[\s\S]*\b(?:from|where|values|set)\b[\s\S]*["`]\w+["`]/i,
  /SQLITE_\w+|ER_[A-Z_]{4,}|syntax error at or near|violates (?:foreign key|unique|check|not-null) constraint/,
];

const HOSTILE: unknown[] = [
  '',
  'a\u0000b',
  '\u0001\u001f\u007f',
  'x'.repeat(100_000),
  '\uFFFF\uD83D\uDE00',
  '\'"\\;--%',
  '../../etc/passwd',
  -1,
  0,
  2_147_483_647,
  2_147_483_648,
  -2_147_483_649,
  Number.MAX_SAFE_INTEGER,
  Number.MAX_SAFE_INTEGER + 2,
  1e308,
  -1e308,
  0.5,
  true,
  null,
  [],
  {},
  { __proto__: { polluted: 1 }, constructor: { prototype: {} } },
  Array.from({ length: 2000 }, (_, i) => i),
];

function resolve(schema: unknown): Json {
  let s = (schema ?? {}) as Json;
  while (typeof s.$ref === 'string') s = doc.components.schemas[s.$ref.split('/').pop() as string] ?? {};
  return s;
}

/** A value of the schema: valid, at its bounds, or hostile. */
function valueOf(raw: unknown, depth = 0): fc.Arbitrary<unknown> {
  const s = resolve(raw);
  const hostile = fc.constantFrom(...HOSTILE);
  if (depth > 4) return hostile;
  const variants = (s.anyOf ?? s.oneOf) as unknown[] | undefined;
  if (variants?.length) return fc.oneof(...variants.map((v) => valueOf(v, depth + 1)));
  if (Array.isArray(s.enum)) return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...s.enum) }, hostile);
  if ('const' in s) return fc.oneof({ weight: 4, arbitrary: fc.constant(s.const) }, hostile);
  let valid: fc.Arbitrary<unknown>;
  switch (s.type) {
    case 'integer': {
      const min = typeof s.minimum === 'number' ? s.minimum : -2_147_483_648;
      const max = typeof s.maximum === 'number' ? s.maximum : 2_147_483_647;
      const lo = Math.max(min, Number.MIN_SAFE_INTEGER);
      const hi = Math.min(max, Number.MAX_SAFE_INTEGER);
      valid = fc.oneof(
        fc.integer({ min: Math.max(lo, -1e9), max: Math.min(hi, 1e9) }),
        fc.constantFrom(lo, hi, lo - 1, hi + 1),
      );
      break;
    }
    case 'number':
      valid = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0, 1e15, -1e15));
      break;
    case 'boolean':
      valid = fc.boolean();
      break;
    case 'array': {
      const max = typeof s.maxItems === 'number' ? s.maxItems : 5;
      valid = fc.array(valueOf(s.items, depth + 1), { maxLength: Math.min(max, 5) });
      break;
    }
    case 'object': {
      const props = (s.properties ?? {}) as Record<string, unknown>;
      const shape = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, valueOf(v, depth + 1)]));
      valid = fc.oneof(
        { weight: 4, arbitrary: fc.record(shape, { requiredKeys: (s.required as string[] | undefined) ?? [] }) },
        fc.record(shape).map((o) => ({ ...o, unknown_field: 1 })),
      );
      break;
    }
    default: {
      const maxLength = typeof s.maxLength === 'number' ? s.maxLength : 300;
      const minLength = typeof s.minLength === 'number' ? s.minLength : 0;
      const formatted =
        s.format === 'uuid'
          ? fc.uuid()
          : s.format === 'date-time'
            ? fc.date({ noInvalidDate: true }).map((d) => d.toISOString())
            : s.format === 'email'
              ? fc.emailAddress()
              : fc.string({ unit: 'binary', maxLength: Math.min(maxLength, 40) });
      valid = fc.oneof(
        { weight: 4, arbitrary: formatted },
        fc.constantFrom('a'.repeat(maxLength), 'a'.repeat(maxLength + 1), 'a'.repeat(minLength)),
      );
    }
  }
  return fc.oneof({ weight: 3, arbitrary: valid }, hostile);
}

/** Header values must stay sendable: visible ASCII, bounded (Node answers 431 itself past its limit). */
const headerValue = fc.oneof(
  fc.string({ unit: 'binary-ascii', maxLength: 200 }).map((v) => v.replace(/[^\x20-\x7e]/g, '')),
  fc.constant('a'.repeat(900)),
);

/** A path parameter: known ids of the fixtures, schema values, or hostile text. */
function pathValue(schema: unknown, known: () => string[]): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(...known()),
    valueOf(schema).map((v) => (typeof v === 'string' ? v : (JSON.stringify(v) ?? ''))),
  );
}

/** A raw body no schema would give: broken JSON, deep JSON, a wrong top-level type. */
const RAW_BODIES = [
  '{',
  '[',
  '"x"',
  '1',
  'null',
  '['.repeat(5000) + ']'.repeat(5000),
  `{"a":${'{"a":'.repeat(3000)}1${'}'.repeat(3001)}`,
];

interface Case {
  method: string;
  path: string;
  op: Json;
}

const cases: Case[] = Object.entries(doc.paths).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, op]) => ({ method, path, op })),
);

for (const dialect of testDialects()) {
  describe(`OpenAPI fuzzer: no 5xx, only declared statuses and problems for client input [${dialect}]`, () => {
    let env: Awaited<ReturnType<typeof createTestEnv>>;
    const users: Record<'customer' | 'staff', TestUser | undefined> = { customer: undefined, staff: undefined };
    const known: string[] = [];

    beforeAll(async () => {
      env = await createTestEnv(dialect);
      users.customer = await userWithToken(env, 'customer');
      users.staff = await userWithToken(env, 'staff');
      const product = await publishedProduct(env);
      known.push(product.id, product.slug, product.variants[0].id, users.customer.user.id);
    });
    afterAll(async () => {
      await env?.close();
    });

    for (const { method, path, op } of cases) {
      it(`${method.toUpperCase()} ${path}`, async () => {
        const params = ((op.parameters ?? []) as Array<{ in: string; name: string; schema: unknown }>) ?? [];
        const content = (op.requestBody as { content?: Record<string, { schema: unknown }> } | undefined)?.content;
        const declared = Object.keys(op.responses as Json);
        const streams = Boolean(
          (op.responses as Record<string, { content?: Json }>)['200']?.content?.['text/event-stream'],
        );
        const pathParams = fc.record(
          Object.fromEntries(
            params.filter((p) => p.in === 'path').map((p) => [p.name, pathValue(p.schema, () => known)]),
          ),
        );
        const query = fc.record(
          Object.fromEntries(params.filter((p) => p.in === 'query').map((p) => [p.name, valueOf(p.schema)])),
          { requiredKeys: [] },
        );
        const headers = fc.record(
          Object.fromEntries(params.filter((p) => p.in === 'header').map((p) => [p.name, headerValue])),
          { requiredKeys: [] },
        );
        const body: fc.Arbitrary<{ raw?: string; json?: unknown } | undefined> = content?.['application/json']
          ? fc.oneof(
              { weight: 6, arbitrary: valueOf(content['application/json'].schema).map((json) => ({ json })) },
              fc.constantFrom(...RAW_BODIES).map((raw) => ({ raw })),
            )
          : content?.['text/csv']
            ? fc.string({ unit: 'binary', maxLength: 400 }).map((raw) => ({ raw }))
            : fc.constant(undefined);
        // An event stream that opens never ends: streams are fuzzed without a token (the ticket is fuzzed).
        const who = streams
          ? fc.constant('none' as const)
          : fc.constantFrom('none' as const, 'customer' as const, 'staff' as const);

        await fc.assert(
          fc.asyncProperty(pathParams, query, headers, body, who, async (pp, q, h, b, as) => {
            // Node refuses a request line past its header limit (16 KiB) with a bare 431 before the app
            // runs, so text in the URL is cut to 2,000 characters; long text is fuzzed in bodies.
            const inUrl = (v: unknown) => (typeof v === 'string' ? v : (JSON.stringify(v) ?? '')).slice(0, 2000);
            const url = path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(inUrl(pp[name])));
            const queryText = Object.entries(q)
              .map(([k, v]) => `${k}=${encodeURIComponent(inUrl(v))}`)
              .join('&');
            let req = request(env.app)[method as 'get'](queryText ? `${url}?${queryText}` : url);
            for (const [k, v] of Object.entries(h)) req = req.set(k, String(v));
            const user = as === 'none' ? undefined : users[as];
            if (user) req = req.set('Authorization', user.headers.Authorization);
            if (b?.raw !== undefined) {
              req = req.set('Content-Type', content?.['text/csv'] ? 'text/csv' : 'application/json').send(b.raw);
            } else if (b) {
              req = req.set('Content-Type', 'application/json').send(JSON.stringify(b.json ?? null));
            }
            const res = await req;
            const what = `${method.toUpperCase()} ${url}?${queryText.slice(0, 200)} as ${as} → ${res.status} ${res.text.slice(0, 300)}`;
            expect(res.status, what).toBeLessThan(500);
            // Every answer is one the document declares for the operation (clients switch on them). An
            // empty path parameter addresses another resource (`/api/products/` is the list), so not this one.
            const addressed = Object.values(pp).every((v) => inUrl(v) !== '');
            if (addressed) expect(declared, what).toContain(String(res.status));
            if (res.status >= 400)
              expect(res.headers['content-type'] ?? '', what).toMatch(/^application\/problem\+json/);
            for (const leak of LEAKS) expect(res.text, what).not.toMatch(leak);
            // A token the fuzzer spent (the account deleted, logged out) is renewed for the next run.
            if (user && method === 'delete' && path === '/api/users/me' && res.status < 300) {
              users[as as 'customer'] = await userWithToken(env, as as 'customer');
            }
          }),
          { numRuns: RUNS, seed: SEED, endOnFailure: true },
        );
      });
    }
  });
}
