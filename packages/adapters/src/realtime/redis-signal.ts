import type { RealtimeSignal } from '@emporia/core';
import { Redis } from 'ioredis';

/**
 * Live streams' wake-up over Redis pub/sub: one subscriber connection per process on
 * `<prefix>outbox`; a commit that recorded events publishes on it.
 */
export class RedisRealtimeSignal implements RealtimeSignal {
  readonly name = 'redis';
  private readonly channel: string;
  private publisher: Redis | null = null;
  private subscriber: Redis | null = null;

  constructor(
    private readonly url: string,
    prefix: string,
    private readonly onError: (err: unknown) => void = () => {},
  ) {
    this.channel = `${prefix}outbox`;
  }

  publish(): void {
    this.publisher ??= this.connect();
    this.publisher.publish(this.channel, '1').catch(this.onError);
  }

  async subscribe(listener: () => void): Promise<void> {
    const sub = (this.subscriber ??= this.connect());
    sub.on('message', (channel: string) => {
      if (channel === this.channel) listener();
    });
    // After a reconnect ioredis subscribes again; a read then catches what was missed meanwhile.
    sub.on('ready', listener);
    await sub.subscribe(this.channel);
  }

  async close(): Promise<void> {
    const clients = [this.publisher, this.subscriber].filter((c): c is Redis => c !== null);
    this.publisher = this.subscriber = null;
    await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
  }

  private connect(): Redis {
    const client = new Redis(this.url, { maxRetriesPerRequest: 3, enableOfflineQueue: true, lazyConnect: false });
    client.on('error', this.onError);
    return client;
  }
}
