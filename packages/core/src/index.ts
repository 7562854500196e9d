/**
 * @emporia/core — the domain: schemas, services, ports, events and errors. No I/O.
 *
 * This list is the whole public surface, on purpose: everything else in `src/` is internal and
 * may change without notice. Widening it is a deliberate act: `test/embedding-surface.test.ts`
 * compares every root's exports with `test/public-surface.json` and requires TSDoc on each.
 */

// ---------------------------------------------------------------- engine and configuration
export { createEngine, type Engine, type EnginePorts } from './engine.js';
export { parseConfig, type Config, type Env } from './shared/config.js';
export { ManualClock, type Clock } from './shared/clock.js';
export {
  MemoryRateLimiter,
  rateLimitedError,
  secondsUntil,
  type RateLimiter,
  type RateUsage,
  type RateWindow,
} from './shared/rate-limit.js';

// ---------------------------------------------------------------- context and authorization
export {
  systemContext,
  anonymousContext,
  userContext,
  can,
  requirePermission,
  requireUser,
  type Actor,
  type Context,
  type ContextOptions,
  type Transaction,
} from './shared/context.js';
export { PERMISSIONS, BUILT_IN_ROLES, type Permission } from './identity/permissions.js';

// ---------------------------------------------------------------- errors
export {
  EmporiaError,
  ValidationError,
  NotFoundError,
  ConflictError,
  OutOfStockError,
  AmountTooLargeError,
  CartFullError,
  RefundLimitError,
  InvalidTransitionError,
  UnauthorizedError,
  ForbiddenError,
  EmailNotVerifiedError,
  RateLimitedError,
  IdempotencyKeyMismatchError,
  PromotionNotApplicableError,
  ConfigError,
  type FieldError,
} from './shared/errors.js';
export { InvalidSignatureError } from './shared/signature.js';
export { WebhookBlockedError } from './notifications/webhooks.ports.js';
export { isInternalAddress, webhookUrlProblem } from './notifications/addresses.js';

// ---------------------------------------------------------------- events
export {
  EVENT_TYPES,
  eventPayloadSchemas,
  eventEnvelopeSchema,
  type DomainEvents,
  type EventType,
  type OutboxEvent,
} from './notifications/events.js';
export { EventBus, type EventHandler } from './notifications/bus.js';
export { RealtimeFeed, REALTIME_EVENT_TYPES } from './notifications/realtime.js';
export {
  RealtimeHub,
  type RealtimeOptions,
  type RealtimeSignal,
  type RealtimeStream,
} from './notifications/realtime-hub.js';

// ---------------------------------------------------------------- services
export { IdentityService } from './identity/identity.service.js';
export { CatalogService } from './catalog/catalog.service.js';
export { productAnswerJson } from './catalog/views.js';
export type { SeedOptions, SeedResult } from './catalog/seed.service.js';
export {
  CatalogAnswerCache,
  CATALOG_CACHE_TAGS,
  staleTags,
  type CachedAnswer,
  type CatalogCache,
} from './catalog/cache.js';
export {
  InventoryService,
  type SaleVariant,
  type StockAdministration,
  type StockLine,
} from './catalog/inventory.service.js';
export { CartService } from './cart/cart.service.js';
export { OrderService } from './orders/orders.service.js';
export type { OrderLifecycle } from './orders/lifecycle.js';
export { REFUND_ORDER_STATUSES } from './orders/lifecycle.js';
export { PaymentService } from './payments/payments.service.js';
export type { PaymentLifecycle, RefundLifecycle } from './payments/lifecycle.js';
export type { TransitionChange, TransitionHook } from './shared/state-machine.js';
export { JobService } from './jobs/jobs.service.js';
export type { JobRunner, RunnerDeps, RunnerLogger, RunnerOptions } from './jobs/runner.js';
export { INLINE_RUNNER_SHARE, restAfterPollMs, retryDelayMs } from './jobs/runner.js';
export type { JobExecution } from './jobs/ports.js';
export { scheduleMaintenance, MAINTENANCE_INTERVAL_MS } from './jobs/maintenance.js';
export { WebhookService } from './notifications/webhooks.service.js';
export { RecommendationService } from './recommendations/recommendations.service.js';
export { scheduleRecommendationRebuild, RECOMMENDATIONS_REBUILD_JOB } from './recommendations/job.js';
export { MAX_PAGE_SIZE } from './shared/pagination.js';
export type { KeysetPage, ListResult, Page } from './shared/pagination.js';
export { parseInput } from './shared/validation.js';
export {
  MAX_AMOUNT,
  MAX_ERROR_TEXT,
  MAX_INT32,
  MAX_JSON_BYTES,
  MAX_JSON_DEPTH,
  MAX_LINES,
  errorText,
  hasControlCharacters,
  int32,
  int64,
  jsonObject,
  jsonProblem,
  text,
} from './shared/input.js';

