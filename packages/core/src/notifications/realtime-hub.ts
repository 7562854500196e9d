import { RateLimitedError } from '../shared/errors.js';
import { requireUser, systemContext, type Context } from '../shared/context.js';
import type { Clock } from '../shared/clock.js';
import { newId } from '../shared/ids.js';
import type { OutboxDispatch } from '../jobs/ports.js';
import type { OutboxEvent } from './events.js';
import { SETTLE_MS, uuidV7Floor, visibleTo } from './realtime.js';

/**
 * The one subscription a process holds to learn that events were committed anywhere (Redis
 * pub/sub, PostgreSQL LISTEN/NOTIFY). It carries no events: on a signal the hub reads the outbox
 * once for every stream of the process.
 */
export interface RealtimeSignal {
  /** `redis`, `postgres`: shown in logs and health. */
  readonly name: string;
  /** Tells every process that events were committed (after the commit; fire and forget). */
  publish(): void;
  /** Calls `listener` on every signal from any process, until `close`. */
  subscribe(listener: () => void): Promise<void>;
  /** Ends the subscription and releases its connection. */
  close(): Promise<void>;
}

/** Limits and pace of a process's live streams. */
export interface RealtimeOptions {
  /** Open streams (SSE and WebSocket together) one user may hold in this process. */
  maxStreamsPerUser: number;
  /** Open streams this process holds in all. */
  maxStreams: number;
  /** Milliseconds between outbox reads without a signal (the shared poller). */
  pollMs?: number;
  /** Milliseconds between safety reads with a signal (a signal lost on a reconnect). */
  signalledPollMs?: number;
}

/** One open stream: `close()` when its connection ends. */
export interface RealtimeStream {
  /** Leaves the hub: frees the stream's place under the caps. */
  close(): void;
}

const RESUME_PAGE = 500;
/** Events a resume replays at most; a client further behind gets the newest of them. */
const RESUME_MAX = 5_000;

class Subscriber {
  private buffer: OutboxEvent[] | null = [];
  /** Replayed events the hub may still read (its trailing window): sent once. */
  private readonly replayed = new Set<string>();
  constructor(
    readonly ctx: Context,
    readonly key: string,
    private readonly start: string,
    private readonly send: (event: OutboxEvent) => void,
  ) {}

  deliver(events: readonly OutboxEvent[]): void {
    if (this.buffer) {
      this.buffer.push(...events);
      return;
    }
    for (const e of events) {
      if (e.id <= this.start || this.replayed.delete(e.id)) continue;
      if (visibleTo(this.ctx, e)) this.send(e);
    }
  }

  /** Sends the replayed backlog, then what arrived meanwhile. */
  resume(backlog: readonly OutboxEvent[]): void {
    for (const e of backlog) {
      this.replayed.add(e.id);
      if (visibleTo(this.ctx, e)) this.send(e);
    }
    const pending = this.buffer ?? [];
    this.buffer = null;
    this.deliver(pending);
  }
}

/**
 * Fans committed events out to every live stream of this process: one outbox read per signal (or
 * per poll on SQLite and MySQL, or without a signal), however many streams are open, and no pool
 * connection held between reads. `Last-Event-ID` replays from the outbox before joining. Caps the
 * streams per user and per process (`RateLimitedError` → 429).
 */
export class RealtimeHub {
  private readonly subscribers = new Set<Subscriber>();
  /** The process's own readers of every committed event (the catalog cache's invalidation). */
  private readonly listeners = new Set<(events: readonly OutboxEvent[]) => void>();
  private readonly perUser = new Map<string, number>();
  private readonly seen = new Set<string>();
  private cursor = newId();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private reading: Promise<void> | null = null;
  private again = false;
  private subscribed: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly outbox: Pick<OutboxDispatch, 'since'>,
    private readonly clock: Clock,
    private readonly options: RealtimeOptions,
    private readonly signal: RealtimeSignal | null = null,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  /** How many streams are open in this process. */
  get size(): number {
    return this.subscribers.size;
  }

  /** Which subscription wakes the hub: `redis`, `postgres` or `poll`. */
  get mode(): string {
    return this.signal?.name ?? 'poll';
  }

