import cliProgress from 'cli-progress';
import type { Io } from './output.js';

export interface Progress {
  update(done: number, total: number, label?: string): void;
  stop(): void;
}

/**
 * Progress of a long command: a bar on stderr when it is a terminal, otherwise a line on stderr
 * at most every two seconds (logs and CI stay readable).
 */
export function createProgress(io: Io, title: string): Progress {
  if (io.isTty && process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${title} [{bar}] {percentage}% | {value}/{total} rows | {label}`, stream: process.stderr },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(done, total, label = '') {
        if (!started) {
          bar.start(total, done, { label });
          started = true;
        } else {
          bar.setTotal(total);
          bar.update(done, { label });
        }
      },
      stop: () => started && bar.stop(),
    };
  }
  let last = 0;
  let shown = '';
  return {
    update(done, total, label) {
      const now = Date.now();
      shown = `${title}: ${done}/${total} rows${label ? ` (${label})` : ''}`;
      if (now - last < 2000) return;
      last = now;
      io.err(shown);
    },
    stop() {
      if (shown) io.err(shown);
    },
  };
}
