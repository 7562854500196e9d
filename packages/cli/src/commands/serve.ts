import { createDefaultEngine, loadConfig } from '@emporia/adapters';
import { attachWebSockets, createApp, createLogger } from '@emporia/http';
import type { Command } from 'commander';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isClusterWorker, parseProcesses, runPrimary, runsClusterJobs } from '../cluster.js';
import { CliError, outliveOutput, stdoutFlushed, type Io } from '../output.js';
import { AcceptDrain, Shutdown } from '../shutdown.js';
import { startedUp, startupTasks } from '../startup.js';

/** How long the exit waits for the last log lines to be written to stdout. */
const FINAL_LOG_WAIT_MS = 500;

export function serveCommand(program: Command, io: Io): void {
  program
    .command('serve')
    .description('serve the HTTP API (migrates the database first unless --no-migrate)')
    .option('--no-migrate', 'do not apply pending migrations at start')
    .option('--port <port>', 'port to listen on (overrides PORT)')
    .option('--host <host>', 'address to listen on (overrides HOST)')
    .option('--processes <n>', "server processes sharing the port (a number or 'auto': one per core)", '1')
    .action(async (opts: { migrate: boolean; port?: string; host?: string; processes: string }) => {
      const config = loadConfig();
      if (opts.port !== undefined) {
        if (!/^\d+$/.test(opts.port) || Number(opts.port) > 65535)
          throw new CliError(`--port: expected a port number, got '${opts.port}'`);
        config.port = Number(opts.port);
      }
      if (opts.host) config.host = opts.host;
      const processes = parseProcesses(opts.processes);
      // One of the processes of `serve --processes N`: the primary migrated, seeded and scheduled.
      const worker = isClusterWorker();
      if (processes > 1 && !worker && config.databaseUrl === 'sqlite::memory:') {
        throw new CliError('--processes needs a database the processes share: sqlite::memory: is private to one');
      }
      const engine = await createDefaultEngine({ config, migrate: opts.migrate && !worker });
      const logger = createLogger(engine, outliveOutput());
      if (processes > 1 && !worker) {
        // The primary does the shop's start-up once, then only supervises.
        if (engine.store.dialect === 'sqlite') {
          logger.warn(
            { processes },
            'SQLite: the processes share one database file, so their writes queue one at a time',
          );
        }
        await startupTasks(engine, logger, { shop: true, runner: false });
        await engine.close();
        const code = await runPrimary({
          processes,
          shutdownTimeout: config.shutdownTimeout,
          logger,
          onListening: (port) => {
            io.out(servingLine(config.host, port, processes));
            startedUp();
          },
        });
        await stdoutFlushed(FINAL_LOG_WAIT_MS);
        process.exit(code);
      }
      await startupTasks(engine, logger, { shop: !worker, runner: !worker || runsClusterJobs() });
      const app = createApp(engine, { logger });
      const server: Server = await new Promise((resolve, reject) => {
        // Timeouts are checked every second, so REQUEST_TIMEOUT is what a slow sender gets.
        const s = createServer({ connectionsCheckingInterval: 1000 }, app);
        // `/api/ws` lives on the HTTP server, not in Express (`app.listen` would attach it; this server is our own).
        attachWebSockets(s, engine);
        s.listen(config.port, config.host, () => resolve(s));
        s.once('error', (err: NodeJS.ErrnoException) =>
          reject(
            new CliError(
              err.code === 'EADDRINUSE' ? `port ${config.port} on ${config.host} is already in use` : err.message,
            ),
          ),
        );
      });
      if (config.requestTimeout > 0) {
        // Slow senders (slowloris) get the same bound as slow handlers: headers too, which Node
        // otherwise checks only every 30 s (a slow header got its 408 after ~22 s).
        server.requestTimeout = config.requestTimeout * 1000;
        server.headersTimeout = server.requestTimeout;
      }
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : config.port;

      // Answers still being prepared when shutdown starts close their connection, so keep-alive
      // clients let go and server.close() can finish.
      let stopping = false;
      const drain = new AcceptDrain(server);
      const inFlight = new Map<ServerResponse, IncomingMessage>();
      // Before the app's own listener: an answer written at once (GET /health) would otherwise be
      // sent before this marks it, and keep its connection open through the shutdown.
      server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
        if (stopping) res.shouldKeepAlive = false;
        inFlight.set(res, req);
        res.once('close', () => inFlight.delete(res));
      });
      // Event streams never finish on their own: end them so clients reconnect to another process.
      const isEventStream = (req: IncomingMessage, res: ServerResponse) =>
        res.headersSent &&
        (String(res.getHeader('content-type') ?? '').startsWith('text/event-stream') ||
          (req.headers.accept ?? '').includes('text/event-stream'));
      const shutdown = new Shutdown();
      shutdown.add('http', async () => {
        for (const [res, req] of inFlight) {
          if (!res.headersSent) res.shouldKeepAlive = false;
          else if (isEventStream(req, res)) res.end();
        }
        // Connections that reached the listener just before the signal (the kernel's accept backlog)
        // are accepted and answered with `Connection: close`; closing the listener now would reset them.
        await drain.settled();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
      });
      shutdown.add('engine', () => engine.close());

      const stop = (signal: string) => {
        if (stopping) {
          logger.warn({ signal }, 'second signal: exiting now');
          process.exit(1);
        }
        stopping = true;
        logger.info({ signal, timeout_s: config.shutdownTimeout }, 'shutting down');
        void shutdown.run(config.shutdownTimeout * 1000, logger).then((clean) => {
          if (!clean) server.closeAllConnections();
          logger.info({ clean }, 'stopped');
          // A timed-out shutdown exits 1 so supervisors can tell it from a clean one. The last log
          // lines get a moment to reach a slow reader; a dead or full stdout never holds the exit.
          void stdoutFlushed(FINAL_LOG_WAIT_MS).then(() => process.exit(clean ? 0 : 1));
        });
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      if (worker) {
        // The primary relays shutdown as SIGTERM; Ctrl-C's SIGINT reaches the whole group, so it is
        // the primary's to act on. A primary that died (kill -9) leaves the channel closed: stop too.
        process.on('SIGINT', () => {});
        process.on('disconnect', () => stop('disconnect'));
      } else {
        process.on('SIGINT', () => stop('SIGINT'));
        // Said only once the signals are handled: a supervisor may stop the process right after this line.
        io.out(servingLine(config.host, port, 1));
      }
      startedUp();
    });
}

function servingLine(host: string, port: number, processes: number): string {
  const base = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const across = processes > 1 ? ` (${processes} processes)` : '';
  return `Emporia is serving ${base}${across} — API docs at ${base}/api/docs, dashboard at ${base}/admin`;
}
