import { createConfig, lintFromString } from '@redocly/openapi-core';
import { EVENT_TYPES, REALTIME_EVENT_TYPES } from '@emporia/core';
import { openApiDocument } from '@emporia/http';
import { describe, expect, it } from 'vitest';
import { ContractChecker } from '../../../test/support/contract.js';

const document = openApiDocument();

function refsOf(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refsOf(v, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refsOf(v, out);
    }
  }
  return out;
}

describe('the OpenAPI document clients are generated from', () => {
  it('passes Redocly lint (the recommended rules of `redocly lint`) with no errors', async () => {
    const config = await createConfig({ extends: ['recommended'] });
    const problems = await lintFromString({
      source: JSON.stringify(document),
      absoluteRef: 'openapi.json',
      config,
    });
    const errors = problems
      .filter((p) => p.severity === 'error')
      .map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`);
    expect(errors).toEqual([]);
  });

  it('resolves every $ref, including refs between components (Product → Variant)', () => {
    const components = document.components as Record<string, Record<string, unknown>>;
    const refs = refsOf(document);
    expect(refs).toContain('#/components/schemas/Variant');
    // Shared error answers and their headers are components too (`Problem404`, `Retry-After`).
    expect(refs).toContain('#/components/responses/Problem500');
    for (const ref of refs) {
      const [, kind, name] = ref.match(/^#\/components\/(schemas|responses|headers)\/(.+)$/) ?? [];
      expect(kind, ref).toBeDefined();
      expect(components[kind][name], ref).toBeDefined();
    }
  });

  it('documents the webhook of every event type, signed, and each message of the event stream', () => {
    type Webhook = { post: { parameters: Array<{ name: string }>; requestBody: { content: Record<string, unknown> } } };
    const webhooks = document.webhooks as Record<string, Webhook>;
    expect(Object.keys(webhooks)).toEqual(EVENT_TYPES);
    for (const [type, { post }] of Object.entries(webhooks)) {
      expect(
        post.parameters.map((p) => p.name),
        type,
      ).toContain('Emporia-Signature');
      expect(refsOf(post.requestBody), type).toHaveLength(1);
    }
    const schemas = (document.components as { schemas: Record<string, { oneOf?: unknown[] }> }).schemas;
    const stream = (document.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>)[
      '/api/events'
    ].get.responses['200'] as { content: unknown };
    expect(refsOf(stream.content)).toEqual(['#/components/schemas/EventStreamMessage']);
    const messages = schemas.EventStreamMessage.oneOf as Array<{ properties: { event: { const: string } } }>;
    expect(messages.map((m) => m.properties.event.const)).toEqual(REALTIME_EVENT_TYPES);
  });

  it('has a contract checker that catches an undeclared status, a wrong body and a non-problem error', () => {
    const checker = new ContractChecker(document);
    expect(checker.check('GET', '/health', 200, 'application/json', '{"status":"ok"}')).toEqual([]);
    expect(checker.check('GET', '/health', 200, 'application/json', '{"status":"fine"}')).not.toEqual([]);
    expect(checker.check('GET', '/health', 418, 'application/problem+json', '{}')[0].problem).toMatch(
      /not declared|required/,
    );
    expect(checker.check('GET', '/api/orders', 401, 'text/html', 'nope')[0].problem).toMatch(/not problem\+json/);
    const placed = { id: 'e', type: 'order.placed', created_at: 't' };
    const data = { order_id: 'o', number: 'EM-1', user_id: null, total: 1, currency: 'USD' };
    expect(checker.checkWebhook('order.placed', JSON.stringify({ ...placed, data }))).toEqual([]);
    expect(
      checker.checkWebhook('order.placed', JSON.stringify({ ...placed, data: { ...data, extra: 1 } })),
    ).not.toEqual([]);
    // A literal path wins over a parameter, and unknown paths only need problem bodies.
    expect(checker.check('GET', '/api/nothing', 404, 'application/problem+json', problem(404))).toEqual([]);
  });
});

function problem(status: number): string {
  return JSON.stringify({ type: 'https://emporia.dev/problems/x', title: 'X', status });
}