  /**
   * Opens a stream of the events `ctx`'s user may see, after `lastEventId` or from now.
   * @throws RateLimitedError when the user or the process holds as many streams as allowed.
   */
  open(ctx: Context, lastEventId: string | null, send: (event: OutboxEvent) => void): RealtimeStream {
    const key = requireUser(ctx).id;
    if (this.closed) throw new RateLimitedError('The server is shutting down', 1);
    const mine = this.perUser.get(key) ?? 0;
    if (mine >= this.options.maxStreamsPerUser) {
      throw new RateLimitedError(
        `At most ${this.options.maxStreamsPerUser} event streams per user are open at once; close one first`,
        5,
      );
    }
    if (this.subscribers.size >= this.options.maxStreams) {
      throw new RateLimitedError('This server holds as many event streams as it allows; retry shortly', 5);
    }
    const resumeFrom = lastEventId && /^[0-9a-f-]{36}$/i.test(lastEventId) ? lastEventId.toLowerCase() : null;
    const subscriber = new Subscriber(ctx, key, resumeFrom ?? newId(), send);
    const first = !this.active;
    this.subscribers.add(subscriber);
    if (first) this.restart();
    this.perUser.set(key, mine + 1);
    void this.replay(subscriber, resumeFrom);
    let open = true;
    return {
      close: () => {
        if (!open) return;
        open = false;
        this.subscribers.delete(subscriber);
        const left = (this.perUser.get(key) ?? 1) - 1;
        if (left > 0) this.perUser.set(key, left);
        else this.perUser.delete(key);
        if (!this.active) this.idle();
      },
    };
  }

  /**
   * Calls `listener` with every event committed anywhere (no audience filter: for the process itself,
   * never a client), for as long as it stays; while one listens the hub keeps reading even without
   * streams. Returns the way to stop.
   */
  listen(listener: (events: readonly OutboxEvent[]) => void): () => void {
    const first = !this.active;
    this.listeners.add(listener);
    if (first && !this.closed) this.restart();
    return () => {
      this.listeners.delete(listener);
      if (!this.active) this.idle();
    };
  }

  /** Streams or listeners wait for events. */
  private get active(): boolean {
    return this.subscribers.size > 0 || this.listeners.size > 0;
  }

  /** Stops reading; open streams get nothing more. */
  async close(): Promise<void> {
    this.closed = true;
    this.idle();
    await this.reading;
    await this.signal?.close();
  }

  private async replay(subscriber: Subscriber, after: string | null): Promise<void> {
    const backlog: OutboxEvent[] = [];
    try {
      let cursor = after;
      while (cursor !== null && backlog.length < RESUME_MAX) {
        const page = await this.outbox.since(systemContext({ clock: this.clock }), cursor, RESUME_PAGE);
        backlog.push(...page);
        cursor = page.length === RESUME_PAGE ? page[page.length - 1].id : null;
      }
    } catch (err) {
      this.onError(err);
    }
    subscriber.resume(backlog.slice(-RESUME_MAX));
  }

  private restart(): void {
    this.cursor = newId();
    this.seen.clear();
    if (this.signal && !this.subscribed) {
      // A commit signalled while the subscription was being set up reached no one: one read once
      // it stands catches it, instead of the next safety read seconds later.
      this.subscribed = this.signal
        .subscribe(() => this.wake())
        .then(() => this.wake())
        .catch((err) => {
          this.subscribed = null;
          this.onError(err);
        });
    }
    this.schedule();
  }

  private idle(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.closed || !this.active) return;
    if (this.timer) clearTimeout(this.timer);
    const ms = this.signal ? (this.options.signalledPollMs ?? 5_000) : (this.options.pollMs ?? 500);
    this.timer = setTimeout(() => this.wake(), ms);
  }

  /** Reads now (or right after the read in progress) and fans out. */
  private wake(): void {
    if (this.closed || !this.active) return;
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = this.read().finally(() => {
      this.reading = null;
      if (this.again) {
        this.again = false;
        this.wake();
      } else this.schedule();
    });
  }

  private async read(): Promise<void> {
    // An event's id is taken before its transaction commits: each read re-reads a trailing window,
    // so a slow commit does not slip behind the cursor.
    const settled = uuidV7Floor(this.clock.now().getTime() - SETTLE_MS);
    const after = settled > this.cursor ? settled : this.cursor;
    for (const id of this.seen) if (id <= after) this.seen.delete(id);
    try {
      const events = await this.outbox.since(systemContext({ clock: this.clock }), after, 1_000);
      const fresh = events.filter((e) => !this.seen.has(e.id));
      for (const e of fresh) this.seen.add(e.id);
      if (fresh.length === 0) return;
      for (const subscriber of this.subscribers) subscriber.deliver(fresh);
      for (const listener of this.listeners) listener(fresh);
    } catch (err) {
      this.onError(err);
    }
  }
}
