import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { RateLimitedError, UnauthorizedError, type Engine, type RateWindow } from '@emporia/core';

/** Seconds a stream ticket stays valid. */
export const TICKET_TTL_SECONDS = 30;

/**
 * Single-use, short-lived tickets for `EventSource` and `WebSocket`, which cannot send an
 * `Authorization` header: `POST /api/events/ticket`, then `?ticket=` on `/api/events` or `/api/ws`.
 * A ticket is signed with the token secret (any process can check it) and names its user. Its
 * nonce is spent in the engine's rate limiter, a budget of one use per nonce: with a shared store
 * (Redis or the database) a ticket opens one stream in the whole shop, not one per process.
 */
class StreamTickets {
  private readonly uses: RateWindow = { name: 'stream-tickets', noun: 'uses', points: 1, seconds: TICKET_TTL_SECONDS };
  constructor(private readonly engine: Engine) {}

  issue(userId: string): { ticket: string; expires_at: string } {
    const exp = Math.floor(this.engine.clock.now().getTime() / 1000) + TICKET_TTL_SECONDS;
    const body = `${userId}.${exp}.${randomBytes(16).toString('base64url')}`;
    return { ticket: `${body}.${this.sign(body)}`, expires_at: new Date(exp * 1000).toISOString() };
  }

  /** The ticket's user id. @throws UnauthorizedError for a bad, expired or used ticket. */
  async redeem(ticket: string): Promise<string> {
    const now = Math.floor(this.engine.clock.now().getTime() / 1000);
    const parts = ticket.split('.');
    if (parts.length !== 4) throw new UnauthorizedError('Invalid stream ticket');
    const [userId, exp, nonce, mac] = parts;
    const expected = Buffer.from(this.sign(`${userId}.${exp}.${nonce}`));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new UnauthorizedError('Invalid stream ticket');
    }
    if (Number(exp) < now) throw new UnauthorizedError('Stream ticket expired; ask for a new one');
    try {
      await this.engine.rateLimiter.consume(this.uses, nonce);
    } catch (err) {
      if (err instanceof RateLimitedError) throw new UnauthorizedError('Stream ticket already used; ask for a new one');
      throw err;
    }
    return userId;
  }

  private sign(body: string): string {
    return createHmac('sha256', `${this.engine.config.jwtSecret ?? ''}:stream-ticket`)
      .update(body)
      .digest('base64url');
  }
}

const byEngine = new WeakMap<Engine, StreamTickets>();

/** The engine's ticket book (one per engine, so per process). */
export function streamTickets(engine: Engine): StreamTickets {
  let tickets = byEngine.get(engine);
  if (!tickets) byEngine.set(engine, (tickets = new StreamTickets(engine)));
  return tickets;
}
