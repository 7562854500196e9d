import type { Knex } from 'knex';

/**
 * Accounts: an optional username (unique without regard to case: the lower-cased copy carries the
 * unique index, since no case-insensitive index is portable across the three dialects), when the
 * e-mail was verified, and a token version that access tokens carry, so a password change,
 * reset or deactivation voids every access token at once. `account_tokens` holds password-reset
 * and e-mail-verification tokens as SHA-256 hashes, each spent once.
 */
export const accountsMigration = {
  name: '0011_accounts',
  async up(knex: Knex): Promise<void> {
    await knex.schema.alterTable('users', (t) => {
      t.string('username', 150).nullable();
      // Several NULLs are allowed by a unique index on all three dialects: users without one.
      t.string('username_normalized', 150).nullable().unique('users_username_normalized_unique');
      t.timestamp('email_verified_at', { useTz: true }).nullable();
      t.integer('token_version').notNullable().defaultTo(0);
    });
    await knex.schema.createTable('account_tokens', (t) => {
      t.string('id', 36).primary();
      t.string('user_id', 36).notNullable().references('id').inTable('users').onDelete('CASCADE');
      t.string('purpose', 32).notNullable(); // password_reset | email_verification
      // SHA-256 of the token: a leaked table yields no usable token.
      t.string('token_hash', 64).notNullable().unique();
      // The address a verification token was sent to: a token for an old address verifies nothing.
      t.string('email', 254).notNullable();
      t.timestamp('expires_at', { useTz: true }).notNullable();
      t.timestamp('created_at', { useTz: true }).notNullable();
      t.timestamp('used_at', { useTz: true }).nullable();
      // Why: a reset spends the user's other open tokens of the same purpose.
      t.index(['user_id', 'purpose'], 'account_tokens_user_purpose_idx');
    });
  },
  async down(knex: Knex): Promise<void> {
    await knex.schema.dropTable('account_tokens');
    await knex.schema.alterTable('users', (t) => {
      t.dropUnique(['username_normalized'], 'users_username_normalized_unique');
    });
    await knex.schema.alterTable('users', (t) => {
      t.dropColumn('token_version');
      t.dropColumn('email_verified_at');
      t.dropColumn('username_normalized');
      t.dropColumn('username');
    });
  },
};
