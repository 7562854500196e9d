import 'reflect-metadata';
import { Container } from 'inversify';
import type { Clock } from './shared/clock.js';
import { systemClock } from './shared/clock.js';
import type { Config } from './shared/config.js';
import type { HealthCheck, Store } from './shared/store.js';
import { errorText } from './shared/input.js';
import { TOKENS } from './shared/tokens.js';
import { MemoryRateLimiter, type RateLimiter } from './shared/rate-limit.js';
import { cartModule } from './cart/module.js';
import type { CartService } from './cart/cart.service.js';
import { CART_TOKENS } from './cart/ports.js';
import type { CatalogService } from './catalog/catalog.service.js';
import type { StockAdministration } from './catalog/inventory.service.js';
import { catalogModule } from './catalog/module.js';
import { CatalogAnswerCache, type CatalogCache } from './catalog/cache.js';
import { CATALOG_TOKENS } from './catalog/ports.js';
import type { IdentityService } from './identity/identity.service.js';
import { identityModule } from './identity/module.js';
import { IDENTITY_TOKENS, type PasswordHasher } from './identity/ports.js';
import { jobModule } from './jobs/module.js';
import { JOB_TOKENS, type JobQueue } from './jobs/ports.js';
import { registerMaintenance, SUCCEEDED_JOB_RETENTION_MS } from './jobs/maintenance.js';
import type { JobService } from './jobs/jobs.service.js';
import type { EventBus } from './notifications/bus.js';
import type { WebhookService } from './notifications/webhooks.service.js';
import { notificationModule, type NotificationPorts } from './notifications/module.js';
import { NOTIFICATION_TOKENS } from './notifications/ports.js';
import { RealtimeHub, type RealtimeSignal } from './notifications/realtime-hub.js';
import { orderModule } from './orders/module.js';
import type { OrderService } from './orders/orders.service.js';
import { ORDER_TOKENS } from './orders/ports.js';
import { paymentModule } from './payments/module.js';
import type { PaymentService } from './payments/payments.service.js';
import { PAYMENT_TOKENS, type PaymentProvider } from './payments/ports.js';
import { recommendationModule } from './recommendations/module.js';
import { RECOMMENDATION_TOKENS } from './recommendations/ports.js';
import { registerRecommendationJobs } from './recommendations/job.js';
import type { RecommendationService } from './recommendations/recommendations.service.js';
import { pricingModule } from './pricing/module.js';
import { taxModule } from './tax/module.js';
import { addressModule } from './addresses/module.js';
import type { AddressService } from './addresses/addresses.service.js';
import { ADDRESS_TOKENS } from './addresses/ports.js';
import { shippingModule } from './shipping/module.js';
import { SHIPPING_TOKENS } from './shipping/ports.js';
import type { ShippingService } from './shipping/shipping.service.js';
import { promotionModule } from './promotions/module.js';
import { PROMOTION_TOKENS } from './promotions/ports.js';
import type { PromotionService } from './promotions/promotions.service.js';
import { TAX_TOKENS, type TaxCalculator } from './tax/ports.js';
import type { TaxService } from './tax/tax.service.js';

/** The ports an engine is built from. Core never picks an implementation itself. */
export interface EnginePorts {
  /** The validated configuration (`parseConfig` in core, `loadConfig` in adapters). */
  config: Config;
  /** Persistence: the knex store from adapters (`createKnexStore`) or one of your own. */
  store: Store;
  /** Time source for services, tokens and jobs (default: the system clock; tests pass a ManualClock). */
  clock?: Clock;
  /** Password hashing (Argon2id in adapters). */
  passwordHasher: PasswordHasher;
  /** Mailer and mail templates; without a mailer no e-mail is queued. */
  notifications?: NotificationPorts;
  /** Payment providers by name (adapters ship `manual` and `hosted`). */
  paymentProviders?: PaymentProvider[];
  /** Wakes live streams when any process commits events (Redis, PostgreSQL); without it they poll. */
  realtimeSignal?: RealtimeSignal | null;
  /** Which tax rates apply where (default: the rate table staff keep through `engine.tax`). */
  taxCalculator?: TaxCalculator;
  /** Counts client budgets (`RATE_LIMIT`, guest carts); default: in process memory. */
  rateLimiter?: RateLimiter;
  /** Where jobs queue and run instead of the database's `jobs` table (BullMQ in adapters with `REDIS_URL`). */
  jobQueue?: JobQueue;
  /** Keeps public catalog answers (an LRU or Redis in adapters, from `CATALOG_CACHE`); without it nothing is cached. */
  catalogCache?: CatalogCache | null;
}