// ---------------------------------------------------------------- schemas and types: identity
export {
  emailSchema,
  passwordSchema,
  usernameSchema,
  userSchema,
  erasureResultSchema,
  registerInputSchema,
  createUserInputSchema,
  updateUserInputSchema,
  userListQuerySchema,
  tokenRequestSchema,
  tokenPairSchema,
  verifyResultSchema,
  passwordResetRequestSchema,
  passwordResetConfirmSchema,
  verifyEmailInputSchema,
  roleSchema,
  createRoleInputSchema,
  updateRoleInputSchema,
  type User,
  type ErasureResult,
  type RegisterInput,
  type CreateUserInput,
  type UpdateUserInput,
  type UserListQuery,
  type TokenRequest,
  type TokenPair,
  type VerifyResult,
  type PasswordResetRequest,
  type PasswordResetConfirm,
  type VerifyEmailInput,
  type Role,
  type CreateRoleInput,
  type UpdateRoleInput,
} from './identity/schemas.js';

// ---------------------------------------------------------------- schemas and types: catalog
export {
  PRODUCT_STATUSES,
  PRODUCT_SORTS,
  categorySchema,
  categoryNodeSchema,
  createCategorySchema,
  updateCategorySchema,
  categoryListQuerySchema,
  deleteCategoryQuerySchema,
  productSchema,
  variantSchema,
  createProductSchema,
  updateProductSchema,
  createVariantSchema,
  updateVariantSchema,
  productListQuerySchema,
  stockAdjustmentSchema,
  stockMovementSchema,
  MAX_MOVEMENTS,
  MAX_VARIANTS,
  type ProductStatus,
  type ProductSort,
  type Category,
  type CategoryNode,
  type CreateCategoryInput,
  type UpdateCategoryInput,
  type DeleteCategoryOptions,
  type Product,
  type ProductOption,
  type Variant,
  type CreateProductInput,
  type UpdateProductInput,
  type VariantInput,
  type UpdateVariantInput,
  type ProductListQuery,
  type StockAdjustmentInput,
  type StockMovement,
} from './catalog/schemas.js';

// ---------------------------------------------------------------- schemas and types: cart, orders, payments
export {
  cartSchema,
  addCartItemSchema,
  updateCartItemSchema,
  updateCartSchema,
  type UpdateCartInput,
  type Cart,
  type CartItem,
  type CartLineStatus,
  type AddCartItemInput,
  type UpdateCartItemInput,
  type CartAccess,
  type CartResult,
} from './cart/schemas.js';
export {
  ORDER_STATUSES,
  orderSchema,
  placeOrderSchema,
  placedOrderSchema,
  updateOrderSchema,
  orderListQuerySchema,
  type OrderStatus,
  type Order,
  type OrderItem,
  type PlaceOrderInput,
  type PlaceOrderOptions,
  type PlaceOrderResult,
  type UpdateOrderInput,
  type OrderListQuery,
} from './orders/schemas.js';
export {
  PAYMENT_STATUSES,
  paymentSchema,
  createPaymentSchema,
  paymentListQuerySchema,
  webhookAnswerSchema,
  hostedCallbackSchema,
  REFUND_STATUSES,
  refundOrderSchema,
  refundSchema,
  refundLineSchema,
  refundWebhookAnswerSchema,
  type RefundStatus,
  type RefundOrderInput,
  type RefundOrderOptions,
  type Refund,
  type RefundLine,
  type RefundWebhookAnswer,
  type PaymentStatus,
  type Payment,
  type CreatePaymentInput,
  type GuestPaymentAccess,
  type PaymentListQuery,
  type WebhookAnswer,
  type HostedCallback,
} from './payments/schemas.js';

