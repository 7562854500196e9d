import type { Context } from './context.js';
import { ConflictError, InvalidTransitionError } from './errors.js';

/** One allowed move, as data: `{ from: ['pending', 'paid'], to: 'cancelled' }`. */
export interface TransitionRule<S extends string> {
  from: readonly S[];
  to: S;
}

/** What hooks receive about a transition in progress. `subject` is the entity before the move. */
export interface TransitionChange<S extends string, T> {
  subject: T;
  from: S;
  to: S;
  /** Free text kept on the history row (e.g. "webhook evt_123"). */
  note: string | null;
}

/** Runs inside the transition's transaction; a veto throws (any typed error) and nothing changes. */
export type TransitionHook<S extends string, T> = (
  ctx: Context,
  change: TransitionChange<S, T>,
) => Promise<void> | void;

/** One row of a lifecycle's history, as shown on the order or payment. */
export interface StatusHistoryEntry {
  from: string;
  to: string;
  actor_id: string | null;
  actor: 'user' | 'system' | 'anonymous';
  note: string | null;
  at: string;
}

/** A history row as an order or payment shows it: only the entry's own fields, never storage columns. */
export function historyView(h: StatusHistoryEntry): StatusHistoryEntry {
  return { from: h.from, to: h.to, actor_id: h.actor_id, actor: h.actor, note: h.note, at: h.at };
}

/** Many subjects' history rows (as `StatusHistoryRepository.of` reads them in one query), grouped by subject. */
export function historyBySubject<H extends { subject_id: string }>(rows: H[]): (subjectId: string) => H[] {
  const bySubject = new Map<string, H[]>();
  for (const row of rows) {
    const list = bySubject.get(row.subject_id);
    if (list) list.push(row);
    else bySubject.set(row.subject_id, [row]);
  }
  return (subjectId) => bySubject.get(subjectId) ?? [];
}

/** Port: where a machine persists status changes and their history. */
export interface StatusStore {
  /**
   * Compare-and-set: moves `subject_id` from `from` to `to` only if it still is `from`.
   * Returns false when another transaction moved it first (the caller lost the race).
   */
  setStatus(ctx: Context, subjectId: string, from: string, to: string, at: string): Promise<boolean>;
  recordHistory(ctx: Context, subjectType: string, subjectId: string, entry: StatusHistoryEntry): Promise<void>;
}

/**
 * A small generic lifecycle: allowed transitions are data, `before` hooks may veto, `after`
 * hooks perform side effects (stock, events), and the machine writes the history row. Every
 * step runs in the caller's transaction, so a failing hook rolls the whole move back.
 * Orders and payments each have one; an embedding app adds hooks with `before()`/`after()`.
 */
export class StateMachine<S extends string, T extends { id: string; status: S }> {
  private readonly beforeHooks: TransitionHook<S, T>[] = [];
  private readonly afterHooks: TransitionHook<S, T>[] = [];

  constructor(
    /** The subject type written on history rows: `order`, `payment`. */
    readonly subjectType: string,
    readonly rules: readonly TransitionRule<S>[],
    private readonly statusStore: () => StatusStore,
  ) {}

  /** True when the rules allow moving from `from` to `to`. */
  can(from: S, to: S): boolean {
    return this.rules.some((r) => r.to === to && r.from.includes(from));
  }

  /** Statuses reachable from `from` in one step. */
  next(from: S): S[] {
    return this.rules.filter((r) => r.from.includes(from)).map((r) => r.to);
  }

  /** Registers a veto hook that runs before every transition (filter inside on `to`/`from`). */
  before(hook: TransitionHook<S, T>): () => void {
    this.beforeHooks.push(hook);
    return () => this.beforeHooks.splice(this.beforeHooks.indexOf(hook), 1);
  }

  /** Registers a side-effect hook that runs after the status and history are written. */
  after(hook: TransitionHook<S, T>): () => void {
    this.afterHooks.push(hook);
    return () => this.afterHooks.splice(this.afterHooks.indexOf(hook), 1);
  }

  /**
   * Moves `subject` to `to`. Must run inside a unit of work (`ctx.tx`). Throws
   * InvalidTransitionError (409) for a move the rules do not allow, and ConflictError when a
   * concurrent transaction changed the status first — so side effects run exactly once.
   */
  async transition(ctx: Context, subject: T, to: S, note: string | null = null): Promise<T> {
    if (!ctx.tx) throw new Error(`${this.subjectType} transition must run inside a unit of work`);
    const from = subject.status;
    if (!this.can(from, to)) throw new InvalidTransitionError(from, to, `${this.subjectType} status`);
    const change: TransitionChange<S, T> = { subject, from, to, note };
    for (const hook of this.beforeHooks) await hook(ctx, change);
    const at = ctx.clock.now().toISOString();
    const store = this.statusStore();
    if (!(await store.setStatus(ctx, subject.id, from, to, at))) {
      throw new ConflictError(`The ${this.subjectType} changed status meanwhile; reload it and try again`);
    }
    const actor = ctx.actor;
    await store.recordHistory(ctx, this.subjectType, subject.id, {
      from,
      to,
      actor_id: actor.kind === 'user' ? actor.id : null,
      actor: actor.kind,
      note,
      at,
    });
    for (const hook of this.afterHooks) await hook(ctx, change);
    return { ...subject, status: to };
  }
}
