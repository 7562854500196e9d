import { z } from 'zod';
import { idField, text, timestampField } from '../shared/input.js';
import { pageQuerySchema } from '../shared/pagination.js';

/** OWASP: at least 8; long passphrases are accepted whole, never truncated. */
export const PASSWORD_MIN_LENGTH = 8;
/** Generous, but bounded so nobody makes the server hash megabytes. */
export const PASSWORD_MAX_LENGTH = 1024;

/** An e-mail address as every surface accepts it: trimmed, at most 254 characters, lower-cased. */
export const emailSchema = text()
  .trim()
  .max(254)
  .pipe(z.email('must be a valid e-mail address'))
  .transform((v) => v.toLowerCase());

/** The password rule every surface applies: 8 to 1024 characters, never truncated. */
export const passwordSchema = text()
  .min(PASSWORD_MIN_LENGTH, `must be at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(PASSWORD_MAX_LENGTH, `must be at most ${PASSWORD_MAX_LENGTH} characters`);

const nameSchema = text().trim().max(200);

/** Shortest and longest username (Django's longest is 150 too). */
export const USERNAME_MIN_LENGTH = 3;
export const USERNAME_MAX_LENGTH = 150;

/**
 * A username: 3 to 150 ASCII letters, digits, `.`, `_` or `-`, starting with a letter or digit;
 * unique without regard to case, kept as typed. No `@`, so a login `username` holding an `@` can
 * only be an e-mail address; ASCII only, so no two usernames look alike in different scripts.
 */
export const usernameSchema = text()
  .trim()
  .min(USERNAME_MIN_LENGTH, `must be at least ${USERNAME_MIN_LENGTH} characters`)
  .max(USERNAME_MAX_LENGTH, `must be at most ${USERNAME_MAX_LENGTH} characters`)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
    'may hold only letters, digits, ., _ and -, and must start with a letter or digit',
  );
const roleNameSchema = text()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[a-z][a-z0-9_-]*$/, 'must be lower-case letters, digits, - or _');

/** Longest token Emporia signs: a JWT of a few fixed claims is a few hundred characters. */
export const MAX_TOKEN_LENGTH = 2048;

/** A user as every surface shows it: never the password hash. */
export const userSchema = z
  .object({
    id: idField(),
    email: z.string().max(254),
    username: z.string().max(150).nullable(),
    name: z.string().max(200),
    role: z.string().max(64),
    is_active: z.boolean(),
    email_verified_at: timestampField()
      .nullable()
      .describe('When the current e-mail address was verified; null until then'),
    created_at: timestampField(),
    updated_at: timestampField(),
  })
  .meta({ id: 'User' });
/** A user as every surface shows it (see {@link userSchema}). */
export type User = z.infer<typeof userSchema>;

/** How an account was erased: `deleted` outright, or `anonymised` into a tombstone its orders keep. */
export const erasureOutcomeSchema = z
  .enum(['deleted', 'anonymised'])
  .describe('`deleted`: nothing kept a record of the user; `anonymised`: orders are kept, the user is a tombstone');

/** What `identity.eraseUser` did. */
export const erasureResultSchema = z
  .object({ user_id: z.string(), outcome: erasureOutcomeSchema, erased_at: z.string() })
  .meta({ id: 'ErasureResult' });
/** What `identity.eraseUser` did (see {@link erasureResultSchema}). */
export type ErasureResult = z.infer<typeof erasureResultSchema>;

/** Open sign-up (`identity.register`): e-mail, password and an optional name; the role is always customer. */
export const registerInputSchema = z.strictObject({
  email: emailSchema,
  username: usernameSchema.optional(),
  password: passwordSchema,
  name: nameSchema.default(''),
});
/** Input of `identity.register` (see {@link registerInputSchema}). */
export type RegisterInput = z.input<typeof registerInputSchema>;

/** Admin (or system) creating a user; `role` defaults to customer. */
export const createUserInputSchema = z.strictObject({
  email: emailSchema,
  username: usernameSchema.optional(),
  password: passwordSchema,
  name: nameSchema.default(''),
  role: roleNameSchema.default('customer'),
  is_active: z.boolean().default(true),
});
/** Input of `identity.createUser` (see {@link createUserInputSchema}). */
export type CreateUserInput = z.input<typeof createUserInputSchema>;

/**
 * Changes to a user. `role` and `is_active` need `user:manage`; a password change of one's own
 * account needs `current_password`. Unknown fields are rejected (no silent mass assignment).
 */
export const updateUserInputSchema = z.strictObject({
  email: emailSchema.optional().describe('A new address clears the verification and mails a new verification token'),
  username: usernameSchema.nullable().optional().describe('null removes the username'),
  name: nameSchema.optional(),
  password: passwordSchema.optional(),
  current_password: text().max(PASSWORD_MAX_LENGTH).optional(),
  role: roleNameSchema.optional(),
  is_active: z.boolean().optional(),
});
/** Input of `identity.updateUser` and `updateMe` (see {@link updateUserInputSchema}). */
export type UpdateUserInput = z.input<typeof updateUserInputSchema>;

/** The user list's query (`identity.listUsers`): role, e-mail substring, and page or cursor. */
export const userListQuerySchema = pageQuerySchema.extend({
  role: text().max(64).optional(),
  email: text().max(254).optional(),
});
/** Parsed query of `identity.listUsers` (see {@link userListQuerySchema}). */
export type UserListQuery = z.infer<typeof userListQuerySchema>;

/**
 * Login input (`identity.login`): exactly one of `email` or `username`, and the password. A
 * `username` holding an `@` is taken as the e-mail address (DRF clients send the e-mail under
 * that name); usernames cannot hold one, so it never means two accounts.
 */
export const tokenRequestSchema = z
  .strictObject({
    email: text().max(254).optional(),
    username: text().max(254).optional(),
    password: text().max(PASSWORD_MAX_LENGTH),
    dashboard_login: z
      .boolean()
      .optional()
      .describe('true: a back-office login; a user without the dashboard:access permission gets 403'),
  })
  .superRefine((v, issue) => {
    if (v.email === undefined && v.username === undefined)
      issue.addIssue({ code: 'custom', message: 'email or username is required', path: ['email'] });
    if (v.email !== undefined && v.username !== undefined)
      issue.addIssue({ code: 'custom', message: 'give email or username, not both', path: ['username'] });
  })
  .transform((v): { email?: string; username?: string; password: string; dashboard_login: boolean } => {
    const login = (v.email ?? v.username ?? '').trim();
    const byEmail = v.email !== undefined || login.includes('@');
    return {
      ...(byEmail ? { email: login.toLowerCase() } : { username: login }),
      password: v.password,
      dashboard_login: v.dashboard_login === true,
    };
  });
/** Input of `identity.login` (see {@link tokenRequestSchema}). */
export type TokenRequest = z.input<typeof tokenRequestSchema>;

/** `identity.requestPasswordReset` input: the account's e-mail address. */
export const passwordResetRequestSchema = z.strictObject({ email: emailSchema });
/** Input of `identity.requestPasswordReset` (see {@link passwordResetRequestSchema}). */
export type PasswordResetRequest = z.input<typeof passwordResetRequestSchema>;

const accountTokenSchema = text().trim().min(1).max(256).describe('The token from the e-mail');

/** `identity.confirmPasswordReset` input: the mailed token and the new password (the sign-up rule). */
export const passwordResetConfirmSchema = z.strictObject({ token: accountTokenSchema, password: passwordSchema });
/** Input of `identity.confirmPasswordReset` (see {@link passwordResetConfirmSchema}). */
export type PasswordResetConfirm = z.input<typeof passwordResetConfirmSchema>;

/** `identity.verifyEmail` input: the mailed token. */
export const verifyEmailInputSchema = z.strictObject({ token: accountTokenSchema });
/** Input of `identity.verifyEmail` (see {@link verifyEmailInputSchema}). */
export type VerifyEmailInput = z.input<typeof verifyEmailInputSchema>;

/** What a login or refresh answers: a short-lived access token and a refresh token. */
export const tokenPairSchema = z
  .object({ access: z.string().max(MAX_TOKEN_LENGTH), refresh: z.string().max(MAX_TOKEN_LENGTH) })
  .meta({ id: 'TokenPair' });
/** An access and a refresh token (see {@link tokenPairSchema}). */
export type TokenPair = z.infer<typeof tokenPairSchema>;

/** What `identity.verify` answers for a usable token: its type, user and expiry. */
export const verifyResultSchema = z.object({
  token_type: z.enum(['access', 'refresh']),
  user_id: idField(),
  expires_at: timestampField(),
});
/** A verified token's type, user and expiry (see {@link verifyResultSchema}). */
export type VerifyResult = z.infer<typeof verifyResultSchema>;

/** A role as every surface shows it: a name and the permission strings it grants. */
export const roleSchema = z
  .object({
    id: idField(),
    name: z.string().max(64),
    description: z.string().max(255),
    permissions: z.array(z.string().max(100)).max(200),
    is_builtin: z.boolean(),
    created_at: timestampField(),
    updated_at: timestampField(),
  })
  .meta({ id: 'Role' });
/** A role (see {@link roleSchema}). */
export type Role = z.infer<typeof roleSchema>;

const permissionListSchema = z.array(text().min(1).max(100)).max(200);

/** Input of `identity.createRole`: a lower-case name, a description and known permission strings. */
export const createRoleInputSchema = z.strictObject({
  name: roleNameSchema,
  description: text().trim().max(255).default(''),
  permissions: permissionListSchema.default([]),
});
/** Input of `identity.createRole` (see {@link createRoleInputSchema}). */
export type CreateRoleInput = z.input<typeof createRoleInputSchema>;

/** Input of `identity.updateRole`: any of name, description and permissions. */
export const updateRoleInputSchema = z.strictObject({
  name: roleNameSchema.optional(),
  description: text().trim().max(255).optional(),
  permissions: permissionListSchema.optional(),
});
/** Input of `identity.updateRole` (see {@link updateRoleInputSchema}). */
export type UpdateRoleInput = z.input<typeof updateRoleInputSchema>;
