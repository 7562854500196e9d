import { createDefaultEngine, loadConfig } from '@emporia/adapters';
import { createApp, createLogger } from '@emporia/http';
import type { Command } from 'commander';
import type { Server } from 'node:http';
import { CliError, type Io } from '../output.js';
import { startupTasks } from '../startup.js';

export function serveCommand(program: Command, io: Io): void {
  program
    .command('serve')
    .description('serve the HTTP API (migrates the database first unless --no-migrate)')
    .option('--no-migrate', 'do not apply pending migrations at start')
    .option('--port <port>', 'port to listen on (overrides PORT)')
    .option('--host <host>', 'address to listen on (overrides HOST)')
    .action(async (opts: { migrate: boolean; port?: string; host?: string }) => {
      const config = loadConfig();
      if (opts.port !== undefined) {
        if (!/^\d+$/.test(opts.port) || Number(opts.port) > 65535)
          throw new CliError(`--port: expected a port number, got '${opts.port}'`);
        config.port = Number(opts.port);
      }
      if (opts.host) config.host = opts.host;
      const engine = await createDefaultEngine({ config, migrate: opts.migrate });
      const logger = createLogger(engine);
      await startupTasks(engine, logger);
      const app = createApp(engine, { logger });
      const server: Server = await new Promise((resolve, reject) => {
        const s = app.listen(config.port, config.host, () => resolve(s));
        s.once('error', (err: NodeJS.ErrnoException) =>
          reject(
            new CliError(
              err.code === 'EADDRINUSE' ? `port ${config.port} on ${config.host} is already in use` : err.message,
            ),
          ),
        );
      });
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : config.port;
      const base = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
      io.out(`Emporia is serving ${base} — API docs at ${base}/api/docs`);

      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        logger.info({ signal }, 'shutting down');
        server.close(() => {
          void engine.close().then(() => process.exit(0));
        });
        server.closeIdleConnections();
        setTimeout(() => process.exit(0), 10_000).unref();
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
}
