import type { Server } from 'node:http';
import type { Logger } from 'pino';

/** On SIGTERM the listener stays open until no connection has arrived for this long… */
export const DRAIN_QUIET_MS = 250;
/** …or this long at most, so a load balancer still sending traffic cannot hold the shutdown. */
export const DRAIN_MAX_MS = 2_000;

/**
 * Resolves once `server` has gone `quietMs` without a new connection (or after `maxMs`), so the
 * connections waiting in the kernel's accept backlog at SIGTERM are accepted and answered instead
 * of reset when the listener closes.
 */
export function acceptBacklog(server: Server, quietMs = DRAIN_QUIET_MS, maxMs = DRAIN_MAX_MS): Promise<void> {
  return new Promise((resolve) => {
    const end = Date.now() + maxMs;
    let timer: NodeJS.Timeout | undefined;
    const done = () => {
      server.off('connection', arm);
      resolve();
    };
    function arm() {
      clearTimeout(timer);
      timer = setTimeout(done, Math.max(0, Math.min(quietMs, end - Date.now())));
    }
    server.on('connection', arm);
    arm();
  });
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
