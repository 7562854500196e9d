import { loadConfig, restoreBackup, restoreNativeBackup } from '@emporia/adapters';
import type { Command } from 'commander';
import type { Io } from '../output.js';
import { createProgress } from '../progress.js';

export function restoreCommand(program: Command, io: Io): void {
  program
    .command('restore <file>')
    .description(
      'load a backup into an empty, migrated SQLite, PostgreSQL or MySQL/MariaDB database (checks counts and checksum first)',
    )
    .option('--force', 'replace the data of a database that already holds some')
    .option('--native', 'the file was written by `backup --native` (SQLite backup, pg_dump archive or MySQL dump)')
    .action(async (file: string, opts: { force?: boolean; native?: boolean }) => {
      const config = loadConfig();
      const progress = createProgress(io, 'restore');
      try {
        if (opts.native) {
          await restoreNativeBackup(config.databaseUrl, file, {
            force: opts.force,
            onProgress: (done, message) => progress.update(Math.round(done * 100), 100, message),
          });
          progress.stop();
          io.out(`Restored the native backup ${file}`);
          return;
        }
        const header = await restoreBackup(config.databaseUrl, file, {
          force: opts.force,
          onProgress: (p) => progress.update(p.rows, p.total, p.phase === 'verify' ? 'verifying' : p.table),
        });
        progress.stop();
        io.out(
          `Restored ${header.total_rows} rows into ${header.tables.length} tables from ${file} ` +
            `(written by ${header.source_dialect} at ${header.created_at}; counts and checksum verified)`,
        );
      } catch (err) {
        progress.stop();
        throw err;
      }
    });
}
