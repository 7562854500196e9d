import { loadConfig, writeBackup, writeNativeBackup } from '@emporia/adapters';
import type { Command } from 'commander';
import type { Io } from '../output.js';
import { createProgress } from '../progress.js';

export function backupCommand(program: Command, io: Io): void {
  program
    .command('backup <file>')
    .description(
      'write a consistent, gzip-compressed snapshot of every table (restores into SQLite, PostgreSQL or MySQL/MariaDB)',
    )
    .option('--native', "use the database's own format: SQLite's online backup API, pg_dump, or mariadb-dump/mysqldump")
    .action(async (file: string, opts: { native?: boolean }) => {
      const config = loadConfig();
      const progress = createProgress(io, 'backup');
      try {
        if (opts.native) {
          await writeNativeBackup(config.databaseUrl, file, {
            onProgress: (done, message) => progress.update(Math.round(done * 100), 100, message),
          });
          progress.stop();
          io.out(`Wrote a native backup to ${file}`);
          return;
        }
        const header = await writeBackup(config.databaseUrl, file, {
          onProgress: (p) => progress.update(p.rows, p.total, p.table),
        });
        progress.stop();
        io.out(
          `Backed up ${header.total_rows} rows from ${header.tables.length} tables to ${file} ` +
            `(migration ${header.migrations.at(-1)}, sha256 ${header.body_sha256.slice(0, 12)}…)`,
        );
      } catch (err) {
        progress.stop();
        throw err;
      }
    });
}
