import { systemClock, type Clock } from './clock.js';
import { RateLimitedError } from './errors.js';

/** A budget: at most `points` hits per key in each window of `seconds`, counted under `name`. */
export interface RateWindow {
  /** Names the counter, so two budgets on the same key (requests, guest carts) never mix. */
  readonly name: string;
  /** What is counted, for the refusal's message: `requests`, `new guest carts`. */
  readonly noun: string;
  readonly points: number;
  readonly seconds: number;
}

/** What is left of a budget after a counted hit. */
export interface RateUsage {
  /** Hits left in this window. */
  readonly remaining: number;
  /** Seconds until the window starts over (at least 1). */
  readonly resetSeconds: number;
}

/**
 * Counts hits against a budget and refuses the one past it. The engine's default counts in process
 * memory; `createDefaultEngine` counts in Redis (`REDIS_URL`) or the database, so every process of
 * a shop shares one count per client (`RATE_LIMIT_STORE`).
 */
export interface RateLimiter {
  /** Where the counts live: `memory`, `database`, `redis` or one of your own. */
  readonly store: string;
  /**
   * Counts one hit of `key` in `window`.
   * @returns What is left of the budget.
   * @throws RateLimitedError past the budget, carrying the seconds until the window resets.
   */
  consume(window: RateWindow, key: string): Promise<RateUsage>;
  /** Drops counts whose window ended before `before` (the maintenance job calls it); returns how many. */
  purgeExpired(before: Date): Promise<number>;
  /** Releases connections and timers; safe to call twice. */
  close(): Promise<void>;
}

/** The message a refusal carries, the same whichever store counted. */
export function rateLimitedError(window: RateWindow, msUntilReset: number): RateLimitedError {
  const per = window.seconds === 60 ? 'minute' : window.seconds === 3600 ? 'hour' : `${window.seconds} s`;
  return new RateLimitedError(
    `More than ${window.points} ${window.noun} per ${per} from this address`,
    secondsUntil(msUntilReset),
  );
}

/** Whole seconds until a window ends, at least 1 (what `Retry-After` and `RateLimit-Reset` carry). */
export function secondsUntil(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/**
 * Fixed windows in process memory: a Map lookup and an increment per hit. Each budget's counts
 * reset together at the end of its window, so memory stays bounded by one window's clients and no
 * per-entry timer is needed. Exact for one process; several processes each count their own.
 */
export class MemoryRateLimiter implements RateLimiter {
  readonly store = 'memory';
  private readonly windows = new Map<string, { start: number; counts: Map<string, number> }>();

  constructor(private readonly clock: Clock = systemClock) {}

  async consume(window: RateWindow, key: string): Promise<RateUsage> {
    const t = this.clock.now().getTime();
    const ms = window.seconds * 1000;
    let w = this.windows.get(window.name);
    if (!w || t - w.start >= ms) {
      const start = w ? t - ((t - w.start) % ms) : t;
      this.windows.set(window.name, (w = { start, counts: new Map() }));
    }
    const n = (w.counts.get(key) ?? 0) + 1;
    w.counts.set(key, n);
    if (n > window.points) throw rateLimitedError(window, w.start + ms - t);
    return { remaining: window.points - n, resetSeconds: secondsUntil(w.start + ms - t) };
  }

  /** Nothing to do: a window's counts are dropped together when the next one starts. */
  async purgeExpired(): Promise<number> {
    return 0;
  }

  async close(): Promise<void> {
    this.windows.clear();
  }
}