/** The running engine: services for each domain module, plus lifecycle. */
export interface Engine {
  /** The configuration the engine was built with. */
  readonly config: Config;
  /** The store the services persist through. */
  readonly store: Store;
  /**
   * The inversify container the services were built in; an app may add bindings of its own.
   * Replace ports through `createEngine`'s arguments instead: the services are created with the engine.
   */
  readonly container: Container;
  /** The engine's time source; pass it to contexts you create (`systemContext({ clock })`). */
  readonly clock: Clock;
  /** Stock administration: staff adjustments, absolute sets and the movement log (sale-time moves are internal). */
  readonly inventory: StockAdministration;
  /** Categories, products and variants. */
  readonly catalog: CatalogService;
  /**
   * The cache of public catalog answers the HTTP router serves from (null: `CATALOG_CACHE=off`).
   * `catalogCache.apply(events)` invalidates by committed events; `listen()` hears every process's.
   */
  readonly catalogCache: CatalogAnswerCache | null;
  /** Users, roles, passwords, tokens; `identity.authenticate(ctx, token)` → actor. */
  readonly identity: IdentityService;
  /** Background jobs: enqueue, read, and `jobs.createRunner()` to run them. */
  readonly jobs: JobService;
  /** `events.on('order.placed', handler)`: domain events after commit, through the job runner; `events.feed(ctx)`: live. */
  readonly events: EventBus;
  /** Outgoing webhook subscriptions (admins) and their delivery log. */
  readonly webhooks: WebhookService;
  /** Customer and guest carts. */
  readonly cart: CartService;
  /** Checkout (idempotent), order reads and the order lifecycle (`orders.lifecycle` takes hooks). */
  readonly orders: OrderService;
  /** Payments through the configured providers, and their signed callbacks. */
  readonly payments: PaymentService;
  /** "Bought together", "similar" and "for you"; `rebuild` recomputes them, `evaluate` measures them. */
  readonly recommendations: RecommendationService;
  /** Tax rates by country, region and tax class (staff), and the rates at a destination. */
  readonly tax: TaxService;
  /** Client budgets (`RATE_LIMIT`, `GUEST_CARTS_PER_HOUR`), shared by every process when its store is. */
  readonly rateLimiter: RateLimiter;
  /** Customers' address books; `addresses.eraseForUser(ctx, userId)` is account erasure's hook. */
  readonly addresses: AddressService;
  /** Shipping zones and methods (staff), and which methods apply to a cart. */
  readonly shipping: ShippingService;
  /** Promotion codes (staff), which carts hold and checkout redeems within their limits. */
  readonly promotions: PromotionService;
  /** Checks every dependency; `/ready` answers 200 only when all are ok. */
  health(): Promise<HealthCheck[]>;
  /** Stops the job runners this engine started, then closes the store; safe to call twice. */
  close(): Promise<void>;
}

/**
 * Builds an engine from ports you supply: binds them and every module's services in an inversify
 * container and registers the maintenance job. `createDefaultEngine` in `@emporia/adapters` does
 * this with the shipped adapters; call it directly to bring your own store, hasher or providers.
 *
 * @param ports - Configuration, store, password hasher and the optional clock, notifications and payment providers.
 * @returns The running engine; call `close()` on shutdown.
 */
