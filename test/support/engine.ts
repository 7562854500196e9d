import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDefaultEngine, type DefaultEngineOptions } from '@emporia/adapters';
import { ManualClock, type Config, type Engine } from '@emporia/core';
import { createApp } from '@emporia/http';
import type { Express } from 'express';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { createTestDatabase, testDialects, type TestDatabase, type TestDialect } from './databases.js';
import { ContractChecker, summarizeViolations, withContract } from './contract.js';

export interface TestEnv {
  dialect: TestDialect;
  engine: Engine;
  app: Express;
  clock: ManualClock;
  url: string;
  /** Every answer `app` gave, checked against the OpenAPI document (asserted after each suite). */
  contract: ContractChecker;
}

/** Test configuration: quiet logs, fixed secrets. */
export function testConfig(overrides: Partial<Config> = {}): Partial<Config> {
  return {
    env: 'test',
    logLevel: 'silent',
    jwtSecret: 'test-secret-that-is-long-enough-for-hs256-signing',
    paymentWebhookSecret: 'test-webhook-secret-long-enough-for-signing',
    worker: 'off',
    // Mail from tests (no SMTP_URL) goes to a temp folder, never into the repo's ./data.
    mailDir: join(tmpdir(), 'emporia-test-mail'),
    // Tests that read what they wrote around the services opt in to the catalog cache (catalog-cache.test.ts).
    catalogCache: 'off',
    ...overrides,
  };
}

/** A migrated engine + app over a fresh database of the dialect. Close with `env.close()`. */
export async function createTestEnv(
  dialect: TestDialect,
  overrides: Partial<Config> = {},
  /** Ports of the test's own (payment providers, mailer); database, config and clock are the test's. */
  engineOptions: Omit<DefaultEngineOptions, 'database' | 'config' | 'clock'> = {},
): Promise<TestEnv & { db: TestDatabase; close(): Promise<void> }> {
  const db = await createTestDatabase(dialect, { migrated: true });
  const clock = new ManualClock(new Date());
  const engine = await createDefaultEngine({
    ...engineOptions,
    database: db.url,
    config: testConfig(overrides),
    clock,
  });
  const contract = new ContractChecker();
  const app = withContract(createApp(engine, { logger: pino({ level: 'silent' }) }), contract);
  return {
    dialect,
    engine,
    app,
    clock,
    url: db.url,
    contract,
    db,
    async close() {
      await engine.close();
      await db.drop();
    },
  };
}

/**
 * Runs the suite once per dialect, each with its own fresh database. `env()` gives the
 * current dialect's engine and app inside tests.
 */
export function describeEachDatabase(
  title: string,
  suite: (env: () => TestEnv) => void,
  overrides: Partial<Config> = {},
  engineOptions: Parameters<typeof createTestEnv>[2] = {},
): void {
  for (const dialect of testDialects()) {
    describe(`${title} [${dialect}]`, () => {
      let current: Awaited<ReturnType<typeof createTestEnv>> | undefined;
      beforeAll(async () => {
        current = await createTestEnv(dialect, overrides, engineOptions);
      });
      afterAll(async () => {
        const violations = current?.contract.violations ?? [];
        await current?.close();
        // The contract test: every answer the suite saw through `app` matches the OpenAPI document.
        expect(summarizeViolations(violations), 'answers that do not match the OpenAPI document').toEqual([]);
      });
      suite(() => {
        if (!current) throw new Error('test environment not ready');
        return current;
      });
    });
  }
}
