import type { Knex } from 'knex';

const DASHBOARD_ACCESS = 'dashboard:access';

/** A role's permission list as stored (a JSON array). */
async function editPermissions(knex: Knex, roleName: string, edit: (list: string[]) => string[]): Promise<void> {
  const role = (await knex('roles').where({ name: roleName }).first()) as { permissions: string } | undefined;
  if (!role) return;
  const before = JSON.parse(role.permissions) as string[];
  const after = edit(before);
  if (after.length !== before.length) {
    await knex('roles')
      .where({ name: roleName })
      .update({ permissions: JSON.stringify(after), updated_at: new Date().toISOString() });
  }
}

/**
 * Identity, second wave: staff may sign in to the back office (`dashboard:access`, which a
 * `dashboard_login: true` token request checks). Admin holds it through `*`.
 */
export const identityWave2Migration = {
  name: '0010_identity_wave2',
  async up(knex: Knex): Promise<void> {
    await editPermissions(knex, 'staff', (list) =>
      list.includes(DASHBOARD_ACCESS) ? list : [...list, DASHBOARD_ACCESS],
    );
  },
  async down(knex: Knex): Promise<void> {
    await editPermissions(knex, 'staff', (list) => list.filter((p) => p !== DASHBOARD_ACCESS));
  },
};
