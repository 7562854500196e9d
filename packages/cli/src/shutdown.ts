import type { Logger } from 'pino';

/** Something `serve` stops on SIGTERM/SIGINT. */
export interface Closer {
  name: string;
  close(): Promise<void>;
}

/**
 * The ordered list of things to stop when `serve` shuts down: first the HTTP server (stop
 * accepting, let in-flight requests finish), then the engine (job runner finishes its running
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
