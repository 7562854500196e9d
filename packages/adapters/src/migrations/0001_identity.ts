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
    await knex.schema.createTable('refresh_tokens', (t) => {
      t.string('id', 36).primary(); // the token's jti
      t.string('family_id', 36).notNullable(); // one login; reuse of a spent token revokes it all
      t.string('user_id', 36).notNullable().references('id').inTable('users').onDelete('CASCADE');
      // SHA-256 of the token: a leaked table yields no usable token.
      t.string('token_hash', 64).notNullable().unique();
      t.timestamp('expires_at', { useTz: true }).notNullable();
      t.timestamp('created_at', { useTz: true }).notNullable();
      t.timestamp('used_at', { useTz: true }).nullable();
      t.timestamp('revoked_at', { useTz: true }).nullable();
      t.index(['family_id'], 'refresh_tokens_family_idx');
      t.index(['user_id'], 'refresh_tokens_user_idx');
    });
    // Failed logins per hashed e-mail or IP, shared by every server process.
    await knex.schema.createTable('login_throttles', (t) => {
      t.string('key', 64).primary();
      t.integer('failures').notNullable();
      t.timestamp('window_started_at', { useTz: true }).notNullable();
      t.timestamp('locked_until', { useTz: true }).nullable();
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
    await knex.schema.dropTable('login_throttles');
    await knex.schema.dropTable('refresh_tokens');
    await knex.schema.dropTable('users');
    await knex.schema.dropTable('roles');
  },
};
