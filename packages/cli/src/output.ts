import type { DestinationStream } from 'pino';

/** Where commands write: real stdout/stderr in the binary, buffers in tests. */
export interface Io {
  /** Writes a line of normal output (stdout). */
  out(text: string): void;
  /** Writes a line of diagnostics (stderr). */
  err(text: string): void;
  /** True when stdout is a terminal (progress bars draw only then). */
  isTty: boolean;
}

export const processIo: Io = {
  out: (t) => process.stdout.write(t.endsWith('\n') ? t : t + '\n'),
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : t + '\n'),
  isTty: Boolean(process.stdout.isTTY),
};

/** Output queued for a reader that is not reading is dropped beyond this many bytes. */
export const MAX_QUEUED_OUTPUT = 1024 * 1024;

/**
 * For `serve` and `worker`, which must outlive whoever reads their output: a reader that went away
 * (EPIPE) or stopped reading costs the log lines, never the process. Lines go through
 * `process.stdout`, which writes to a pipe without blocking; past MAX_QUEUED_OUTPUT queued they are
 * dropped. (pino's own stdout destination flushes synchronously at exit, retrying forever while
 * the pipe is full: a `serve` whose parent died never exited.)
 */
export function outliveOutput(): DestinationStream {
  for (const stream of [process.stdout, process.stderr]) {
    stream.removeAllListeners('error');
    stream.on('error', () => {
      // EPIPE and the like: the output is lost, the process carries on.
    });
  }
  return {
    write(line: string) {
      const out = process.stdout;
      if (!out.destroyed && out.writableLength < MAX_QUEUED_OUTPUT) out.write(line);
    },
  };
}

/** Waits until queued stdout is written, at most `ms`: final log lines reach a slow reader, a dead one costs nothing. */
export async function stdoutFlushed(ms: number): Promise<void> {
  const end = Date.now() + ms;
  // 'drain' comes only after a write past the high-water mark, so the queue is watched instead.
  while (!process.stdout.destroyed && process.stdout.writableLength > 0 && Date.now() < end) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A failure the CLI reports as one line and exit code 1. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}
