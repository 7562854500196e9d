import { Command, CommanderError } from 'commander';
import { EmporiaError, ConfigError } from '@emporia/core';
import { migrateCommand } from './commands/migrate.js';
import { openapiCommand } from './commands/openapi.js';
import { serveCommand } from './commands/serve.js';
import { seedCommand } from './commands/seed.js';
import { createsuperuserCommand } from './commands/createsuperuser.js';
import { workerCommand } from './commands/worker.js';
import { jobsCommand } from './commands/jobs.js';
import { usersCommand } from './commands/users.js';
import { importCommand } from './commands/import.js';
import { backupCommand } from './commands/backup.js';
import { restoreCommand } from './commands/restore.js';
import { recommendationsCommand } from './commands/recommendations.js';
import { CliError, processIo, type Io } from './output.js';

/** A usage error commander found (unknown command, missing argument…), as one line like every other failure. */
function usageLine(text: string): string {
  const reason = text
    .replace(/^error: /, '')
    .replace(/\s*\n\s*/g, ' ')
    .trim();
  return `emporia: ${reason} (see --help)`;
}

/**
 * The commander program with every `emporia` command, writing through `io`; errors are thrown
 * (exitOverride) rather than ending the process. `runCli` is the usual way in.
 */
export function buildProgram(io: Io): Command {
  const program = new Command('emporia')
    .description('Emporia — a headless commerce engine: HTTP server, worker and operations')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out(s.trimEnd()),
      writeErr: (s) => io.err(s.trimEnd()),
      outputError: (text, write) => write(usageLine(text)),
    });
  serveCommand(program, io);
  seedCommand(program, io);
  migrateCommand(program, io);
  openapiCommand(program, io);
  createsuperuserCommand(program, io);
  workerCommand(program, io);
  jobsCommand(program, io);
  usersCommand(program, io);
  importCommand(program, io);
  backupCommand(program, io);
  restoreCommand(program, io);
  recommendationsCommand(program, io);
  for (const c of program.commands) c.exitOverride();
  return program;
}

/** One readable line for any failure; never a stack trace. */
export function describeError(err: unknown): string {
  if (err instanceof ConfigError) return `invalid configuration:\n  ${err.problems.join('\n  ')}`;
  if (err instanceof EmporiaError || err instanceof CliError) return err.message;
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ECONNREFUSED') return `cannot reach the database (${e.message})`;
  const message = (e?.message ?? String(err)).split('\n')[0];
  // knex prefixes driver errors with the whole statement (`insert into … - reason`): keep the reason.
  if (typeof e?.code === 'string' && (/^SQLITE_/.test(e.code) || /^[0-9A-Z]{5}$/.test(e.code))) {
    return `database error: ${message.slice(message.lastIndexOf(' - ') + 3 || 0)}`;
  }
  return message;
}

/** Runs the CLI and resolves to its exit code (the binary passes it to process.exit). */
export async function runCli(argv: string[], io: Io = processIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    io.err(`emporia: ${describeError(err)}`);
    return err instanceof CliError ? err.exitCode : 1;
  }
}
