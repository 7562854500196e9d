import { createHash } from 'node:crypto';
import { inject, injectable } from 'inversify';
import type { Config } from '../shared/config.js';
import type { Context } from '../shared/context.js';
import { ConflictError, IdempotencyKeyMismatchError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { TOKENS } from '../shared/tokens.js';
import { parseInput } from '../shared/validation.js';
import { ORDER_TOKENS, type IdempotencyRecord, type IdempotencyRepository } from './ports.js';
import { idempotencyKeySchema } from './schemas.js';

/** Idempotency keys are kept this long (Stripe's 24 h). */
export const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;
/**
 * A claim still in progress after `REQUEST_TIMEOUT` plus this grace belongs to a request that
 * died (a crash, kill -9) or was answered 503: a retry takes the key over. Its write cannot
 * commit afterwards, since completion is written in the request's own transaction and fails
 * once the claim is gone, so exactly one effect happens either way.
 */
export const IDEMPOTENCY_GRACE_MS = 5_000;

/** Key-order-independent JSON, so `{a,b}` and `{b,a}` hash the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** What `claim` found: this request owns the key (`claimId`), or the earlier request answered. */
export type IdempotencyClaim =
  { owner: true; claimId: string } | { owner: false; responseStatus: number | null; responseBody: unknown };

/**
 * `Idempotency-Key` (IETF draft) for every write that honours it — checkout and refunds — over the
 * `idempotency_keys` table, unique per (scope, key). The request first claims the key with
 * insert-or-nothing in its own statement, so of parallel requests one owns it and the others see
 * it in progress (409) or a different request hash (422). The owner stores its answer with
 * `complete` inside its own transaction (so a committed effect always has its replay), or `release`s
 * the claim when it failed, so a corrected retry runs.
 */
@injectable()
export class IdempotencyService {
  constructor(
    @inject(ORDER_TOKENS.IdempotencyRepository) private readonly keys: IdempotencyRepository,
    @inject(TOKENS.Config) private readonly config: Config,
  ) {}

  /**
   * Claims `key` (validated: 400 on `Idempotency-Key`) in `scope` for a request of this (parsed)
   * input. An earlier request with the same input answers `owner: false` with what it stored; one
   * with another input is IdempotencyKeyMismatchError (422); one still running is ConflictError (409).
   * An expired key, or a claim abandoned past the request timeout, is taken over.
   */
  async claim(ctx: Context, scope: string, key: string, input: unknown): Promise<IdempotencyClaim> {
    const parsedKey = parseInput(idempotencyKeySchema, key, 'Idempotency-Key');
    const requestHash = createHash('sha256').update(canonicalJson(input)).digest('hex');
    const claimId = newId();
    const existing = await this.claimRow(ctx, scope, parsedKey, requestHash, claimId);
    if (!existing) return { owner: true, claimId };
    if (existing.request_hash !== requestHash) {
      throw new IdempotencyKeyMismatchError('This Idempotency-Key was used with a different request body');
    }
    if (existing.status === 'in_progress') {
      throw new ConflictError('A request with this Idempotency-Key is still being processed; retry later');
    }
    return { owner: false, responseStatus: existing.response_status, responseBody: existing.response_body };
  }

  /**
   * Stores the answer to replay, inside the owner's transaction; false when a retry took the key
   * over after the request timeout, and that transaction must roll back (its effect is the retry's).
   */
  complete(ctx: Context, claimId: string, responseStatus: number, responseBody: unknown): Promise<boolean> {
    return this.keys.complete(ctx, claimId, responseStatus, responseBody);
  }

  /** Frees the key of a request that did not run to an answer worth replaying. */
  release(ctx: Context, claimId: string): Promise<void> {
    return this.keys.release(ctx, claimId);
  }

  /** Deletes keys past their 24 hours; returns how many. */
  purgeExpired(ctx: Context): Promise<number> {
    return this.keys.purgeExpired(ctx, ctx.clock.now().toISOString());
  }

  /** Returns null when this request now owns the key, else the row of the earlier request. */
  private async claimRow(
    ctx: Context,
    scope: string,
    key: string,
    requestHash: string,
    claimId: string,
  ): Promise<IdempotencyRecord | null> {
    const keys = this.keys;
    for (let attempt = 0; attempt < 2; attempt++) {
      const now = ctx.clock.now();
      const row = await keys.claim(ctx, {
        id: claimId,
        scope,
        key,
        request_hash: requestHash,
        created_at: now.toISOString(),
        expires_at: new Date(now.getTime() + IDEMPOTENCY_TTL_MS).toISOString(),
      });
      if (row.id === claimId) return null;
      const expired = Date.parse(row.expires_at) <= now.getTime();
      const abandonedAt = Date.parse(row.created_at) + this.config.requestTimeout * 1000 + IDEMPOTENCY_GRACE_MS;
      const abandoned = row.status === 'in_progress' && abandonedAt <= now.getTime();
      if (!(expired || abandoned) || attempt > 0) return row;
      // An abandoned claim is deleted only while still in progress: a request committing at this
      // very moment keeps its answer, which the second claim then replays.
      if (expired) await keys.discard(ctx, row.id);
      else await keys.release(ctx, row.id);
    }
    throw new Error('unreachable');
  }
}
