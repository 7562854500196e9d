import {
  createKnexStore,
  loadConfig,
  migrateLatest,
  migrateRollback,
  migrationStatus,
  rollbackPreview,
} from '@emporia/adapters';
import type { Command } from 'commander';
import { CliError, type Io } from '../output.js';

async function withStore<T>(fn: (store: ReturnType<typeof createKnexStore>) => Promise<T>): Promise<T> {
  const store = createKnexStore(loadConfig().databaseUrl);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

export function migrateCommand(program: Command, io: Io): void {
  const migrate = program
    .command('migrate')
    .description(
      'apply pending migrations to the DATABASE_URL database (SQLite, PostgreSQL or MySQL/MariaDB), or roll back with --rollback',
    )
    .option('--to <name>', 'apply migrations up to and including this one')
    .option('--rollback', 'roll back the last batch of migrations')
    .option('--all', 'with --rollback: roll back every migration')
    .option('--yes', 'with --rollback: go ahead even though it drops tables that hold rows')
    .action(async (opts: { to?: string; rollback?: boolean; all?: boolean; yes?: boolean }) => {
      await withStore(async (store) => {
        if (opts.rollback) {
          const preview = await rollbackPreview(store.knex, Boolean(opts.all));
          if (preview.tables.length && !opts.yes) {
            const tables = preview.tables.map((t) => `${t.table} (${t.rows} rows)`).join(', ');
            throw new CliError(
              `migrate --rollback would undo ${preview.migrations.join(', ')} and drop tables holding rows: ` +
                `${tables}; nothing was changed (take a backup, then run again with --yes)`,
            );
          }
          const names = await migrateRollback(store.knex, Boolean(opts.all));
          io.out(names.length ? `Rolled back: ${names.join(', ')}` : 'Nothing to roll back');
          return;
        }
        const names = await migrateLatest(store.knex, opts.to);
        io.out(names.length ? `Applied: ${names.join(', ')}` : 'Database is up to date');
      });
    });
  migrate
    .command('status')
    .description('list migrations and whether each is applied')
    .action(async () => {
      await withStore(async (store) => {
        for (const s of await migrationStatus(store.knex)) io.out(`${s.applied ? '[x]' : '[ ]'} ${s.name}`);
      });
    });
}
