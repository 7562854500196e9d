import { NotFoundError, systemContext } from '@emporia/core';
import type { Command } from 'commander';
import type { Io } from '../output.js';
import { openEngine } from '../engine.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function usersCommand(program: Command, io: Io): void {
  const users = program.command('users').description('manage user accounts');
  users
    .command('erase <email-or-id>')
    .description(
      'erase an account: deleted without orders, anonymised with its orders kept (as DELETE /api/users/{id})',
    )
    .action(async (who: string) => {
      const { engine } = await openEngine();
      try {
        const ctx = systemContext({ clock: engine.clock });
        const email = who.trim().toLowerCase();
        const id = UUID.test(email)
          ? email
          : (await engine.identity.listUsers(ctx, { email, page_size: 100 })).results.find((u) => u.email === email)
              ?.id;
        if (!id) throw new NotFoundError(`No user ${who}`);
        const result = await engine.identity.eraseUser(ctx, id);
        io.out(
          result.outcome === 'deleted'
            ? `Erased ${result.user_id}: deleted (no orders)`
            : `Erased ${result.user_id}: personal data anonymised, orders kept`,
        );
      } finally {
        await engine.close();
      }
    });
}
