import type { RealtimeSignal } from '@emporia/core';
import type { Knex } from 'knex';
import pg from 'pg';

const CHANNEL = 'emporia_outbox';

/**
 * Live streams' wake-up over PostgreSQL `LISTEN/NOTIFY`: one connection per process, outside the
 * pool, listens; a commit that recorded events notifies (notifications are per database).
 */
export class PostgresRealtimeSignal implements RealtimeSignal {
  readonly name = 'postgres';
  private client: pg.Client | null = null;
  private closed = false;
  private retry: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly url: string,
    private readonly knex: Knex,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  publish(): void {
    this.knex.raw('SELECT pg_notify(?, ?)', [CHANNEL, '']).catch(this.onError);
  }

  async subscribe(listener: () => void): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    client.on('notification', () => listener());
    client.on('error', (err) => {
      this.onError(err);
      this.reconnect(listener);
    });
    client.on('end', () => this.reconnect(listener));
    this.client = client;
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => {});
  }

  /** A lost connection comes back in a second, then reads once for what it missed. */
  private reconnect(listener: () => void): void {
    if (this.closed || this.retry || !this.client) return;
    this.client.removeAllListeners();
    this.client = null;
    this.retry = setTimeout(() => {
      this.retry = null;
      this.subscribe(listener).then(listener, (err) => {
        this.onError(err);
        this.reconnect(listener);
      });
    }, 1_000);
  }
}
