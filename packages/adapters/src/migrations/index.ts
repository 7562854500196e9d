import type { Knex } from 'knex';
import { identityMigration } from './0001_identity.js';
import { outboxMigration } from './0002_outbox.js';
import { catalogMigration } from './0003_catalog.js';
import { ordersMigration } from './0004_orders.js';
import { jobsMigration } from './0005_jobs.js';
import { productCountsMigration } from './0006_product_counts.js';
import { searchRowsStatusMigration } from './0007_search_rows_status.js';
import { sentMailsMigration } from './0008_sent_mails.js';
import { recommendationsMigration } from './0009_recommendations.js';
import { identityWave2Migration } from './0010_identity_wave2.js';
import { accountsMigration } from './0011_accounts.js';
import { economicsMigration } from './0012_economics.js';
import { shippingMigration } from './0013_shipping.js';
import { promotionsMigration } from './0014_promotions.js';
import { refundsMigration } from './0015_refunds.js';
import { searchPopularityMigration } from './0016_search_popularity.js';
import { rateLimitsMigration } from './0019_rate_limits.js';
import { accountErasureMigration } from './0020_account_erasure.js';
import { guestPaymentsMigration } from './0021_guest_payments.js';
import { searchStaticRankMigration } from './0023_search_static_rank.js';
import { cartEmailMigration } from './0026_cart_email.js';
import { bulkLoadIndexesMigration } from './0028_bulk_load_indexes.js';
import { productSortBucketsMigration } from './0029_product_sort_buckets.js';
import { searchPriceWalkMigration } from './0031_search_price_walk.js';
import { searchWordsMigration } from './0032_search_words.js';

import { searchTermHeadsMigration } from './0033_search_term_heads.js';

