/**
 * @emporia/adapters — the knex store (SQLite, PostgreSQL), migrations, and the ready-made engine.
 */
export { createDefaultEngine, type DefaultEngineOptions } from './engine.js';
export { loadConfig, readEnv, dataDir, enforceProductionRules } from './config.js';
export { openDatabase, dialectOf, type Dialect } from './knex/database.js';
export { KnexStore, createKnexStore } from './knex/store.js';
export { createMailer } from './mail/mailer.js';
export { importProducts } from './jobs/product-import.js';
export { createWebhookSender, isInternalAddress, type WebhookSenderOptions } from './webhooks/sender.js';
export { HostedPaymentProvider, type HostedProviderOptions } from './payments/hosted.provider.js';
export { ManualPaymentProvider } from './payments/manual.provider.js';
export * from './backup/index.js';
export { Argon2PasswordHasher, ARGON2_OPTIONS } from './identity/argon2.hasher.js';
export {
  migrations,
  migrateLatest,
  migrateRollback,
  migrationStatus,
  latestMigrationName,
  type Migration,
  type MigrationStatus,
} from './migrations/index.js';
