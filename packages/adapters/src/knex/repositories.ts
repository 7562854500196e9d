import type { StoreRepositories } from '@emporia/core';
import type { Knex } from 'knex';
import type { Dialect } from './database.js';
import { KnexEventOutbox } from './outbox.repository.js';
import { KnexCartRepository } from './cart.repository.js';
import { KnexIdempotencyRepository, KnexOrderRepository, KnexStatusHistoryRepository } from './orders.repository.js';
import { KnexPaymentRepository } from './payments.repository.js';
import { KnexRefundRepository } from './refunds.repository.js';
import { KnexTaxRateRepository } from './tax-rates.repository.js';
import { KnexAddressRepository } from './addresses.repository.js';
import { KnexShippingRepository } from './shipping.repository.js';
import { KnexPromotionRepository } from './promotions.repository.js';
import { KnexInventoryRepository } from './inventory.repository.js';
import { KnexCategoryRepository } from './categories.repository.js';
import { KnexProductRepository } from './products.repository.js';
import { KnexProductSearchIndex } from './search.repository.js';
import { KnexAccountTokenRepository } from './account-tokens.repository.js';
import { KnexLoginThrottleRepository } from './login-throttles.repository.js';
import { KnexRefreshTokenRepository } from './refresh-tokens.repository.js';
import { KnexRoleRepository } from './roles.repository.js';
import { KnexUserRepository } from './users.repository.js';
import { KnexJobRepository } from '../jobs/jobs.repository.js';
import { KnexOutboxDispatch } from '../jobs/outbox-dispatch.js';
import { KnexNotificationDirectory } from '../mail/directory.js';
import { KnexSentMailRepository } from '../mail/sent-mails.repository.js';
import { KnexWebhookRepository } from '../webhooks/webhooks.repository.js';
import { KnexRecommendationRepository } from './recommendations.repository.js';

/** Builds every module's knex repository. Each module adds its line here. */
export function createRepositories(knex: Knex, dialect: Dialect): StoreRepositories {
  return {
    outbox: new KnexEventOutbox(knex),
    inventory: new KnexInventoryRepository(knex),
    categories: new KnexCategoryRepository(knex),
    products: new KnexProductRepository(knex, dialect),
    productSearch: new KnexProductSearchIndex(knex, dialect),
    users: new KnexUserRepository(knex),
    roles: new KnexRoleRepository(knex),
    refreshTokens: new KnexRefreshTokenRepository(knex),
    loginThrottles: new KnexLoginThrottleRepository(knex),
    accountTokens: new KnexAccountTokenRepository(knex),
    jobs: new KnexJobRepository(knex, dialect),
    outboxDispatch: new KnexOutboxDispatch(knex, dialect),
    notificationDirectory: new KnexNotificationDirectory(knex),
    sentMails: new KnexSentMailRepository(knex),
    webhooks: new KnexWebhookRepository(knex),
    carts: new KnexCartRepository(knex),
    orders: new KnexOrderRepository(knex, dialect),
    statusHistory: new KnexStatusHistoryRepository(knex),
    idempotencyKeys: new KnexIdempotencyRepository(knex),
    payments: new KnexPaymentRepository(knex),
    refunds: new KnexRefundRepository(knex),
    recommendations: new KnexRecommendationRepository(knex, dialect),
    taxRates: new KnexTaxRateRepository(knex),
    addresses: new KnexAddressRepository(knex),
    shipping: new KnexShippingRepository(knex),
    promotions: new KnexPromotionRepository(knex),
  };
}
