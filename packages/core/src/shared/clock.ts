/** Time source carried by every context, so tests move time instead of sleeping. */
export interface Clock {
  /** The current instant; services read time only through this. */
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/**
 * A clock tests can set and advance: pass it as the engine's `clock` (and to contexts) to make
 * token expiry, job backoff and lock windows happen without waiting.
 */
export class ManualClock implements Clock {
  private current: number;
  /** @param start - The first instant `now()` returns (default 2026-01-01T00:00:00Z). */
  constructor(start: Date | string = '2026-01-01T00:00:00Z') {
    this.current = new Date(start).getTime();
  }
  /** The instant the clock was last set or advanced to. */
  now(): Date {
    return new Date(this.current);
  }
  /** Moves the clock forward by `ms` milliseconds. */
  advance(ms: number): void {
    this.current += ms;
  }
  /** Moves the clock to `date` (forward or back). */
  set(date: Date | string): void {
    this.current = new Date(date).getTime();
  }
}