export function createEngine(ports: EnginePorts): Engine {
  const container = new Container();
  const clock = ports.clock ?? systemClock;
  // The ports: what the embedder passed in. Every module takes what it needs from these by token.
  container.bind(TOKENS.Config).toConstantValue(ports.config);
  container.bind(TOKENS.Store).toConstantValue(ports.store);
  container.bind(TOKENS.UnitOfWork).toConstantValue(ports.store.unitOfWork);
  container.bind(TOKENS.Clock).toConstantValue(clock);
  container.bind(IDENTITY_TOKENS.PasswordHasher).toConstantValue(ports.passwordHasher);
  container.bind(PAYMENT_TOKENS.Providers).toConstantValue(ports.paymentProviders ?? []);
  const { mailer, mailTemplates, webhookSender } = ports.notifications ?? {};
  if (mailer) container.bind(NOTIFICATION_TOKENS.Mailer).toConstantValue(mailer);
  if (mailTemplates) container.bind(NOTIFICATION_TOKENS.MailTemplates).toConstantValue(mailTemplates);
  if (webhookSender) container.bind(NOTIFICATION_TOKENS.WebhookSender).toConstantValue(webhookSender);
  const hub = new RealtimeHub(
    ports.store.repositories.outboxDispatch,
    clock,
    { maxStreamsPerUser: ports.config.maxStreamsPerUser, maxStreams: ports.config.maxStreams },
    ports.realtimeSignal ?? null,
  );
  container.bind(NOTIFICATION_TOKENS.RealtimeHub).toConstantValue(hub);
  const catalogCache = ports.catalogCache
    ? new CatalogAnswerCache(ports.catalogCache, hub, ports.config.catalogCachePages)
    : null;
  if (ports.taxCalculator) container.bind(TAX_TOKENS.TaxCalculator).toConstantValue(ports.taxCalculator);
  if (ports.jobQueue) container.bind(JOB_TOKENS.JobQueue).toConstantValue(ports.jobQueue);
  // The modules: each binds its repositories (from the store) and its services.
  container.load(
    identityModule,
    catalogModule,
    taxModule,
    pricingModule,
    addressModule,
    shippingModule,
    promotionModule,
    cartModule,
    orderModule,
    paymentModule,
    notificationModule,
    jobModule,
    recommendationModule,
  );

  const rateLimiter = ports.rateLimiter ?? new MemoryRateLimiter(clock);
  const jobs = container.get<JobService>(JOB_TOKENS.JobService);
  const identity = container.get<IdentityService>(IDENTITY_TOKENS.IdentityService);
  const orders = container.get<OrderService>(ORDER_TOKENS.OrderService);
  // A guest who registers with their orders' e-mail gets them once the address is proven theirs.
  container.get<EventBus>(NOTIFICATION_TOKENS.EventBus).on(
    'user.email_verified',
    async (event, ctx) => {
      await orders.claimGuestOrders(ctx, event.payload.user_id, event.payload.email);
    },
    { subscriber: 'guest-orders' },
  );
  registerMaintenance(jobs, {
    identity: (ctx) => identity.purgeExpired(ctx),
    idempotency_keys: (ctx) => orders.purgeExpiredIdempotencyKeys(ctx),
    succeeded_jobs: (ctx) =>
      jobs.purge(ctx, {
        status: 'succeeded',
        before: new Date(ctx.clock.now().getTime() - SUCCEEDED_JOB_RETENTION_MS).toISOString(),
      }),
    rate_limits: (ctx) => rateLimiter.purgeExpired(ctx.clock.now()),
  });

  const recommendations = container.get<RecommendationService>(RECOMMENDATION_TOKENS.RecommendationService);
  registerRecommendationJobs(jobs, recommendations, ports.config.recommendationsRebuildInterval);

  let closed = false;
  return {
    config: ports.config,
    store: ports.store,
    container,
    clock,
    inventory: container.get<StockAdministration>(CATALOG_TOKENS.InventoryService),
    catalog: container.get<CatalogService>(CATALOG_TOKENS.CatalogService),
    catalogCache,
    identity,
    jobs,
    events: container.get<EventBus>(NOTIFICATION_TOKENS.EventBus),
    webhooks: container.get<WebhookService>(NOTIFICATION_TOKENS.WebhookService),
    cart: container.get<CartService>(CART_TOKENS.CartService),
    orders,
    payments: container.get<PaymentService>(PAYMENT_TOKENS.PaymentService),
    recommendations,
    tax: container.get<TaxService>(TAX_TOKENS.TaxService),
    rateLimiter,
    addresses: container.get<AddressService>(ADDRESS_TOKENS.AddressService),
    shipping: container.get<ShippingService>(SHIPPING_TOKENS.ShippingService),
    promotions: container.get<PromotionService>(PROMOTION_TOKENS.PromotionService),
    async health() {
      try {
        await ports.store.ping();
        return [{ name: 'database', ok: true }, ...jobs.health()];
      } catch (err) {
        return [{ name: 'database', ok: false, detail: errorText((err as Error).message.split('\n')[0]) }];
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await jobs.stopRunners();
      await catalogCache?.close();
      await hub.close();
      await rateLimiter.close();
      await ports.store.close();
    },
  };
}
