/**
 * Typed domain errors. Every surface maps these the same way: the HTTP layer turns each
 * `code` into an RFC 9457 problem with a stable type URI, the CLI prints `message` on one line.
 */

/** One problem with one input field; `path` is dotted (`items.0.quantity`). */
export interface FieldError {
  path: string;
  message: string;
}

/** Base of every error Emporia throws on purpose; anything else is a bug (HTTP 500). */
export abstract class EmporiaError extends Error {
  /** Stable machine-readable code; also the last segment of the problem type URI. */
  abstract readonly code: string;
  /** Short human title, the same for every instance of the code. */
  abstract readonly title: string;
  constructor(
    message: string,
    readonly errors?: FieldError[],
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Input that fails its schema or a business rule on a field (HTTP 400, with `errors[]`). */
export class ValidationError extends EmporiaError {
  readonly code: string = 'validation-error';
  readonly title: string = 'Invalid input';
  constructor(message: string, errors: FieldError[] = []) {
    super(message, errors);
  }
}

/** No such resource, or one the actor may not see: another user's order is 404, not 403 (HTTP 404). */
export class NotFoundError extends EmporiaError {
  readonly code = 'not-found';
  readonly title = 'Not found';
}

/** The request clashes with the current state: duplicate slug, SKU or e-mail, a key in use (HTTP 409). */
export class ConflictError extends EmporiaError {
  readonly code: string = 'conflict';
  readonly title: string = 'Conflict';
}

/** A sum or product of amounts (a line or order total, a stock level) would pass what is stored exactly (HTTP 409). */
export class AmountTooLargeError extends ConflictError {
  override readonly code = 'amount-too-large';
  override readonly title = 'Amount too large';
}

/** A refund would pass what the payment captured, counting refunds still pending (HTTP 409). */
export class RefundLimitError extends ConflictError {
  override readonly code = 'refund-exceeds-payment';
  override readonly title = 'Refund exceeds payment';
}

/** A cart already holds `maxCartLines` lines (HTTP 409). */
export class CartFullError extends ConflictError {
  override readonly code = 'cart-full';
  override readonly title = 'Cart full';
}

/** Checkout could not take the stock; `skus` names every short variant (HTTP 409). */
export class OutOfStockError extends ConflictError {
  override readonly code = 'out-of-stock';
  override readonly title = 'Out of stock';
  constructor(readonly skus: string[]) {
    super(`Not enough stock for ${skus.join(', ')}`);
  }
}

/**
 * A promotion code that does not apply to this cart or order now (HTTP 409); `reason` says why:
 * `unknown`, `inactive`, `not_started`, `expired`, `minimum_not_met`, `no_eligible_items`,
 * `usage_limit_reached` or `customer_limit_reached`.
 */
export class PromotionNotApplicableError extends ConflictError {
  override readonly code = 'promotion-not-applicable';
  override readonly title = 'Promotion not applicable';
  constructor(
    readonly promotionCode: string,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** A lifecycle move the state machine does not allow, e.g. `delivered → pending` (HTTP 409). */
export class InvalidTransitionError extends ConflictError {
  override readonly code = 'invalid-transition';
  override readonly title = 'Invalid status transition';
  constructor(
    readonly from: string,
    readonly to: string,
    what = 'status',
  ) {
    super(`Cannot move ${what} from '${from}' to '${to}'`);
  }
}

/** Nobody, or a bad/expired token or session, where a user is needed (HTTP 401). */
export class UnauthorizedError extends EmporiaError {
  readonly code = 'unauthorized';
  readonly title = 'Authentication required';
}

/** An authenticated actor without the permission (HTTP 403). */
export class ForbiddenError extends EmporiaError {
  readonly code: string = 'forbidden';
  readonly title: string = 'Forbidden';
}

/** `REQUIRE_EMAIL_VERIFICATION` is on and the user has not verified their e-mail address (HTTP 403). */
export class EmailNotVerifiedError extends ForbiddenError {
  override readonly code = 'email-not-verified';
  override readonly title = 'E-mail address not verified';
}

/** Too many attempts; retry after `retryAfterSeconds` (HTTP 429 with Retry-After). */
export class RateLimitedError extends EmporiaError {
  readonly code = 'rate-limited';
  readonly title = 'Too many requests';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** An idempotency key reused with a different request body (IETF Idempotency-Key draft: 422). */
export class IdempotencyKeyMismatchError extends EmporiaError {
  readonly code = 'idempotency-key-reused';
  readonly title = 'Idempotency key reused with a different request';
}

/** Configuration that cannot start the engine; `problems` holds one line per bad variable. */
export class ConfigError extends EmporiaError {
  readonly code = 'config-error';
  readonly title = 'Invalid configuration';
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}
