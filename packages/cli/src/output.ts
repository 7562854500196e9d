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

/** A failure the CLI reports as one line and exit code 1. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}
