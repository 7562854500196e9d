import { BUILT_IN_ROLES } from '@emporia/core';
import type { Knex } from 'knex';

/** Users, roles and refresh tokens: every other table points at users. */
export const identityMigration = {
  name: '0001_identity',
  async up(knex: Knex): Promise<void> {
    await knex.schema.createTable('roles', (t) => {
      t.string('id', 36).primary();
      t.string('name', 64).notNullable().unique();
      t.string('description', 255).notNullable().defaultTo('');
      t.text('permissions').notNullable(); // JSON array of permission strings
      t.boolean('is_builtin').notNullable().defaultTo(false);
      t.timestamp('created_at', { useTz: true }).notNullable();
      t.timestamp('updated_at', { useTz: true }).notNullable();
    });
    await knex.schema.createTable('users', (t) => {
      t.string('id', 36).primary();
      // Stored lower-cased: the unique index then makes e-mails unique case-insensitively.
      t.string('email', 254).notNullable().unique();
      t.string('name', 200).notNullable().defaultTo('');
      t.string('password_hash', 255).notNullable();
      t.string('role', 64).notNullable().references('name').inTable('roles').onUpdate('CASCADE');
      t.boolean('is_active').notNullable().defaultTo(true);
      t.timestamp('created_at', { useTz: true }).notNullable();
      t.timestamp('updated_at', { useTz: true }).notNullable();
      // Why: GET /api/users filters by role.
      t.index(['role', 'created_at'], 'users_role_created_idx');
    });
    const now = new Date().toISOString();
    const ids = [
      '0192f0a0-0000-7000-8000-000000000001',
      '0192f0a0-0000-7000-8000-000000000002',
      '0192f0a0-0000-7000-8000-000000000003',
    ];
    await knex('roles').insert(
      Object.values(BUILT_IN_ROLES).map((r, i) => ({
        id: ids[i],
        name: r.name,
        description: r.description,
        permissions: JSON.stringify(r.permissions),
        is_builtin: true,
        created_at: now,
        updated_at: now,
      })),
    );
  },
  async down(knex: Knex): Promise<void> {
    await knex.schema.dropTable('users');
    await knex.schema.dropTable('roles');
  },
};