// ---------------------------------------------------------------- schemas and types: recommendations
export {
  MAX_RECOMMENDATIONS,
  productRecommendationKindSchema,
  productRecommendationQuerySchema,
  forMeQuerySchema,
  recommendationListSchema,
  type ProductRecommendationKind,
  type ProductRecommendationQuery,
  type ForMeQuery,
  type RecommendationList,
  type RebuildResult,
  type EvaluationFigures,
  type KindEvaluation,
  type EvaluationReport,
  type SeedOrdersOptions,
  type SeedOrdersResult,
  type RecommendationProgress,
} from './recommendations/schemas.js';

// ---------------------------------------------------------------- schemas and types: jobs, webhooks, mail
export {
  JOB_STATUSES,
  jobSchema,
  jobListQuerySchema,
  jobPurgeSchema,
  type JobStatus,
  type Job,
  type JobProgress,
  type ClaimedJob,
  type JobListQuery,
  type JobPurgeInput,
} from './jobs/schemas.js';
export {
  PRODUCT_IMPORT_JOB,
  MAX_IMPORT_BYTES,
  PRODUCT_IMPORT_COLUMNS,
  productImportRowSchema,
  productImportResultSchema,
  type ProductImportRow,
  type ProductImportResult,
} from './jobs/import.schemas.js';
export { importErrorMessage, type ImportBatchOutcome, type ImportRecord } from './catalog/product-import.js';
export {
  webhookSubscriptionSchema,
  createdWebhookSchema,
  createWebhookSchema,
  updateWebhookSchema,
  webhookDeliveryLogSchema,
  MAX_DELIVERIES,
  type WebhookSubscription,
  type CreatedWebhook,
  type CreateWebhookInput,
  type UpdateWebhookInput,
  type WebhookDeliveryLog,
} from './notifications/webhooks.schemas.js';
export {
  defaultMailTemplates,
  type MailTemplate,
  type MailTemplateName,
  type MailTemplates,
} from './notifications/templates.js';

// ---------------------------------------------------------------- helpers
export { idSequence, newId } from './shared/ids.js';
export { formatMoney, minorUnitsHint } from './shared/money.js';
export { signWebhook, verifyWebhook, SIGNATURE_HEADER } from './shared/signature.js';

// ---------------------------------------------------------------- ports: what a custom adapter implements
export type {
  RecommendationRepository,
  Basket,
  NeighbourRow,
  SeedProduct,
  SeedHistory,
} from './recommendations/ports.js';
export type { ContentFeatures } from './recommendations/content.js';
export type { Scored } from './recommendations/model.js';
export type { Store, StoreRepositories, UnitOfWork, HealthCheck, StoreStats } from './shared/store.js';
export type { ListWindow, RowPage } from './shared/pagination.js';
export type {
  PasswordHasher,
  PersonalDataEraser,
  UserRepository,
  UserRecord,
  UserFilter,
  UserPatch,
  RoleRepository,
  RoleRecord,
  RolePatch,
  RefreshTokenRepository,
  RefreshTokenRecord,
  LoginThrottleRepository,
  ThrottlePolicy,
  AccountTokenRepository,
  AccountTokenRecord,
  AccountTokenPurpose,
} from './identity/ports.js';
export type {
  CategoryRepository,
  ProductRepository,
  ProductRow,
  VariantRow,
  ListedProductRow,
  ProductListRequest,
  ProductListFilter,
  ProductSortKey,
  InventoryRepository,
  SaleVariantRow,
  StockChange,
  ProductSearchIndex,
} from './catalog/ports.js';
export { searchWords } from './catalog/text.js';
export type { CartRepository, CartRecord, CartItemRecord, CartCheckoutFields } from './cart/ports.js';
export type {
  OrderRepository,
  OrderRecord,
  OrderItemRecord,
  OrderFilter,
  StatusHistoryRepository,
  IdempotencyRepository,
  IdempotencyRecord,
  OrderPricingSnapshot,
} from './orders/ports.js';
export type { TaxRateRepository, TaxRateRecord, TaxCalculator, TaxDestination } from './tax/ports.js';
export type { PromotionRepository, PromotionRecord, RedemptionRecord } from './promotions/ports.js';
export type { StatusHistoryEntry } from './shared/state-machine.js';
export type {
  PaymentProvider,
  PaymentStart,
  PaymentNotice,
  PaymentCallback,
  PaymentRepository,
  PaymentRecord,
  PaymentFilter,
  RefundRecord,
  RefundRepository,
  RefundStart,
  RefundStarted,
} from './payments/ports.js';
export type {
  JobRepository,
  JobRecords,
  JobQueue,
  NewJob,
  OutboxDispatch,
  EventSubscriber,
  JobHandler,
} from './jobs/ports.js';
export type { EventOutbox } from './notifications/events.js';
export type { NotificationPorts } from './notifications/module.js';
export type {
  Mailer,
  MailMessage,
  NotificationDirectory,
  Contact,
  SentMail,
  SentMailRepository,
} from './notifications/mail.js';
export type { WebhookSender, WebhookRepository, WebhookRecord } from './notifications/webhooks.ports.js';
// The store's repositories of this module are declared by merging into StoreRepositories.
export type {} from './notifications/ports.js';

