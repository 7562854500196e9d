import { randomBytes } from 'node:crypto';
import {
  createEngine,
  parseConfig,
  type Clock,
  type Config,
  type Engine,
  type NotificationPorts,
  type PaymentProvider,
} from '@emporia/core';
import { createMailer } from './mail/mailer.js';
import { createWebhookSender } from './webhooks/sender.js';
import { registerProductImport } from './jobs/product-import.js';
import { enforceProductionRules } from './config.js';
import { Argon2PasswordHasher } from './identity/argon2.hasher.js';
import { createKnexStore } from './knex/store.js';
import { HostedPaymentProvider } from './payments/hosted.provider.js';
import { ManualPaymentProvider } from './payments/manual.provider.js';
import { migrateLatest } from './migrations/index.js';
import { KnexEventOutbox } from './knex/outbox.repository.js';
import { createRealtimeSignal } from './realtime/index.js';
import { createCatalogCache } from './catalog-cache/index.js';
import { createRateLimiter } from './rate-limit/index.js';

/** Options of `createDefaultEngine`; everything is optional. */
export interface DefaultEngineOptions {
  /** `sqlite:<file>`, `sqlite::memory:`, `postgres://…` or `mysql://…`; overrides `config.databaseUrl`. */
  database?: string;
  /** Configuration; missing fields take the documented defaults (no environment is read). */
  config?: Partial<Config>;
  /** Apply pending migrations before returning (default true). */
  migrate?: boolean;
  /** Time source (tests pass a ManualClock). */
  clock?: Clock;
  /** Replaces the mailer built from SMTP_URL / MAIL_DIR, or some of the e-mail templates. */
  notifications?: NotificationPorts;
  /** Payment providers of your own, beside `hosted` and `manual`; one with the same name replaces the shipped one. */
  paymentProviders?: PaymentProvider[];
}

/**
 * The ready set: the core engine over the knex store for the configured database, with the
 * adapters Emporia ships. The CLI builds its engine here; embedding apps may too.
 */
export async function createDefaultEngine(options: DefaultEngineOptions = {}): Promise<Engine> {
  const config: Config = { ...parseConfig({}), ...options.config };
  if (options.database) config.databaseUrl = options.database;
  enforceProductionRules(config);
  // Without a configured secret, tokens are signed with a per-process key (development only).
  config.jwtSecret ??= randomBytes(32).toString('base64url');
  config.paymentWebhookSecret ??= randomBytes(32).toString('base64url');

  const store = createKnexStore(config.databaseUrl);
  try {
    if (options.migrate !== false) await migrateLatest(store.knex);
  } catch (err) {
    await store.close();
    throw err;
  }
  const notifications = {
    ...options.notifications,
    mailer: options.notifications?.mailer ?? createMailer(config),
    webhookSender:
      options.notifications?.webhookSender ?? createWebhookSender({ allowedHosts: config.webhookAllowedHosts }),
  };
  const realtimeSignal = await createRealtimeSignal(config, store);
  const catalogCache = await createCatalogCache(config);
  const outbox = store.repositories.outbox instanceof KnexEventOutbox ? store.repositories.outbox : null;
  if (realtimeSignal) outbox?.onCommit(() => realtimeSignal.publish());
  const engine = createEngine({
    catalogCache,
    config,
    store,
    realtimeSignal,
    rateLimiter: await createRateLimiter(config, store, options.clock),
    // REDIS_URL: jobs queue and run on BullMQ; the outbox stays in the database and is relayed there.
    // BullMQ (and ioredis) load only then: they were half of the bundle every start parsed.
    jobQueue: config.redisUrl
      ? new (await import('./jobs/bullmq/queue.js')).BullmqJobQueue({ ...config, redisUrl: config.redisUrl })
      : undefined,
    clock: options.clock,
    notifications,
    passwordHasher: new Argon2PasswordHasher(),
    paymentProviders: [
      ...[new HostedPaymentProvider({ secret: config.paymentWebhookSecret }), new ManualPaymentProvider()].filter(
        (shipped) => !options.paymentProviders?.some((own) => own.name === shipped.name),
      ),
      ...(options.paymentProviders ?? []),
    ],
  });
  // The committing process drops what its write made stale before the write's caller goes on;
  // the other processes hear of it through their realtime subscription (`catalogCache.listen`).
  const answers = engine.catalogCache;
  if (answers) outbox?.onCommit((events) => answers.apply(events));
  registerProductImport(engine);
  return engine;
}
