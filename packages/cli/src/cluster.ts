import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import type { Logger } from 'pino';
import { CliError } from './output.js';

/** Most server processes `serve --processes` starts. */
const MAX_PROCESSES = 64;
/** A process that dies is replaced; more deaths than this within a minute stop the whole server. */
const MAX_RESTARTS_PER_MINUTE = 5;

/** `--processes`: a whole number from 1 to 64, or `auto` (one per CPU core). */
export function parseProcesses(value: string | undefined): number {
  if (value === undefined) return 1;
  if (value === 'auto') return Math.min(availableParallelism(), MAX_PROCESSES);
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > MAX_PROCESSES) {
    throw new CliError(`--processes: expected a number from 1 to ${MAX_PROCESSES} or 'auto', got '${value}'`);
  }
  return Number(value);
}

/** True in a server process that a `serve --processes N` primary started. */
export function isClusterWorker(): boolean {
  return cluster.isWorker;
}

/** The environment variable that tells the one server process holding the group's job runner. */
const JOB_RUNNER_ENV = 'EMPORIA_CLUSTER_JOB_RUNNER';

/** True in the one process of a `serve --processes N` group that runs the inline job runner. */
export function runsClusterJobs(): boolean {
  return cluster.isWorker && process.env[JOB_RUNNER_ENV] === '1';
}

export interface PrimaryOptions {
  processes: number;
  /** Seconds each process gets to finish on SIGTERM (`SHUTDOWN_TIMEOUT`). */
  shutdownTimeout: number;
  logger: Logger;
  /** Called once, when every process listens, with the port they share. */
  onListening(port: number): void;
}

/**
 * The primary of `serve --processes N`: forks N server processes that share one listening socket
 * (Node's cluster hands connections out round-robin), replaces one that dies, and on SIGTERM or
 * SIGINT asks each to shut down as a single `serve` would, within `SHUTDOWN_TIMEOUT`. Resolves with
 * the exit code: 0 when every process stopped cleanly.
 */
export function runPrimary(options: PrimaryOptions): Promise<number> {
  const { logger } = options;
  return new Promise<number>((resolve, reject) => {
    let started = false;
    let stopping = false;
    let failed = false;
    const listening = new Set<Worker>();
    const restarts: number[] = [];

    // One process runs the group's inline job runner (WORKER=inline), not N; its replacement takes it over.
    let jobRunner: Worker | null = null;
    const fork = () => {
      const runsJobs = jobRunner === null;
      const worker = cluster.fork({ [JOB_RUNNER_ENV]: runsJobs ? '1' : '0' });
      if (runsJobs) jobRunner = worker;
    };
    for (let i = 0; i < options.processes; i++) fork();

    cluster.on('listening', (worker, address) => {
      listening.add(worker);
      if (!started && listening.size === options.processes) {
        started = true;
        options.onListening(address.port);
      }
    });

    cluster.on('exit', (worker, code, signal) => {
      const wasListening = listening.delete(worker);
      if (worker === jobRunner) jobRunner = null;
      if (stopping) {
        // One still starting when asked to stop dies of the signal itself: it held no request.
        if (code !== 0 && (wasListening || signal !== 'SIGTERM')) failed = true;
        if (Object.keys(cluster.workers ?? {}).length === 0) resolve(failed ? 1 : 0);
        return;
      }
      if (!started) {
        // One failed to start (its own error is already on stderr): stop the others.
        stop('SIGTERM', true);
        reject(new CliError(`a server process exited during start-up (code ${code ?? signal})`));
        return;
      }
      const now = Date.now();
      restarts.push(now);
      while (restarts.length && restarts[0] < now - 60_000) restarts.shift();
      if (restarts.length > MAX_RESTARTS_PER_MINUTE) {
        logger.error({ restarts: restarts.length }, 'server processes keep dying: stopping');
        failed = true;
        stop('SIGTERM');
        return;
      }
      logger.warn({ worker_pid: worker.process.pid, code, signal }, 'a server process died: starting another');
      fork();
    });

    const stop = (signal: NodeJS.Signals, quietly = false) => {
      if (stopping) {
        if (!quietly) {
          logger.warn({ signal }, 'second signal: exiting now');
          for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGKILL');
          process.exit(1);
        }
        return;
      }
      stopping = true;
      if (!quietly) logger.info({ signal, processes: listening.size }, 'shutting down');
      // Each process drains as a single `serve` would; the primary only waits, then insists.
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
      setTimeout(
        () => {
          for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGKILL');
        },
        (options.shutdownTimeout + 5) * 1000,
      ).unref();
      if (Object.keys(cluster.workers ?? {}).length === 0) resolve(failed ? 1 : 0);
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
}