// ---------------------------------------------------------------- pricing
export {
  priceCart,
  type PricingInput,
  type PricingLine,
  type PricingPromotion,
  type PricingTaxRate,
  type PricingShipping,
  type PriceBreakdown,
  type PricedLine,
  type TaxLine,
  type AppliedDiscount,
} from './pricing/pipeline.js';
export { breakdownTotals, shippingPriceFor } from './pricing/pipeline.js';
export { taxLineSchema, appliedDiscountSchema } from './pricing/schemas.js';
export { PricingService, type PricingOptions } from './pricing/pricing.service.js';
export { PRICING_TOKENS } from './pricing/module.js';

// ---------------------------------------------------------------- tax
export { TaxService } from './tax/tax.service.js';
export { TAX_TOKENS } from './tax/ports.js';
export { RateTableTaxCalculator } from './tax/rate-table.js';
export {
  taxRateSchema,
  createTaxRateSchema,
  updateTaxRateSchema,
  replaceTaxRateSchema,
  taxRateListQuerySchema,
  taxClassSchema,
  countrySchema,
  type TaxRate,
  type CreateTaxRateInput,
  type UpdateTaxRateInput,
  type ReplaceTaxRateInput,
} from './tax/schemas.js';

// ---------------------------------------------------------------- addresses
export { AddressService } from './addresses/addresses.service.js';
export { ADDRESS_TOKENS, type AddressRepository, type AddressRecord } from './addresses/ports.js';
export {
  addressSchema,
  addressInputSchema,
  postalAddressSchema,
  createAddressSchema,
  updateAddressSchema,
  replaceAddressSchema,
  cartAddressInputSchema,
  type Address,
  type AddressInput,
  type PostalAddress,
  type CreateAddressInput,
  type UpdateAddressInput,
  type ReplaceAddressInput,
  type CartAddressInput,
} from './addresses/schemas.js';

// ---------------------------------------------------------------- shipping
export {
  ShippingService,
  zoneCovers,
  weightFits,
  type ShipmentInput,
  type ShippingResolution,
  type CheckoutShipping,
} from './shipping/shipping.service.js';
export {
  SHIPPING_TOKENS,
  type ShippingRepository,
  type ShippingZoneRecord,
  type ShippingMethodRecord,
} from './shipping/ports.js';
export {
  shippingZoneSchema,
  createShippingZoneSchema,
  updateShippingZoneSchema,
  replaceShippingZoneSchema,
  shippingMethodSchema,
  createShippingMethodSchema,
  updateShippingMethodSchema,
  replaceShippingMethodSchema,
  shippingMethodListQuerySchema,
  shippingOptionSchema,
  chosenShippingMethodSchema,
  type ShippingZone,
  type CreateShippingZoneInput,
  type UpdateShippingZoneInput,
  type ReplaceShippingZoneInput,
  type ShippingMethod,
  type CreateShippingMethodInput,
  type UpdateShippingMethodInput,
  type ReplaceShippingMethodInput,
  type ShippingOption,
  type ChosenShippingMethod,
} from './shipping/schemas.js';
// ---------------------------------------------------------------- promotions
export { PromotionService, customerKeyOf, type PromotionBasket } from './promotions/promotions.service.js';
export { PROMOTION_TOKENS } from './promotions/ports.js';
export {
  promotionSchema,
  createPromotionSchema,
  updatePromotionSchema,
  replacePromotionSchema,
  applyPromotionSchema,
  promotionKindSchema,
  PROMOTION_REFUSALS,
  type Promotion,
  type PromotionKind,
  type PromotionRefusal,
  type CreatePromotionInput,
  type UpdatePromotionInput,
  type ReplacePromotionInput,
  type ApplyPromotionInput,
} from './promotions/schemas.js';
