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
    name: z.string().max(200),
    role: z.string().max(64),
    is_active: z.boolean(),
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
  password: passwordSchema,
  name: nameSchema.default(''),
});
/** Input of `identity.register` (see {@link registerInputSchema}). */
export type RegisterInput = z.input<typeof registerInputSchema>;

/** Admin (or system) creating a user; `role` defaults to customer. */
export const createUserInputSchema = z.strictObject({
  email: emailSchema,
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
  email: emailSchema.optional(),
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

/** Login input (`identity.login`): e-mail (or `username`, as DRF clients send it) and password. */
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
  .refine((v) => v.email !== undefined || v.username !== undefined, {
    message: 'email (or username) is required',
    path: ['email'],
  })
  .transform((v) => ({
    email: (v.email ?? v.username ?? '').trim().toLowerCase(),
    password: v.password,
    dashboard_login: v.dashboard_login === true,
  }));
/** Input of `identity.login` (see {@link tokenRequestSchema}). */
export type TokenRequest = z.input<typeof tokenRequestSchema>;

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
