/**
 * Typed domain errors. Every surface maps these the same way: the HTTP layer turns each
 * `code` into an RFC 9457 problem with a stable type URI, the CLI prints `message` on one line.
 */

/** One problem with one input field; `path` is dotted (`items.0.quantity`). */
export interface FieldError {
  path: string;
  message: string;
}

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

export class ValidationError extends EmporiaError {
  readonly code: string = 'validation-error';
  readonly title: string = 'Invalid input';
  constructor(message: string, errors: FieldError[] = []) {
    super(message, errors);
  }
}

export class NotFoundError extends EmporiaError {
  readonly code = 'not-found';
  readonly title = 'Not found';
}

export class ConflictError extends EmporiaError {
  readonly code: string = 'conflict';
  readonly title: string = 'Conflict';
}

export class OutOfStockError extends ConflictError {
  override readonly code = 'out-of-stock';
  override readonly title = 'Out of stock';
  constructor(readonly skus: string[]) {
    super(`Not enough stock for ${skus.join(', ')}`);
  }
}

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

export class UnauthorizedError extends EmporiaError {
  readonly code = 'unauthorized';
  readonly title = 'Authentication required';
}

export class ForbiddenError extends EmporiaError {
  readonly code = 'forbidden';
  readonly title = 'Forbidden';
}

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
