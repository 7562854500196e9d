/**
 * @emporia/adapters — the knex store (SQLite, PostgreSQL, MySQL/MariaDB), migrations, the shipped ports and the
 * ready-made engine. This list is the whole public surface; everything else in `src/` is internal.
 */

// ---------------------------------------------------------------- the ready-made engine
export { createDefaultEngine, type DefaultEngineOptions } from './engine.js';
export { loadConfig } from './config.js';

// ---------------------------------------------------------------- store and migrations
export { KnexStore, createKnexStore } from './knex/store.js';
export {
  migrateLatest,
  migrateRollback,
  migrationStatus,
  rollbackPreview,
  type MigrationStatus,
  type RollbackPreview,
} from './migrations/index.js';

// ---------------------------------------------------------------- the shipped ports
export { Argon2PasswordHasher } from './identity/argon2.hasher.js';
export { createMailer } from './mail/mailer.js';
export { createWebhookSender, type WebhookSenderOptions } from './webhooks/sender.js';
export { HostedPaymentProvider, type HostedProviderOptions } from './payments/hosted.provider.js';
export { ManualPaymentProvider } from './payments/manual.provider.js';
export { MemoryCatalogCache, createCatalogCache } from './catalog-cache/index.js';

// ---------------------------------------------------------------- operations
export { importProducts } from './jobs/product-import.js';
export { writeBackup, type BackupOptions, type BackupProgress } from './backup/backup.js';
export { restoreBackup, type RestoreOptions } from './backup/restore.js';
export { verifyBackup, BackupFileError, type BackupHeader } from './backup/format.js';
export { writeNativeBackup, restoreNativeBackup, type NativeOptions } from './backup/native.js';
