import { systemClock, type Clock } from './clock.js';
import { ForbiddenError, UnauthorizedError } from './errors.js';
import { newId } from './ids.js';

/** Who is calling. Authorization in core services reads only this. */
export type Actor =
  | { kind: 'anonymous' }
  | { kind: 'system' }
  | {
      kind: 'user';
      id: string;
      email: string;
      role: string;
      permissions: ReadonlySet<string>;
      /** Whether the user's e-mail address is verified (`REQUIRE_EMAIL_VERIFICATION` checks it at checkout). */
      email_verified?: boolean;
    };

/** An open database transaction; opaque to core, owned by the store adapter. */
export interface Transaction {
  readonly __transaction: unique symbol;
}

/** Carried by every service call: the actor, the transaction (if any), a request id and the clock. */
export interface Context {
  readonly actor: Actor;
  readonly requestId: string;
  readonly clock: Clock;
  readonly tx?: Transaction;
}

/** Optional parts of a new context: a request id (generated when absent) and the clock (tests pass a ManualClock). */
export interface ContextOptions {
  requestId?: string;
  clock?: Clock;
}

function base(opts: ContextOptions): Pick<Context, 'requestId' | 'clock'> {
  return { requestId: opts.requestId ?? newId(), clock: opts.clock ?? systemClock };
}

/** The engine acting on its own behalf (CLI, jobs, seeding): every permission. */
export function systemContext(opts: ContextOptions = {}): Context {
  return { actor: { kind: 'system' }, ...base(opts) };
}

/** Nobody logged in: reads of public data only (published products, a guest cart by its token). */
export function anonymousContext(opts: ContextOptions = {}): Context {
  return { actor: { kind: 'anonymous' }, ...base(opts) };
}

/**
 * A user acting: pass the actor from `engine.identity.authenticate(ctx, token)` or
 * `engine.identity.actorForUser(ctx, id)`, so the permissions are the role's current ones.
 */
export function userContext(
  user: { id: string; email: string; role: string; permissions: Iterable<string>; email_verified?: boolean },
  opts: ContextOptions = {},
): Context {
  return {
    actor: {
      kind: 'user',
      id: user.id,
      email: user.email,
      role: user.role,
      permissions: new Set(user.permissions),
      ...(user.email_verified !== undefined ? { email_verified: user.email_verified } : {}),
    },
    ...base(opts),
  };
}

/** True when the actor holds the permission (the system actor holds all; `*` grants all). */
export function can(ctx: Context, permission: string): boolean {
  const a = ctx.actor;
  if (a.kind === 'system') return true;
  if (a.kind === 'anonymous') return false;
  return a.permissions.has('*') || a.permissions.has(permission);
}

/**
 * Guards an operation of your own the way services guard theirs.
 *
 * @throws UnauthorizedError (401) for anonymous callers; ForbiddenError (403) for users lacking the permission.
 */
export function requirePermission(ctx: Context, permission: string): void {
  if (can(ctx, permission)) return;
  if (ctx.actor.kind === 'anonymous') throw new UnauthorizedError('Authentication required');
  throw new ForbiddenError(`Missing permission '${permission}'`);
}

/**
 * The calling user's actor (id, e-mail, role, permissions).
 *
 * @throws UnauthorizedError when the caller is anonymous or the system.
 */
export function requireUser(ctx: Context): Extract<Actor, { kind: 'user' }> {
  if (ctx.actor.kind !== 'user') throw new UnauthorizedError('Authentication required');
  return ctx.actor;
}

/** The calling user's id, or null for anonymous and system actors. */
export function actorUserId(ctx: Context): string | null {
  return ctx.actor.kind === 'user' ? ctx.actor.id : null;
}