/** One schema change: its name (sortable) and how to apply and undo it. */
export interface Migration {
  name: string;
  /** False: knex opens no transaction around it (the migration opens its own where it needs one). */
  transaction?: boolean;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/**
 * The tables each migration creates, so its rollback drops them: what `migrate --rollback` shows
 * before it drops a table that holds rows.
 */
const CREATES: Record<string, string[]> = {
  '0001_identity': ['roles', 'users', 'refresh_tokens', 'login_throttles'],
  '0002_outbox': ['outbox_events'],
  '0003_catalog': ['categories', 'products', 'product_variants', 'stock_movements'],
  '0004_orders': ['carts', 'cart_items', 'orders', 'order_items', 'payments', 'status_history', 'idempotency_keys'],
  '0005_jobs': ['jobs', 'webhook_subscriptions', 'webhook_deliveries'],
  '0006_product_counts': ['product_counts'],
  '0008_sent_mails': ['sent_mails'],
  '0011_accounts': ['account_tokens'],
  '0013_shipping': ['addresses', 'shipping_zones', 'shipping_methods'],
  '0014_promotions': ['promotions', 'cart_promotions', 'promotion_redemptions'],
  '0015_refunds': ['refunds'],
  '0019_rate_limits': ['rate_limits'],
  '0028_bulk_load_indexes': ['bulk_load_indexes'],
  '0029_product_sort_buckets': ['product_sort_buckets'],
  '0032_search_words': ['product_search_words'],

  '0033_search_term_heads': ['search_head_terms', 'search_heads'],
};
/** Rows the migrations write themselves (the built-in roles): their table does not count as holding data. */
const SEEDED_TABLES = new Set(['roles']);

/** Every migration, in order. One list serves SQLite, PostgreSQL and MySQL/MariaDB. */
export const migrations: Migration[] = [
  identityMigration,
  outboxMigration,
  catalogMigration,
  ordersMigration,
  jobsMigration,
  productCountsMigration,
  searchRowsStatusMigration,
  sentMailsMigration,
  recommendationsMigration,
  identityWave2Migration,
  accountsMigration,
  economicsMigration,
  shippingMigration,
  promotionsMigration,
  refundsMigration,
  searchPopularityMigration,
  rateLimitsMigration,
  accountErasureMigration,
  guestPaymentsMigration,
  searchStaticRankMigration,
  cartEmailMigration,
  bulkLoadIndexesMigration,
  productSortBucketsMigration,
  searchPriceWalkMigration,
  searchWordsMigration,

  searchTermHeadsMigration,
];

/** Feeds the in-code list to knex, so migrations work the same from sources and from dist. */
class ListMigrationSource implements Knex.MigrationSource<Migration> {
  async getMigrations(): Promise<Migration[]> {
    return migrations;
  }
  getMigrationName(m: Migration): string {
    return m.name;
  }
  async getMigration(m: Migration): Promise<Knex.Migration> {
    return m.transaction === undefined
      ? { up: m.up, down: m.down }
      : // knex reads a migration's own `config.transaction` (its type does not declare it).
        ({ up: m.up, down: m.down, config: { transaction: m.transaction } } as Knex.Migration);
  }
}

const config = (): Knex.MigratorConfig => ({
  migrationSource: new ListMigrationSource(),
  tableName: 'emporia_migrations',
});

/** One migration and whether the database has it applied. */
export interface MigrationStatus {
  name: string;
  applied: boolean;
}

/** Applies pending migrations (`to` stops after that one); returns the names applied. */
export async function migrateLatest(knex: Knex, to?: string): Promise<string[]> {
  if (to !== undefined) {
    if (!migrations.some((m) => m.name === to)) throw new Error(`Unknown migration '${to}'`);
    const applied: string[] = [];
    for (const m of migrations) {
      const status = await migrationStatus(knex);
      if (status.find((s) => s.name === m.name)?.applied) {
        if (m.name === to) break;
        continue;
      }
      const [, names] = (await knex.migrate.up(config())) as [number, string[]];
      applied.push(...names);
      if (m.name === to) break;
    }
    return applied;
  }
  const [, names] = (await knex.migrate.latest(config())) as [number, string[]];
  return names;
}

/** What a rollback would undo: the migrations, newest first, and the tables they drop that hold rows. */
export interface RollbackPreview {
  migrations: string[];
  tables: Array<{ table: string; rows: number }>;
}

/** The migrations `migrateRollback(knex, all)` would undo and the non-empty tables it would drop; changes nothing. */
export async function rollbackPreview(knex: Knex, all = false): Promise<RollbackPreview> {
  const table = config().tableName as string;
  if (!(await knex.schema.hasTable(table))) return { migrations: [], tables: [] };
  const done = (await knex(table).select('name', 'batch').orderBy('id', 'desc')) as Array<{
    name: string;
    batch: number;
  }>;
  const last = Math.max(0, ...done.map((d) => Number(d.batch)));
  const undone = done.filter((d) => all || Number(d.batch) === last).map((d) => d.name);
  const tables: RollbackPreview['tables'] = [];
  for (const name of undone) {
    for (const t of CREATES[name] ?? []) {
      if (SEEDED_TABLES.has(t) || !(await knex.schema.hasTable(t))) continue;
      const [{ count }] = await knex(t).count({ count: '*' });
      if (Number(count) > 0) tables.push({ table: t, rows: Number(count) });
    }
  }
  return { migrations: undone, tables };
}

/** Rolls back the last batch (`all` rolls back everything); returns the names rolled back. */
export async function migrateRollback(knex: Knex, all = false): Promise<string[]> {
  const [, names] = (await knex.migrate.rollback(config(), all)) as [number, string[]];
  return names;
}

/** Every migration Emporia ships, in order, with whether it is applied to this database. */
export async function migrationStatus(knex: Knex): Promise<MigrationStatus[]> {
  const [done] = (await knex.migrate.list(config())) as [Array<{ name: string } | string>, unknown[]];
  const doneNames = new Set(done.map((d) => (typeof d === 'string' ? d : d.name)));
  return migrations.map((m) => ({ name: m.name, applied: doneNames.has(m.name) }));
}
