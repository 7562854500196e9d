import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';

/** On SIGTERM the listener stays open until no connection has arrived for this long… */
export const DRAIN_QUIET_MS = 250;
/** …or this long at most, so a load balancer still sending traffic cannot hold the shutdown. */
export const DRAIN_MAX_MS = 2_000;
const DRAIN_CHECK_MS = 25;

/**
 * Knows which connections of `server` have not sent their first request yet, so that shutdown can
 * answer the kernel's accept backlog instead of resetting it: `settled()` resolves once no new
 * connection has arrived for `DRAIN_QUIET_MS` and every accepted one has its request in (or after
 * `DRAIN_MAX_MS`). Then closing the listener (and the idle connections) cuts off nobody who asked.
 */
export class AcceptDrain {
  private readonly waiting = new Set<Socket>();
  private lastConnection = 0;

  constructor(server: Server) {
    server.on('connection', (socket: Socket) => {
      this.lastConnection = Date.now();
      this.waiting.add(socket);
      socket.once('close', () => this.waiting.delete(socket));
    });
    server.on('request', (req: { socket: Socket }) => this.waiting.delete(req.socket));
  }

  settled(quietMs = DRAIN_QUIET_MS, maxMs = DRAIN_MAX_MS): Promise<void> {
    const start = Date.now();
    return new Promise((resolve) => {
      // Quiet on two checks in a row: a poll phase (where the backlog is accepted) lies between
      // them, so an event loop that was busy past the quiet period does not end the drain unseen.
      let quietChecks = 0;
      const check = () => {
        const now = Date.now();
        const quiet = now - Math.max(start, this.lastConnection) >= quietMs && this.waiting.size === 0;
        quietChecks = quiet ? quietChecks + 1 : 0;
        if (quietChecks >= 2 || now - start >= maxMs) resolve();
        else setTimeout(check, DRAIN_CHECK_MS);
      };
      setTimeout(check, DRAIN_CHECK_MS);
    });
  }
}

/** Something `serve` stops on SIGTERM/SIGINT. */
export interface Closer {
  name: string;
  close(): Promise<void>;
}

/**
 * The ordered list of things to stop when `serve` shuts down: first the HTTP server (answer the
 * accept backlog, stop accepting, let in-flight requests finish), then the engine (job runner finishes its running
 * jobs, then the database closes). Anything else a process starts adds its closer here.
 */
export class Shutdown {
  private readonly closers: Closer[] = [];

  add(name: string, close: () => Promise<void>): void {
    this.closers.push({ name, close });
  }

  /** Runs the closers in order within `timeoutMs` in all; true when every one finished in time. */
  async run(timeoutMs: number, logger?: Logger): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    let clean = true;
    for (const closer of this.closers) {
      const left = deadline - Date.now();
      let timer: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([
        closer.close().then(
          () => 'done' as const,
          (err: unknown) => {
            logger?.error({ err, closer: closer.name }, 'shutdown step failed');
            return 'failed' as const;
          },
        ),
        new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), Math.max(0, left)))),
      ]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        logger?.warn({ closer: closer.name, timeout_ms: timeoutMs }, 'shutdown step did not finish in time');
        return false;
      }
      if (outcome === 'failed') clean = false;
    }
    return clean;
  }
}
