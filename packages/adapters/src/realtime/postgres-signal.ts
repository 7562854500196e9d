import type { RealtimeSignal } from '@emporia/core';
import { createRequire } from 'node:module';
import type pg from 'pg';

// `pg` (and the undici it pulls in) is required on the first connection, so a SQLite or MySQL
// server, which bundles this module too, never parses it at start.
const require = createRequire(import.meta.url);

const CHANNEL = 'emporia_outbox';

/**
 * Live streams' wake-up over PostgreSQL `LISTEN/NOTIFY`: one connection per process, outside the
 * pool (so it never takes a request's connection), listens and notifies after each commit that
 * recorded events; notifications are per database. Notifications sent while one is in flight are
 * folded into one more.
 */
export class PostgresRealtimeSignal implements RealtimeSignal {
  readonly name = 'postgres';
  private client: Promise<pg.Client> | null = null;
  private readonly listeners: Array<() => void> = [];
  private listening = false;
  private closed = false;
  private sending = false;
  private again = false;
  private retry: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly url: string,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  publish(): void {
    if (this.closed) return;
    if (this.sending) {
      this.again = true;
      return;
    }
    this.sending = true;
    this.connection()
      .then((c) => c.query(`NOTIFY ${CHANNEL}`))
      .catch(this.onError)
      .finally(() => {
        this.sending = false;
        if (this.again) {
          this.again = false;
          this.publish();
        }
      });
  }

  async subscribe(listener: () => void): Promise<void> {
    this.listeners.push(listener);
    await this.listen();
  }

  private async listen(): Promise<void> {
    const client = await this.connection();
    if (!this.listening) {
      this.listening = true;
      await client.query(`LISTEN ${CHANNEL}`);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    const client = this.client;
    this.client = null;
    await client?.then((c) => c.end()).catch(() => {});
  }

  private connection(): Promise<pg.Client> {
    if (this.client) return this.client;
    const { Client } = require('pg') as typeof pg;
    const client = new Client({ connectionString: this.url });
    client.on('notification', () => this.listeners.forEach((l) => l()));
    client.on('error', (err) => {
      this.onError(err);
      this.lost(client);
    });
    client.on('end', () => this.lost(client));
    const connecting = client.connect().then(() => client);
    this.client = connecting;
    connecting.catch(() => this.lost(client));
    return connecting;
  }

  /** A lost connection comes back in a second, listens again, then wakes the streams once. */
  private lost(client: pg.Client): void {
    client.removeAllListeners();
    client.on('error', () => {});
    if (this.closed || this.retry) return;
    this.client = null;
    const relisten = this.listening;
    this.listening = false;
    if (!relisten) return;
    this.retry = setTimeout(() => {
      this.retry = null;
      this.listen().then(
        () => this.listeners.forEach((l) => l()),
        (err) => {
          this.onError(err);
          this.listening = true;
          this.lost(client);
        },
      );
    }, 1_000);
  }
}
